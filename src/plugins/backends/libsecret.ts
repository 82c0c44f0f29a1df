/**
 * Linux: the freedesktop Secret Service (GNOME Keyring, KWallet 6, KeePassXC) over D-Bus, via
 * libsecret's protocol. Never the kernel keyutils store: that forgets everything at reboot.
 */
import type { BackendHealth, BackendPlugin } from "../../ports/secrets.ts";
import { backendError } from "../../ports/secrets.ts";
import { keyringBackend } from "./keyring_store.ts";
import { ensureSessionBusAddress } from "./session_bus.ts";
import { classifyLinux } from "./secret_service_errors.ts";

export { classifyLinux };

/**
 * Read-only: asks the Secret Service whether the default collection is locked (its `Locked` property),
 * with dbus-send (part of D-Bus itself). Null if it cannot tell (no dbus-send, an odd answer).
 */
export async function secretServiceState(): Promise<Omit<BackendHealth, "ok"> | "ok" | null> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("dbus-send", {
      args: [
        "--session",
        "--print-reply",
        "--reply-timeout=3000",
        "--dest=org.freedesktop.secrets",
        "/org/freedesktop/secrets/aliases/default",
        "org.freedesktop.DBus.Properties.Get",
        "string:org.freedesktop.Secret.Collection",
        "string:Locked",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    return null; // no dbus-send here
  }
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (out.success) {
    if (/boolean\s+true/.test(text)) return classifyLinux("the collection is locked");
    if (/boolean\s+false/.test(text)) return "ok";
    return null;
  }
  if (/UnknownObject|UnknownMethod|No such object|Object does not exist/i.test(text)) {
    return classifyLinux("no result found: no such object (default collection)");
  }
  if (/ServiceUnknown|NameHasNoOwner|not provided by any/i.test(text)) return classifyLinux(text);
  return null;
}

export const libsecret: BackendPlugin = {
  id: "libsecret",
  label: "Secret Service (libsecret)",
  platforms: ["linux"],
  description: "GNOME Keyring, KWallet or KeePassXC over D-Bus (Linux)",
  create: (ctx) => {
    // Clients that scrub the environment drop DBUS_SESSION_BUS_ADDRESS: find the bus where the OS puts it.
    const looked = ensureSessionBusAddress();
    const keyring = keyringBackend({
      id: "libsecret",
      label: "Secret Service (libsecret)",
      linuxStore: "secret-service",
      readOnlyState: secretServiceState,
      classify: (message) => {
        const c = classifyLinux(message);
        if (looked.length === 0 || !c.message.startsWith("No D-Bus session bus")) return c;
        return {
          ...c,
          message: `No D-Bus session bus, so no Secret Service (keyring) can be reached: ` +
            `DBUS_SESSION_BUS_ADDRESS is not set and there is no bus socket at ${looked.join(" or ")}.`,
        };
      },
    }, ctx);
    return {
      ...keyring,
      // reads take the fast Secret Service path when it is sure (no npm package loaded), else keyring-rs
      async get(name) {
        const fast = await fastGet(ctx.service, name);
        return fast === undefined ? await keyring.get(name) : fast;
      },
    };
  },
};
export default libsecret;

/**
 * A read through secret_service_fast.ts: the value, null when it is surely not stored, a "locked"
 * error; undefined when the fast path is not sure (then keyring-rs answers, and explains).
 */
async function fastGet(service: string, name: string): Promise<string | null | undefined> {
  const { readSecretsFast } =
    await (import(new URL("./secret_service_fast.ts", import.meta.url).href) as Promise<
      typeof import("./secret_service_fast.ts")
    >);
  const r = (await readSecretsFast(service, [name])).get(name);
  if (r?.kind === "found") return r.value;
  if (r?.kind === "missing") return null;
  if (r?.kind === "locked") {
    const h = classifyLinux("the collection is locked");
    throw backendError(h.status, h.message, h.hint, "libsecret");
  }
  return undefined;
}
