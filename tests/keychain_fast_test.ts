/**
 * The launcher's fast Secret Service read (src/plugins/backends/secret_service_fast.ts), against the
 * suite's real GNOME Keyring: it finds what `secret set` stored (the attributes keyring-rs writes),
 * says "missing" and "locked" only when sure, and leaves everything else to the normal path.
 *
 * To tell which path answered, a run may break the normal one: NAPI_RS_NATIVE_LIBRARY_PATH pointing
 * nowhere makes @napi-rs/keyring fail to load, so a server that still gets its secret got it from
 * the fast path. The locking tests lock a keyring of their own: a private dbus-run-session with its
 * own HOME and XDG_RUNTIME_DIR (never the suite's shared keyring).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cliCommand,
  dbusRunSession,
  expectCode,
  HAS_SECRET_SERVICE,
  REPO,
  type Sandbox,
  secretServiceTest,
  sha256Hex as sha256,
  START_PRIVATE_KEYRING,
  walkFiles,
  withPrivateSession,
} from "./helpers.ts";
import { busSockets, itemAttributes, readSecretsFast } from "../src/plugins/backends/secret_service_fast.ts";

const linux = { ignore: Deno.build.os !== "linux" };
const dec = new TextDecoder();
const NO_NAPI = { NAPI_RS_NATIVE_LIBRARY_PATH: "/nonexistent/keyring.node" };

const canary = () => `canary-${crypto.randomUUID()}`;

function assertNoSecret(text: string, secret: string) {
  assert.ok(!text.includes(secret), "the secret value appeared in output");
}

/** A server that prints the SHA-256 of the secret it got in $TOKEN. */
async function addProbe(sb: Sandbox, name: string, secret: string) {
  expectCode(
    await sb.run([
      "server",
      "add",
      name,
      "--env",
      `TOKEN=\${keychain:${secret}}`,
      "--",
      "sh",
      "-c",
      'printf %s "$TOKEN" | sha256sum',
    ]),
    0,
  );
}

Deno.test("busSockets reads unix path and abstract addresses, unescaped, and skips the rest", () => {
  assert.deepEqual(busSockets("unix:path=/run/user/1000/bus"), [{
    path: "/run/user/1000/bus",
    abstract: false,
  }]);
  assert.deepEqual(busSockets("unix:abstract=/tmp/dbus-x,guid=abc"), [{
    path: "/tmp/dbus-x",
    abstract: true,
  }]);
  assert.deepEqual(busSockets("tcp:host=localhost,port=1;unix:path=/tmp/a%20b"), [
    { path: "/tmp/a b", abstract: false },
  ]);
  assert.deepEqual(busSockets("autolaunch:"), []);
  assert.deepEqual(busSockets("unix:tmpdir=/tmp"), []);
});

secretServiceTest(
  "fast read: finds what `secret set` stored (same attributes as keyring-rs), says missing for the rest",
  async (sb) => {
    const a = canary(), b = `${canary()} ünïcode`;
    expectCode(await sb.run(["secret", "set", "fast-a"], { stdin: a }), 0);
    expectCode(await sb.run(["secret", "set", "fast-b"], { stdin: b }), 0);
    // the item our normal backend wrote carries exactly the attributes the fast path searches by
    const tool = await new Deno.Command("secret-tool", {
      args: ["search", "--all", "service", sb.service, "username", "fast-a"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const attrs = Object.fromEntries(
      [...(dec.decode(tool.stdout) + dec.decode(tool.stderr)).matchAll(/^attribute\.(\S+) = (.*)$/gm)].map((
        m,
      ) => [m[1], m[2]]),
    );
    assert.deepEqual(attrs, itemAttributes(sb.service, "fast-a"));

    const got = await readSecretsFast(sb.service, ["fast-a", "fast-b", "fast-missing"]);
    assert.deepEqual(got.get("fast-a"), { kind: "found", value: a });
    assert.deepEqual(got.get("fast-b"), { kind: "found", value: b });
    assert.deepEqual(got.get("fast-missing"), { kind: "missing" });
    // two items match (another program stored one with an extra attribute): not sure which, so the
    // normal path decides (keyring-rs reports the ambiguity)
    const other = new Deno.Command("secret-tool", {
      args: ["store", "--label", "other", "service", sb.service, "username", "fast-b", "extra", "1"],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const w = other.stdin.getWriter();
    await w.write(new TextEncoder().encode("other-value"));
    await w.close();
    assert.ok((await other.output()).success);
    assert.equal((await readSecretsFast(sb.service, ["fast-b"])).get("fast-b")?.kind, "fallback");
    // another service's items are not ours
    assert.deepEqual((await readSecretsFast(`${sb.service}-other`, ["fast-a"])).get("fast-a"), {
      kind: "missing",
    });
  },
);

secretServiceTest(
  "fast read: a signal during a blocking read (a profiler's SIGPROF) is retried, not a fallback",
  async (sb) => {
    // --cpu-prof sends SIGPROF about every millisecond: read() on the bus socket returns EINTR. That
    // used to end the fast path ("read failed"), so a profiled or signalled launcher paid ~40 ms more.
    const value = canary();
    expectCode(await sb.run(["secret", "set", "fast-signal"], { stdin: value }), 0);
    const script = join(sb.home, "read.ts");
    await Deno.writeTextFile(
      script,
      `import { readSecretsFast } from ${
        JSON.stringify(join(REPO, "src/plugins/backends/secret_service_fast.ts"))
      };
const got = (await readSecretsFast(Deno.args[0], ["fast-signal"])).get("fast-signal");
console.log(JSON.stringify(got?.kind === "found" ? { kind: "found", same: got.value === Deno.args[1] } : got));`,
    );
    for (let i = 0; i < 3; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--cpu-prof",
          `--cpu-prof-dir=${join(sb.home, "prof")}`,
          script,
          sb.service,
          value,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, dec.decode(out.stderr));
      assert.deepEqual(JSON.parse(dec.decode(out.stdout)), { kind: "found", same: true });
    }
  },
);

Deno.test({
  name: "fast read: no bus is 'unavailable'; a bus address it does not handle falls back",
  ...linux,
  fn: async () => {
    const saved = Deno.env.get("DBUS_SESSION_BUS_ADDRESS");
    try {
      Deno.env.set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
      assert.equal((await readSecretsFast("svc", ["x"])).get("x")?.kind, "unavailable");
      Deno.env.set("DBUS_SESSION_BUS_ADDRESS", "tcp:host=127.0.0.1,port=1");
      assert.equal((await readSecretsFast("svc", ["x"])).get("x")?.kind, "fallback");
      Deno.env.delete("DBUS_SESSION_BUS_ADDRESS");
      assert.equal((await readSecretsFast("svc", ["x"])).get("x")?.kind, "unavailable");
    } finally {
      if (saved === undefined) Deno.env.delete("DBUS_SESSION_BUS_ADDRESS");
      else Deno.env.set("DBUS_SESSION_BUS_ADDRESS", saved);
    }
  },
});

Deno.test({
  name:
    "fast read: a bus that sends a message a byte a second: fallback within the deadline, not a wait for ever",
  ...linux,
  fn: async () => {
    // before: each read(2) had its own 10-second timeout, so a byte every second held the launcher forever
    const dir = await Deno.makeTempDir({ prefix: "mcp-nexus-test-slow-bus-" });
    const server = join(dir, "slow_bus.ts");
    await Deno.writeTextFile(
      server,
      `const l = Deno.listen({ transport: "unix", path: Deno.args[0] });
console.log("ready");
for await (const c of l) {
  (async () => {
    await c.read(new Uint8Array(65536));
    await c.write(new TextEncoder().encode("OK ${"0123456789abcdef".repeat(2)}\\r\\n"));
    // a signal announcing a 1 MiB body, then the body a byte a second
    await c.write(new Uint8Array([0x6c, 4, 0, 1, 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
    for (;;) {
      await c.write(new Uint8Array([0]));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })().catch(() => {});
}`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "-A", server, join(dir, "bus")],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const saved = Deno.env.get("DBUS_SESSION_BUS_ADDRESS");
    try {
      const reader = child.stdout.getReader();
      assert.match(dec.decode((await reader.read()).value), /ready/);
      reader.releaseLock();
      Deno.env.set("DBUS_SESSION_BUS_ADDRESS", `unix:path=${join(dir, "bus")}`);
      const started = Date.now();
      const got = (await readSecretsFast("svc", ["x"])).get("x");
      const took = Date.now() - started;
      assert.equal(got?.kind, "fallback");
      assert.match((got as { reason: string }).reason, /did not answer in time|timed out/);
      assert.ok(took < 15_000, `${took} ms`);
    } finally {
      if (saved === undefined) Deno.env.delete("DBUS_SESSION_BUS_ADDRESS");
      else Deno.env.set("DBUS_SESSION_BUS_ADDRESS", saved);
      child.kill();
      await child.stdout.cancel().catch(() => {});
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("the keychain service name is written once (names.ts), for the launcher and paths.ts alike", async () => {
  // launch_store.ts cannot load paths.ts (node:path on the launcher's hot path): both ask names.ts
  const holders: string[] = [];
  for (const file of await walkFiles(join(REPO, "src"))) {
    if (!file.endsWith(".ts")) continue;
    const code = Deno.readTextFileSync(file).split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l));
    if (code.some((l) => l.includes('"com.mcp-manager.credentials"'))) holders.push(file.slice(REPO.length));
  }
  assert.deepEqual(holders, ["src/core/model/names.ts"]);
});

secretServiceTest(
  "run: the fast path feeds the server without @napi-rs/keyring; without it (no libc) the normal path does",
  async (sb) => {
    const secret = canary();
    expectCode(await sb.run(["secret", "set", "fast-token"], { stdin: secret }), 0);
    await addProbe(sb, "probe", "fast-token");
    const want = `${await sha256(secret)}  -\n`;

    // the normal path cannot load: the fast path alone answers
    const fast = await sb.run(["run", "probe"], { env: NO_NAPI });
    assert.equal(fast.code, 0, fast.stderr);
    assert.equal(fast.stdout, want);
    assertNoSecret(fast.stdout + fast.stderr, secret);

    // the fast path's C library is missing (test switch): the normal path answers, same result
    const lib = "missing";
    await Deno.writeTextFile(join(sb.home, ".mcp-nexus-test-fast-libc"), lib);
    const normal = await sb.run(["run", "probe"], { env: { MCP_NEXUS_TEST_FAST_LIBC: lib } });
    assert.equal(normal.code, 0, normal.stderr);
    assert.equal(normal.stdout, want);
    assertNoSecret(normal.stdout + normal.stderr, secret);
    // …and it really was the normal path: with both gone, the server cannot start
    const neither = await sb.run(["run", "probe"], { env: { MCP_NEXUS_TEST_FAST_LIBC: lib, ...NO_NAPI } });
    assert.notEqual(neither.code, 0);
    assert.equal(neither.stdout, "");
    assertNoSecret(neither.stdout + neither.stderr, secret);
  },
);

secretServiceTest(
  "run: a secret that is not stored is exit 3 from the fast path, naming the secret",
  async (sb) => {
    await addProbe(sb, "probe", "never-stored");
    const r = await sb.run(["run", "probe"], { env: NO_NAPI });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /env\.TOKEN → never-stored/);
    assert.match(r.stderr, /mcp-nexus secret set never-stored/);
  },
);

Deno.test({
  name: "run: a locked keyring is 'locked' from the fast path (stored or not), never 'not stored'",
  ...linux,
  fn: () => {
    assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (gnome-keyring installed)");
    const secret = canary();
    return withPrivateSession(async ({ env }) => {
      const cli = cliCommand().map((a) => `'${a}'`).join(" ");
      const out = await dbusRunSession(
        [
          "--",
          "bash",
          "-c",
          `${START_PRIVATE_KEYRING}
           printf %s "$CANARY" | ${cli} secret set lock-token >/dev/null; echo "set=$?"
           ${cli} server add stored --env 'T=\${keychain:lock-token}' -- sh -c 'echo started' >/dev/null
           ${cli} server add absent --env 'T=\${keychain:no-token}' -- sh -c 'echo started' >/dev/null 2>&1
           fast="env NAPI_RS_NATIVE_LIBRARY_PATH=${NO_NAPI.NAPI_RS_NATIVE_LIBRARY_PATH}"
           $fast ${cli} run stored 2>&1; echo "unlocked=$?"
           dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \\
             org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
           $fast ${cli} run stored 2>&1; echo "stored=$?"
           $fast ${cli} run absent 2>&1; echo "absent=$?"`,
        ],
        env,
      );
      const text = out.stdout;
      assert.match(text, /set=0/, text + out.stderr);
      assert.match(text, /started\nunlocked=0/);
      assert.match(text, /stored=4/);
      assert.match(text, /absent=4/);
      assert.equal(text.match(/keyring is locked/g)?.length, 2, text);
      assert.match(text, /gnome-keyring-daemon --unlock/);
      assert.doesNotMatch(text, /not stored|started\nstored/);
      assertNoSecret(text + out.stderr, secret);
    }, { CANARY: secret });
  },
});

secretServiceTest(
  "secret get: the libsecret backend reads through the fast path too (no @napi-rs/keyring); 'missing' is exit 3",
  async (sb) => {
    const secret = canary();
    expectCode(await sb.run(["secret", "set", "get-token"], { stdin: secret }), 0);
    const shown = await sb.run(["secret", "get", "get-token"], { env: NO_NAPI });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /is stored in Secret Service/);
    assertNoSecret(shown.stdout + shown.stderr, secret);
    const revealed = await sb.run(["secret", "get", "get-token", "--reveal"], { env: NO_NAPI });
    assert.equal(revealed.code, 0, revealed.stderr);
    assert.equal(revealed.stdout.trimEnd(), secret);
    const missing = await sb.run(["secret", "get", "no-such-token"], { env: NO_NAPI });
    assert.equal(missing.code, 3, missing.stderr);
  },
);

Deno.test({
  name:
    "fast read over an abstract-socket bus: no Secret Service is 'unavailable' (the normal path explains), then found",
  ...linux,
  fn: () => {
    assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (gnome-keyring installed)");
    const secret = canary();
    return withPrivateSession(async ({ home, env }) => {
      // a bus of our own with no service files (so nothing is activated) on an abstract socket
      const config = join(home, "bus.conf");
      await Deno.writeTextFile(
        config,
        `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:abstract=${home}/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`,
      );
      const probe = join(home, "probe.ts");
      const mod = new URL("../src/plugins/backends/secret_service_fast.ts", import.meta.url).href;
      await Deno.writeTextFile(
        probe,
        `const { readSecretsFast } = await import(${JSON.stringify(mod)});
console.log("kind=" + (await readSecretsFast(Deno.env.get("MCP_NEXUS_KEYCHAIN_SERVICE"), ["tok"])).get("tok").kind);`,
      );
      const cli = cliCommand().map((a) => `'${a}'`).join(" ");
      const out = await dbusRunSession(
        [
          `--config-file=${config}`,
          "--",
          "bash",
          "-c",
          `echo "address=$DBUS_SESSION_BUS_ADDRESS"
           ${cli} server add p --env 'T=\${keychain:tok}' -- sh -c 'printf %s "$T" | sha256sum' >/dev/null 2>&1
           '${Deno.execPath()}' run -q -A '${probe}'
           ${cli} run p 2>&1; echo "nosvc=$?"
           ${START_PRIVATE_KEYRING}
           printf %s "$CANARY" | ${cli} secret set tok >/dev/null; echo "set=$?"
           dbus-monitor --session "member='OpenSession'" > "$HOME/monitor.txt" 2>&1 & monitor=$!
           for i in $(seq 50); do grep -q NameAcquired "$HOME/monitor.txt" && break; sleep 0.1; done
           '${Deno.execPath()}' run -q -A '${probe}'
           NAPI_RS_NATIVE_LIBRARY_PATH=/nonexistent/keyring.node ${cli} run p 2>&1; echo "found=$?"
           kill $monitor
           echo "sessions=$(grep -A1 'member=OpenSession' "$HOME/monitor.txt" | grep -o 'string "[^"]*"' | sort | uniq -c | tr -s ' ')"`,
        ],
        env,
      );
      const text = out.stdout;
      const all = text + out.stderr;
      assert.match(text, /address=unix:abstract=/, all);
      assert.match(text, /kind=unavailable\n[^]*No Secret Service is running[^]*nosvc=4/, all);
      assert.match(text, /set=0\nkind=found\n/, all);
      assert.ok(text.includes(`${await sha256(secret)}  -\nfound=0`), all.replaceAll(secret, "<canary>"));
      // both fast reads opened the encrypted session, as keyring-rs does: the secret never crossed the bus in clear
      assert.match(text, /sessions= 2 string "dh-ietf1024-sha256-aes128-cbc-pkcs7"\n/, all);
      assertNoSecret(all, secret);
    }, { CANARY: secret });
  },
});
