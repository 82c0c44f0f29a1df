/**
 * The launcher (`mcp-nexus run <server>`) end to end, as an AI client starts it: secrets from the real
 * keychain (or the env backend) reach the server and nothing else, stdio is the server's own, exit
 * codes and signals pass through, errors are one clear line with no secret in it, and on Linux the
 * launcher is replaced by the server (exec).
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import {
  cliCommand,
  CONFIG,
  expectCode,
  HAS_SECRET_SERVICE,
  MAIN,
  type Sandbox,
  START_PRIVATE_KEYRING,
  withSandbox,
} from "./helpers.ts";

const linux = { ignore: Deno.build.os !== "linux" };
const dec = new TextDecoder();

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A canary secret value: must never show up in anything the launcher prints. */
function canary(): string {
  return `canary-${crypto.randomUUID()}`;
}

interface Spawned {
  child: Deno.ChildProcess;
  /** Resolves with everything, once the launcher (or what replaced it) has exited. */
  done: Promise<{ code: number; signal: Deno.Signal | null; stdout: string; stderr: string }>;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string): Promise<void>;
}

/** Starts `mcp-nexus run <server>` directly (to know its pid), as a client would. */
function spawnLauncher(
  sb: Sandbox,
  server: string,
  opts: { env?: Record<string, string | undefined>; stdin?: Uint8Array; config?: string } = {},
): Spawned {
  const [cmd, ...pre] = opts.config
    ? [Deno.execPath(), "run", "-q", "--no-prompt", "-P=nexus", "--config", opts.config, MAIN]
    : cliCommand();
  const env: Record<string, string> = { ...sb.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) v === undefined ? delete env[k] : (env[k] = v);
  const child = new Deno.Command(cmd, {
    args: [...pre, "run", server],
    env,
    clearEnv: true,
    cwd: sb.home,
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const readOut = (async () => {
    for await (const chunk of child.stdout) {
      stdout += dec.decode(chunk, { stream: true });
      for (const w of waiters) if (stdout.includes(w.text)) w.resolve();
    }
  })();
  const readErr = new Response(child.stderr).text();
  if (opts.stdin) {
    const w = child.stdin.getWriter();
    w.write(opts.stdin).then(() => w.close()).catch(() => {});
  }
  const done = Promise.all([child.status, readOut, readErr]).then(([s, , stderr]) => ({
    code: s.code,
    signal: s.signal,
    stdout,
    stderr,
  }));
  const waitFor = (text: string) =>
    new Promise<void>((res, rej) => {
      if (stdout.includes(text)) return res();
      waiters.push({ text, resolve: res });
      done.then((r) =>
        rej(new Error(`exited (${r.code}) before printing ${text}:\n${r.stdout}\n${r.stderr}`))
      );
    });
  return { child, done, waitFor };
}

/** Runs the launcher with raw bytes on stdin; returns raw stdout. */
async function runBytes(
  sb: Sandbox,
  server: string,
  input: Uint8Array,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const [cmd, ...pre] = cliCommand();
  const child = new Deno.Command(cmd, {
    args: [...pre, "run", server],
    env: { ...sb.env, ...env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  const writing = w.write(input).then(() => w.close());
  const out = await child.output();
  await writing;
  return { code: out.code, stdout: out.stdout, stderr: dec.decode(out.stderr) };
}

async function addServer(sb: Sandbox, name: string, args: string[]): Promise<void> {
  expectCode(await sb.run(["server", "add", name, ...args]), 0);
}

async function setSecret(sb: Sandbox, name: string, value: string): Promise<void> {
  expectCode(await sb.run(["secret", "set", name], { stdin: value }), 0);
}

/** With exec (the default), and without (the child-process way, as on Windows). */
const MODES: Array<Record<string, string>> = [{}, { MCP_NEXUS_NO_EXEC: "1" }];

function assertNoSecret(text: string, secret: string) {
  assert.ok(!text.includes(secret), `a secret value was printed:\n${text}`);
}

// A probe server: prints SHA-256 of what it got (never the value), its pid, what it inherited.
const PROBE = [
  'printf "env=%s\\n" "$(printf %s "$TOKEN" | sha256sum | cut -c1-64)"',
  'printf "arg=%s\\n" "$(printf %s "$1" | sha256sum | cut -c1-64)"',
  'echo "pid=$$"',
  'echo "home=$HOME"',
  'echo "other=${MCP_NEXUS_SECRET_OTHER_TOKEN:-none}"',
  'echo "sigign=$(sed -n "s/^SigIgn:[[:space:]]*//p" /proc/$$/status)"',
  'fds=$(ls /proc/self/fd); echo "fds="$fds',
].join("; ");

Deno.test({
  name: "run: a keychain secret reaches the server's env and args (not our output); exec keeps the pid",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (a private Secret Service)");
      const secret = canary();
      await setSecret(sb, "api-token", secret);
      await addServer(sb, "probe", [
        "--env",
        "TOKEN=${keychain:api-token}",
        "--",
        "sh",
        "-c",
        PROBE,
        "probe",
        "Bearer ${keychain:api-token}",
      ]);
      const l = spawnLauncher(sb, "probe", { env: { MCP_NEXUS_SECRET_OTHER_TOKEN: "not-for-this-server" } });
      const r = await l.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^env=${await sha256(secret)}$`, "m"));
      assert.match(r.stdout, new RegExp(`^arg=${await sha256(`Bearer ${secret}`)}$`, "m"));
      // exec: the server IS the process the client started; nothing of ours stays resident
      assert.match(r.stdout, new RegExp(`^pid=${l.child.pid}$`, "m"));
      // the whole parent environment, minus the env backend's secrets for other servers
      assert.match(r.stdout, new RegExp(`^home=${sb.home}$`, "m"));
      assert.match(r.stdout, /^other=none$/m);
      // SIGPIPE back to default (Deno ignores it), and no descriptor of ours (D-Bus socket…) leaked
      const sigign = BigInt(`0x${/^sigign=(\w+)$/m.exec(r.stdout)![1]}`);
      assert.equal(sigign & (1n << 12n), 0n, "SIGPIPE is ignored in the server");
      // the same descriptors as a shell the test starts itself (the test runner may pass some on)
      const direct = await new Deno.Command("sh", {
        args: ["-c", 'fds=$(ls /proc/self/fd); echo "fds="$fds'],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const baseline = dec.decode(direct.stdout).trim();
      for (const fd of ["0", "1", "2", "3"]) assert.ok(baseline.slice(4).split(" ").includes(fd), baseline);
      assert.ok(r.stdout.includes(`\n${baseline}\n`), `${baseline} expected in:\n${r.stdout}`);
      assertNoSecret(r.stdout + r.stderr, secret);
      assert.equal(r.stderr, "");
    }),
});

Deno.test({
  name: "run: stdin and stdout pass through byte for byte, with exec and without",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await addServer(sb, "cat", ["--", "cat"]);
      const input = new Uint8Array(300_000);
      for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 8)) & 0xff; // every byte value
      for (const env of MODES) {
        const r = await runBytes(sb, "cat", input, env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.length, input.length);
        assert.ok(r.stdout.every((b, i) => b === input[i]), "stdout differs from stdin");
        assert.equal(r.stderr, "");
      }
    }),
});

Deno.test({
  name: "run: the server's exit code is the launcher's; without exec the launcher waits and forwards it",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await addServer(sb, "exit42", ["--", "sh", "-c", "echo out; echo err >&2; exit 42"]);
      for (const env of MODES) {
        const r = await spawnLauncher(sb, "exit42", { env }).done;
        assert.equal(r.code, 42);
        assert.equal(r.stdout, "out\n");
        assert.equal(r.stderr, "err\n");
      }
      // without exec the launcher is a parent: the server has another pid
      await addServer(sb, "pid", ["--", "sh", "-c", 'echo "pid=$$"']);
      const l = spawnLauncher(sb, "pid", { env: { MCP_NEXUS_NO_EXEC: "1" } });
      const r = await l.done;
      assert.match(r.stdout, /^pid=\d+$/m);
      assert.doesNotMatch(r.stdout, new RegExp(`^pid=${l.child.pid}$`, "m"));
    }),
});

Deno.test({
  name: "run: SIGTERM reaches the server (exec or forwarded); killed by a signal is 128+n",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      // traps TERM, says so, exits 7; gives up by itself after ~10 s so nothing is left behind
      await addServer(sb, "trap", [
        "--",
        "sh",
        "-c",
        'trap "echo got-term; exit 7" TERM; echo ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo timeout',
      ]);
      await addServer(sb, "plain", [
        "--",
        "sh",
        "-c",
        "echo ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo timeout",
      ]);
      for (const env of MODES) {
        const t = spawnLauncher(sb, "trap", { env });
        await t.waitFor("ready");
        t.child.kill("SIGTERM");
        const r = await t.done;
        assert.equal(r.stdout, "ready\ngot-term\n", JSON.stringify(env));
        assert.equal(r.code, 7);

        const p = spawnLauncher(sb, "plain", { env });
        await p.waitFor("ready");
        p.child.kill("SIGTERM");
        const q = await p.done;
        assert.equal(q.code, 143, `${JSON.stringify(env)}: ${q.stdout}`);
        assert.doesNotMatch(q.stdout, /timeout/);
      }
    }),
});

Deno.test({
  name: "run: a missing secret is exit 3, one line naming server, field and secret, no value",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const secret = canary();
      await setSecret(sb, "present", secret);
      await addServer(sb, "needs", [
        "--env",
        "A=${keychain:present}",
        "--env",
        "API_KEY=${keychain:absent-key}",
        "--",
        "sh",
        "-c",
        "echo started",
      ]);
      const r = await spawnLauncher(sb, "needs").done;
      assert.equal(r.code, 3);
      assert.equal(r.stdout, "", "the server was not started");
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /Server 'needs'/);
      assert.match(r.stderr, /env\.API_KEY/);
      assert.match(r.stderr, /absent-key/);
      assert.match(r.stderr, /mcp-nexus secret set absent-key/);
      assertNoSecret(r.stderr, secret);

      const missing = await spawnLauncher(sb, "nope").done;
      assert.equal(missing.code, 3);
      assert.match(missing.stderr, /No server named 'nope'.*Known servers: needs/);
    }),
});

Deno.test({
  name:
    "run: no D-Bus / no Secret Service is exit 4 naming the server and secret; no references, no keychain",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await addServer(sb, "gh", ["--env", "GH=${keychain:gh-token}", "--", "sh", "-c", "echo started"]);
      await addServer(sb, "plain", ["--", "sh", "-c", "echo started"]);
      for (const bus of ["unix:path=/nonexistent/bus", undefined]) {
        const env = { DBUS_SESSION_BUS_ADDRESS: bus };
        const r = await spawnLauncher(sb, "gh", { env }).done;
        assert.equal(r.code, 4, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /server 'gh'.*'gh-token' \(env\.GH\)/);
        assert.match(r.stderr, /No D-Bus session bus/);
        assert.match(r.stderr, /--backend env/);
        assert.doesNotMatch(r.stderr, /not stored/);
        // a server without references never needs the keychain
        const plain = await spawnLauncher(sb, "plain", { env }).done;
        assert.equal(plain.code, 0, plain.stderr);
        assert.equal(plain.stdout, "started\n");
      }
    }),
});

Deno.test({
  name: "run: a locked keyring is exit 4 ('locked', how to unlock), never 'not stored'",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await addServer(sb, "gh", ["--env", "GH=${keychain:gh-token}", "--", "sh", "-c", "echo started"]);
      const cli = cliCommand().map((a) => `'${a}'`).join(" ");
      const secret = canary();
      const out = await new Deno.Command("dbus-run-session", {
        args: [
          "--",
          "bash",
          "-c",
          `${START_PRIVATE_KEYRING}
           printf %s "$CANARY" | ${cli} secret set gh-token >/dev/null; echo "set=$?"
           dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
             org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
           ${cli} run gh 2>&1; echo "run=$?"`,
        ],
        env: { ...sb.env, CANARY: secret },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = dec.decode(out.stdout);
      assert.match(text, /set=0/);
      assert.match(text, /run=4/);
      assert.match(text, /server 'gh'.*keyring is locked/);
      assert.match(text, /gnome-keyring-daemon --unlock/);
      assert.doesNotMatch(text, /started|not stored/);
      assertNoSecret(text + dec.decode(out.stderr), secret);
    }),
});

Deno.test({
  name: "run: the env backend (MCP_NEXUS_BACKEND=env) feeds the server; a missing variable is named",
  fn: () =>
    withSandbox(async (sb) => {
      await addServer(sb, "probe", [
        "--env",
        "TOKEN=${keychain:api-token}",
        "--",
        "sh",
        "-c",
        PROBE,
        "x",
        "",
      ]);
      const secret = canary();
      const env = { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_API_TOKEN: secret };
      const r = await spawnLauncher(sb, "probe", { env }).done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^env=${await sha256(secret)}$`, "m"));
      assertNoSecret(r.stdout + r.stderr, secret);
      const miss = await spawnLauncher(sb, "probe", { env: { MCP_NEXUS_BACKEND: "env" } }).done;
      assert.equal(miss.code, 3);
      assert.match(miss.stderr, /Server 'probe'.*env\.TOKEN → api-token.*MCP_NEXUS_SECRET_API_TOKEN/);
    }),
});

Deno.test({
  name: "run: PATH lookup as a shell does, cwd honoured, a missing command named with the fix",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const bin = join(sb.home, "bin");
      const work = join(sb.home, "work");
      await Deno.mkdir(bin);
      await Deno.mkdir(work);
      await Deno.writeTextFile(join(bin, "my-server"), '#!/bin/sh\necho "in=$(pwd) args=$*"\n', {
        mode: 0o755,
      });
      await Deno.writeTextFile(join(work, "local.sh"), '#!/bin/sh\necho "local in=$(pwd)"\n', {
        mode: 0o755,
      });
      await addServer(sb, "onpath", ["--cwd", work, "--", "my-server", "a", "b c"]);
      await addServer(sb, "relative", ["--cwd", work, "--", "./local.sh"]);
      await addServer(sb, "missing", ["--", "no-such-program-xyz"]);
      const PATH = `${bin}:${sb.env.PATH}`;
      for (const extra of MODES) {
        const env = { PATH, ...extra };
        const a = await spawnLauncher(sb, "onpath", { env }).done;
        assert.equal(a.stdout, `in=${work} args=a b c\n`, a.stderr);
        const b = await spawnLauncher(sb, "relative", { env }).done;
        assert.equal(b.stdout, `local in=${work}\n`, b.stderr);
      }
      const m = await spawnLauncher(sb, "missing").done;
      assert.equal(m.code, 1);
      assert.match(m.stderr, /server 'missing': command 'no-such-program-xyz' was not found on PATH/);
      assert.match(m.stderr, /Fix: .*--replace -- \/full\/path/);
    }),
});

Deno.test({
  name: "run: loads neither commander nor zod, nor any package for a keychain read (Linux fast path)",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      // a config whose every package import throws when loaded; the launcher must not notice
      const config = JSON.parse(await Deno.readTextFile(CONFIG));
      const poison = "data:application/javascript,throw new Error('POISONED package loaded')";
      const dir = join(sb.home, "poisoned");
      await Deno.mkdir(dir);
      await Deno.writeTextFile(
        join(dir, "deno.json"),
        JSON.stringify({
          imports: Object.fromEntries(Object.keys(config.imports).map((k) => [k, poison])),
          permissions: config.permissions,
          nodeModulesDir: "none",
        }),
      );
      const poisoned = join(dir, "deno.json");
      await addServer(sb, "plain", ["--", "sh", "-c", "echo started"]);
      await addServer(sb, "ref", ["--env", "T=${keychain:t}", "--", "sh", "-c", "echo started"]);
      const plain = await spawnLauncher(sb, "plain", { config: poisoned }).done;
      assert.equal(plain.stdout, "started\n", plain.stderr);
      const env = await spawnLauncher(sb, "ref", {
        config: poisoned,
        env: { MCP_NEXUS_BACKEND: "env", MCP_NEXUS_SECRET_T: "value-1234" },
      }).done;
      assert.equal(env.stdout, "started\n", env.stderr);
      // a keychain reference is read by the fast Secret Service path (no package either): 't' is not stored
      const fast = await spawnLauncher(sb, "ref", { config: poisoned }).done;
      assert.equal(fast.code, 3, fast.stderr);
      assert.doesNotMatch(fast.stderr, /POISONED/);
      // the poison works: the normal keychain path (fast path off: test switch) loads the keyring module,
      // an invalid registry zod
      await Deno.writeTextFile(join(sb.home, ".mcp-nexus-test-fast-libc"), "missing");
      const keyring = await spawnLauncher(sb, "ref", {
        config: poisoned,
        env: { MCP_NEXUS_TEST_FAST_LIBC: "missing" },
      }).done;
      assert.match(keyring.stderr, /POISONED/);
      await Deno.writeTextFile(
        join(sb.nexusHome, "registry.json"),
        JSON.stringify({ version: 1, servers: { plain: { transport: "stdio", command: "" } } }),
      );
      const invalid = await spawnLauncher(sb, "plain", { config: poisoned }).done;
      assert.match(invalid.stderr, /zod|POISONED/);
      // and with the real config, the same registry gets the full field-by-field message
      const real = await spawnLauncher(sb, "plain").done;
      assert.equal(real.code, 1);
      assert.match(real.stderr, /at servers\.plain\.command: the command must not be empty/);
    }),
});

Deno.test({
  name: "run: usage errors are exit 2, a missing server exit 3",
  fn: () =>
    withSandbox(async (sb) => {
      expectCode(await sb.run(["run"]), 2);
      expectCode(await sb.run(["run", "a", "b"]), 2);
      expectCode(await sb.run(["run", "bad name!"]), 2);
      const help = expectCode(await sb.run(["run", "--help"]), 0);
      assert.match(help.stdout, /Usage: mcp-nexus run/);
      const json = await sb.json<{ error: { code: string } }>(["run", "nope"]);
      assert.equal(json.code, 3);
      assert.equal(json.data.error.code, "E_SERVER_NOT_FOUND");
    }),
});

Deno.test("run: the launcher finds the registry where paths.ts puts it, without node:path", async () => {
  const { quickRegistryPath } = await import("../src/core/launch/launcher.ts");
  const { registryPath } = await import("../src/core/io/paths.ts");
  const keys = ["MCP_NEXUS_HOME", "HOME", "XDG_CONFIG_HOME", "APPDATA", "USERPROFILE"];
  const saved = Object.fromEntries(keys.map((k) => [k, Deno.env.get(k)]));
  const cases: Array<Record<string, string | undefined>> = [
    { MCP_NEXUS_HOME: "/tmp/nx/", HOME: "/home/u" },
    { MCP_NEXUS_HOME: "", HOME: "/home/u", XDG_CONFIG_HOME: "/home/u/.cfg" },
    { HOME: "/home/u", XDG_CONFIG_HOME: "" },
    { HOME: "/home/u//", APPDATA: "/appdata" },
  ];
  try {
    for (const c of cases) {
      for (const k of keys) c[k] ? Deno.env.set(k, c[k]!) : Deno.env.delete(k);
      assert.equal(resolve(quickRegistryPath()!), resolve(registryPath()), JSON.stringify(c));
    }
    for (const k of keys) Deno.env.delete(k);
    assert.equal(quickRegistryPath(), undefined, "no HOME: paths.ts explains");
  } finally {
    for (const k of keys) saved[k] === undefined ? Deno.env.delete(k) : Deno.env.set(k, saved[k]!);
  }
});
