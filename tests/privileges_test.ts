/**
 * Least privilege: every command drops the powers it does not need before it loads anything
 * untrusted, and a denied access is denied for real (spawning a program, opening a native library,
 * connecting to a listener on 127.0.0.1 that counts connections).
 */
import assert from "node:assert/strict";
import { withSandbox } from "./helpers.ts";
import { COMMAND_POWERS, commandOf } from "../src/host/privileges.ts";

/** What each command must be unable to do (written out, not derived from the table under test). */
const DENIED: Record<string, string[]> = {
  "schema": ["run", "ffi", "net"],
  "completion bash": ["run", "ffi", "net"],
  "client list": ["run", "ffi", "net"],
  "backup list": ["run", "ffi", "net"],
  "server list": ["run", "net"],
  "secret list": ["run", "net"],
  "sync --dry-run": ["run", "net"],
  "adopt x": ["run", "net"],
  "import": ["run", "net"],
  "doctor": ["run", "net"],
  "search github": ["run", "ffi"],
  "show github": ["run", "ffi"],
  "outdated": ["run", "ffi"],
  "update x": ["run"],
  "install x": [],
  "check x": ["net"],
  "plugin list": ["ffi"],
  "schedule status": ["ffi", "net"],
  "version": [], // it reports the set in force (tests/completion_test.ts)
};

Deno.test("every command in COMMAND_POWERS has a denial test (run: the stdio and remote tests below)", () => {
  const tested = new Set([...Object.keys(DENIED).map((c) => c.split(" ")[0]), "run"]);
  for (const c of Object.keys(COMMAND_POWERS)) assert.ok(tested.has(c), `${c} has no denial test`);
});

/** A listener on 127.0.0.1 that counts the connections made to it (a real attempt at the network). */
function connectionCounter() {
  let connections = 0;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    count: () => connections,
    async close() {
      listener.close();
      await accepting.catch(() => {});
    },
  };
}

Deno.test("commandOf skips the global options", () => {
  assert.equal(commandOf(["--json", "--backend", "env", "sync", "--dry-run"]), "sync");
  assert.equal(commandOf(["--backend=env", "server", "list"]), "server");
  assert.equal(commandOf(["--json"]), undefined);
  for (const c of Object.keys(DENIED)) assert.ok(COMMAND_POWERS[c.split(" ")[0]], `${c} is in the table`);
});

Deno.test("each command is denied what it dropped (real attempts)", () =>
  withSandbox(async (sb) => {
    const counter = connectionCounter();
    const port = counter.port;
    try {
      for (const [command, denied] of Object.entries(DENIED)) {
        const before = counter.count();
        const r = await sb.run(command.split(" "), {
          env: { MCP_NEXUS_DEBUG_PERMISSIONS: String(port), MCP_NEXUS_BACKEND: "env" },
        });
        const line = r.stderr.split("\n").find((l) => l.startsWith("permissions: "));
        assert.ok(line, `${command}: no probe line in ${r.stderr}`);
        const { probe } = JSON.parse(line!.slice("permissions: ".length));
        for (const power of ["run", "ffi", "net"]) {
          assert.equal(probe[power], denied.includes(power) ? "denied" : "allowed", `${command}: ${power}`);
        }
        assert.equal(counter.count() - before, denied.includes("net") ? 0 : 1, `${command}: connections`);
      }
    } finally {
      await counter.close();
    }
  }));

Deno.test("with libsecret, keychain commands keep run (its read-only lock probe runs dbus-send)", () =>
  withSandbox(async (sb) => {
    const probe = async (args: string[]) => {
      const r = await sb.run(args, {
        env: { MCP_NEXUS_DEBUG_PERMISSIONS: "9", MCP_NEXUS_BACKEND: "libsecret" },
      });
      const line = r.stderr.split("\n").find((l) => l.startsWith("permissions: "))!;
      return JSON.parse(line.slice("permissions: ".length)).dropped;
    };
    assert.deepEqual(await probe(["secret", "list"]), ["net"]);
    assert.deepEqual(
      await probe(["schema"]),
      ["run", "ffi", "net"],
      "commands without the keychain still drop it",
    );
  }));

Deno.test("a third-party backend keeps run and net (its Worker gets only what it declared)", () =>
  withSandbox(async (sb) => {
    const r = await sb.run(["--backend", "some-plugin", "secret", "list"], {
      env: { MCP_NEXUS_DEBUG_PERMISSIONS: "9" },
    });
    const line = r.stderr.split("\n").find((l) => l.startsWith("permissions: "))!;
    assert.deepEqual(JSON.parse(line.slice("permissions: ".length)).dropped, []);
  }));

Deno.test("host services: resolveSecrets reads through the selected backend and masks what it found", async () => {
  const { secretServices } = await import("../src/host/services.ts");
  const { redact } = await import("../src/core/secrets/redact.ts");
  const value = "svc-canary-" + crypto.randomUUID();
  Deno.env.set("MCP_NEXUS_SECRET_SVC_TOKEN", value);
  try {
    const found = await secretServices({ backendFlag: "env" }).resolveSecrets(["svc-token", "absent-one"]);
    assert.equal(found.get("svc-token"), value);
    assert.equal(found.get("absent-one"), null);
    assert.ok(!redact(`value: ${value}`).includes(value), "registered for masking");
  } finally {
    Deno.env.delete("MCP_NEXUS_SECRET_SVC_TOKEN");
  }
});

Deno.test({
  name: "run of a stdio server drops net before the keychain and the exec (a third-party backend keeps it)",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withSandbox(async (sb) => {
      const counter = connectionCounter();
      const port = counter.port;
      try {
        const add = await sb.run(["server", "add", "quiet", "--", Deno.execPath(), "--version"]);
        assert.equal(add.code, 0, add.stderr);
        const probe = async (backend: string) => {
          const r = await sb.run(["--backend", backend, "run", "quiet"], {
            env: { MCP_NEXUS_DEBUG_PERMISSIONS: String(port) },
          });
          const line = r.stderr.split("\n").find((l) => l.startsWith("run permissions: "));
          assert.ok(line, r.stderr);
          return JSON.parse(line!.slice("run permissions: ".length)).net;
        };
        assert.equal(await probe("env"), "denied");
        assert.equal(counter.count(), 0, "no connection from the launcher");
        assert.equal(await probe("some-plugin"), "allowed", "the control: a third-party backend keeps net");
        assert.equal(counter.count(), 1);
      } finally {
        await counter.close();
      }
    }),
});
