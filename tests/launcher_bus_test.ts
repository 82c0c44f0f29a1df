/**
 * The launcher started by a client that scrubs the environment (Codex passes ~8 variables): with no
 * DBUS_SESSION_BUS_ADDRESS it still reaches the Secret Service, through the session bus socket where
 * the OS puts it ($XDG_RUNTIME_DIR/bus, /run/user/<uid>/bus).
 *
 * The suite's keyring listens on a private dbus-run-session bus (a socket in /tmp), so the tests
 * place that socket where the OS would: a symlink `bus` in a temp runtime dir given as XDG_RUNTIME_DIR.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliCommand, expectCode, HAS_SECRET_SERVICE, type Sandbox, withSandbox } from "./helpers.ts";
import { findSessionBus, sessionBusCandidates } from "../src/plugins/backends/session_bus.ts";

const linux = { ignore: Deno.build.os !== "linux" };

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The socket path of the suite's private session bus. */
function busSocket(): string {
  const address = Deno.env.get("DBUS_SESSION_BUS_ADDRESS") ?? "";
  const m = /(?:^|;)unix:(?:[^;]*,)?path=([^,;]+)/.exec(address);
  assert.ok(m, `the suite's bus is not a unix:path socket: ${address}`);
  return decodeURIComponent(m[1]);
}

/**
 * Runs `mcp-nexus run <server>` as a scrubbing client does: only HOME and PATH (plus the sandbox's
 * registry and test keychain service, and Deno's cache), never DBUS_SESSION_BUS_ADDRESS.
 */
async function runScrubbed(sb: Sandbox, server: string, extra: Record<string, string>) {
  const [cmd, ...pre] = cliCommand();
  const env: Record<string, string> = {
    HOME: sb.home,
    PATH: sb.env.PATH,
    MCP_NEXUS_HOME: sb.env.MCP_NEXUS_HOME,
    MCP_NEXUS_KEYCHAIN_SERVICE: sb.env.MCP_NEXUS_KEYCHAIN_SERVICE,
    ...extra,
  };
  if (sb.env.DENO_DIR) env.DENO_DIR = sb.env.DENO_DIR;
  const out = await new Deno.Command(cmd, {
    args: [...pre, "run", server],
    env,
    clearEnv: true,
    cwd: sb.home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A server that prints the SHA-256 of the secret it got, and the bus address it inherited. */
async function addProbe(sb: Sandbox, secret: string) {
  expectCode(await sb.run(["secret", "set", "bus-token"], { stdin: secret }), 0);
  expectCode(
    await sb.run([
      "server",
      "add",
      "probe",
      "--env",
      "TOKEN=${keychain:bus-token}",
      "--",
      "sh",
      "-c",
      'printf "env=%s\\nbus=%s\\n" "$(printf %s "$TOKEN" | sha256sum | cut -c1-64)" "${DBUS_SESSION_BUS_ADDRESS:-none}"',
    ]),
    0,
  );
}

Deno.test({
  name:
    "run: with a scrubbed env (no DBUS_SESSION_BUS_ADDRESS) the launcher finds the bus at $XDG_RUNTIME_DIR/bus",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (a private Secret Service)");
      const secret = `bus-canary-${crypto.randomUUID()}`;
      await addProbe(sb, secret);
      const runtime = await Deno.makeTempDir({ prefix: "mcp-nexus-runtime-" });
      try {
        await Deno.chmod(runtime, 0o700);
        await Deno.symlink(busSocket(), join(runtime, "bus"));
        const r = await runScrubbed(sb, "probe", { XDG_RUNTIME_DIR: runtime });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^env=${await sha256(secret)}$`, "m"));
        // the server inherits the address found, as it would inside the desktop session
        assert.match(r.stdout, new RegExp(`^bus=unix:path=${runtime}/bus$`, "m"));
        assert.ok(!(r.stdout + r.stderr).includes(secret));
      } finally {
        await Deno.remove(runtime, { recursive: true });
      }
    }),
});

Deno.test({
  name: "run: with a scrubbed env and no bus anywhere, exit 4 names the places looked at (no secret leaks)",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const secret = `bus-canary-${crypto.randomUUID()}`;
      await addProbe(sb, secret);
      const standard = `/run/user/${Deno.uid()}/bus`;
      const standardExists = await Deno.stat(standard).then(() => true, () => false);
      const runtime = await Deno.makeTempDir({ prefix: "mcp-nexus-runtime-" });
      try {
        const r = await runScrubbed(sb, "probe", { XDG_RUNTIME_DIR: runtime });
        if (standardExists) {
          // this machine has a real session bus there: the launcher must have used it (or its keyring)
          assert.ok(r.code === 0 || r.code === 4, r.stderr);
          return;
        }
        assert.equal(r.code, 4, r.stdout + r.stderr);
        assert.ok(r.stderr.includes(`${runtime}/bus`), r.stderr);
        assert.ok(r.stderr.includes(standard), r.stderr);
        assert.match(r.stderr, /probe/);
        assert.equal(r.stdout, "");
        assert.ok(!r.stderr.includes(secret));
      } finally {
        await Deno.remove(runtime, { recursive: true });
      }
    }),
});

Deno.test("session bus: candidates are $XDG_RUNTIME_DIR/bus then /run/user/<uid>/bus", () => {
  assert.deepEqual(sessionBusCandidates(undefined, 1000), ["/run/user/1000/bus"]);
  assert.deepEqual(sessionBusCandidates("/run/user/1000/", 1000), ["/run/user/1000/bus"]);
  assert.deepEqual(sessionBusCandidates("/tmp/rt", 1000), ["/tmp/rt/bus", "/run/user/1000/bus"]);
  assert.deepEqual(sessionBusCandidates("relative/dir", 7), ["/run/user/7/bus"], "a relative dir is ignored");
  assert.deepEqual(sessionBusCandidates(undefined, null), []);
});

Deno.test({
  name: "session bus: only a socket owned by this user is taken (not a file, not someone else's socket)",
  ...linux,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "mcp-nexus-runtime-" });
    try {
      const uid = Deno.uid()!;
      const file = join(dir, "file");
      await Deno.writeTextFile(file, "");
      const sock = join(dir, "bus");
      const listener = Deno.listen({ transport: "unix", path: sock });
      try {
        assert.equal(findSessionBus([join(dir, "missing"), file, sock], uid), sock);
        assert.equal(findSessionBus([sock], uid + 1), undefined, "a socket of another uid is not ours");
      } finally {
        listener.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
