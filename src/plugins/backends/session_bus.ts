/**
 * Linux: finding the D-Bus session bus when `DBUS_SESSION_BUS_ADDRESS` is not set.
 *
 * AI clients start servers with a scrubbed environment (Codex passes about eight variables: HOME,
 * PATH, USER, …), so the launcher often runs without the bus address its desktop session has. The
 * session bus of a systemd login is still where the OS puts it: `$XDG_RUNTIME_DIR/bus`, and
 * `/run/user/<uid>/bus` when XDG_RUNTIME_DIR is scrubbed too. We look there (one or two stat calls,
 * no module loaded) and set the variable for the keyring library, which would otherwise not try the
 * second place when XDG_RUNTIME_DIR is set but holds no bus.
 *
 * Only a socket owned by this user is taken: a bus someone else placed there is not ours to trust.
 */

/** The places the OS puts the session bus socket, in the order they are tried. */
export function sessionBusCandidates(runtimeDir: string | undefined, uid: number | null): string[] {
  const out: string[] = [];
  if (runtimeDir && runtimeDir.startsWith("/")) out.push(`${runtimeDir.replace(/\/+$/, "")}/bus`);
  if (uid !== null) {
    const standard = `/run/user/${uid}/bus`;
    if (!out.includes(standard)) out.push(standard);
  }
  return out;
}

/** The first candidate that is a socket owned by `uid` (followed through symlinks), or undefined. */
export function findSessionBus(candidates: string[], uid: number | null): string | undefined {
  for (const path of candidates) {
    try {
      const st = Deno.statSync(path);
      if (st.isSocket && (uid === null || st.uid === uid)) return path;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

function currentUid(): number | null {
  try {
    return Deno.uid();
  } catch {
    return null;
  }
}

/**
 * Sets `DBUS_SESSION_BUS_ADDRESS` from the standard socket location when it is missing (Linux only).
 * Returns the places looked at when no bus was found (for the "no session bus" message), else [].
 */
export function ensureSessionBusAddress(): string[] {
  if (Deno.build.os !== "linux" && Deno.build.os !== "freebsd") return [];
  try {
    if (Deno.env.get("DBUS_SESSION_BUS_ADDRESS")) return [];
    const uid = currentUid();
    const candidates = sessionBusCandidates(Deno.env.get("XDG_RUNTIME_DIR"), uid);
    const bus = findSessionBus(candidates, uid);
    if (!bus) return candidates;
    // a D-Bus address escapes only what is not [-0-9A-Za-z_/.\*]
    const escaped = bus.replace(
      /[^-0-9A-Za-z_/.\\*]/g,
      (c) => [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
    );
    Deno.env.set("DBUS_SESSION_BUS_ADDRESS", `unix:path=${escaped}`);
    return [];
  } catch {
    return []; // no permission to read or set the variable: leave it to the keyring library
  }
}
