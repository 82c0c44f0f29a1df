/**
 * Fault injection: the process is killed (SIGKILL, as kill -9 or a power cut) or a write fails
 * (ENOSPC) at every write boundary of sync, secret set/rm, server add, import and backup restore,
 * deterministically (src/core/io/fs.ts `faultPoint`). Each is followed by the next ordinary command:
 * no file is partial, nothing of the user's is lost, and nothing of ours is called drift.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  expectCode,
  HAS_SECRET_SERVICE,
  type RunResult,
  type Sandbox,
  sandbox,
  walkFiles,
} from "./helpers.ts";
import { armFault, disarmFault, hasStackTrace, traceBoundaries } from "./safety_helpers.ts";

const CLIENTS = ["--client", "claude-code", "--client", "cursor", "--client", "goose"];
const CLAUDE = join(".claude.json");
const CURSOR = join(".cursor", "mcp.json");
const GOOSE = join(".config", "goose", "config.yaml");

async function cp(from: string, to: string) {
  const r = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (!r.success) throw new Error(`cp ${from} ${to} failed`);
}

/** A sandbox whose home is put back to a saved state before each case (same paths: the ledger keys them). */
async function scenario(setup: (sb: Sandbox) => Promise<void>, env: Record<string, string>) {
  const sb = await sandbox(env);
  await setup(sb);
  const saved = `${sb.home}.saved`;
  await cp(sb.home, saved);
  return {
    sb,
    async reset() {
      await Deno.remove(sb.home, { recursive: true });
      await cp(saved, sb.home);
    },
    async cleanup() {
      await Deno.remove(saved, { recursive: true }).catch(() => {});
      await sb.cleanup();
    },
  };
}

/** Runs `args` once per boundary and action (kill, fail), then `after` checks the aftermath. */
async function everyBoundary(
  t: Deno.TestContext,
  setup: (sb: Sandbox) => Promise<void>,
  command: string[] | (() => string[]),
  after: (sb: Sandbox, faulted: RunResult, point: string) => Promise<void>,
  opts: {
    stdin?: string;
    minPoints: number;
    before?: (sb: Sandbox) => Promise<void>;
    env?: Record<string, string>;
  },
) {
  const s = await scenario(setup, opts.env ?? { MCP_NEXUS_BACKEND: "env" });
  const args = typeof command === "function" ? command() : command;
  try {
    await opts.before?.(s.sb);
    const { result, points } = await traceBoundaries(s.sb, args, { stdin: opts.stdin });
    expectCode(result, 0);
    assert.ok(
      points.length >= opts.minPoints,
      `expected at least ${opts.minPoints} write boundaries, got: ${points.join(", ")}`,
    );
    for (const point of points) {
      for (const action of ["kill", "fail"]) {
        await t.step(`${action}@${point}`, async () => {
          await s.reset();
          await opts.before?.(s.sb);
          const env = await armFault(s.sb, `${action}@${point}`);
          const faulted = await s.sb.run(args, { stdin: opts.stdin, env });
          await disarmFault(s.sb);
          if (action === "kill") assert.notEqual(faulted.code, 0, "the process was killed there");
          assert.ok(!hasStackTrace(faulted), `no stack trace:\n${faulted.stdout}\n${faulted.stderr}`);
          await after(s.sb, faulted, point);
          // and the next command cleared the temp file a killed run left (backups are pruned on their own)
          const temps = (await walkFiles(s.sb.home)).filter((p) =>
            /\.\d+\.[0-9a-f]{8}\.tmp$/.test(p) && !p.includes("/nexus/backups/")
          );
          assert.deepEqual(temps, [], "no partial file left behind");
        });
      }
    }
  } finally {
    await s.cleanup();
  }
}

async function readJson(sb: Sandbox, rel: string) {
  return JSON.parse(await Deno.readTextFile(join(sb.home, rel)));
}

/** The client files parse (whole) and hold the user's own entries. */
async function userDataIntact(sb: Sandbox) {
  const claude = await readJson(sb, CLAUDE);
  assert.equal(claude.userID, "u-1");
  assert.deepEqual(claude.mcpServers.mine, { command: "mine-server" });
  const cursor = await readJson(sb, CURSOR);
  assert.deepEqual(cursor.mcpServers.theirs, { command: "their-server", args: ["--x"] });
  const goose = parseYaml(await Deno.readTextFile(join(sb.home, GOOSE)));
  assert.equal(goose.GOOSE_MODEL, "m");
  assert.equal(goose.extensions.developer.type, "builtin");
}

async function syncSetup(sb: Sandbox) {
  const w = async (rel: string, text: string) => {
    await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(sb.home, rel), text);
  };
  await w(
    CLAUDE,
    JSON.stringify({ userID: "u-1", mcpServers: { mine: { command: "mine-server" } } }, null, 2),
  );
  await w(CURSOR, JSON.stringify({ mcpServers: { theirs: { command: "their-server", args: ["--x"] } } }));
  await w(
    GOOSE,
    "GOOSE_MODEL: m # mine\nextensions:\n  developer:\n    enabled: true\n    name: developer\n    type: builtin\n",
  );
  for (const [name, pkg] of [["alpha", "alpha-1"], ["beta", "beta-1"]]) {
    expectCode(await sb.run(["server", "add", name, "--", "npx", "-y", pkg]), 0);
  }
  expectCode(await sb.run(["sync", "--yes", ...CLIENTS]), 0);
  // the next sync updates alpha, removes beta, adds gamma in each file
  expectCode(await sb.run(["server", "add", "alpha", "--replace", "--", "npx", "-y", "alpha-2"]), 0);
  expectCode(await sb.run(["server", "rm", "beta"]), 0);
  expectCode(await sb.run(["server", "add", "gamma", "--", "npx", "-y", "gamma-1"]), 0);
}

/** After a fault, the next ordinary sync finishes the job: exit 0 (no drift, no conflict). */
async function syncCompletes(sb: Sandbox) {
  await userDataIntact(sb);
  const next = await sb.run(["sync", "--yes", ...CLIENTS]);
  expectCode(next, 0);
  await userDataIntact(sb);
  assert.deepEqual(Object.keys((await readJson(sb, CLAUDE)).mcpServers).sort(), ["alpha", "gamma", "mine"]);
  assert.deepEqual(Object.keys((await readJson(sb, CURSOR)).mcpServers).sort(), ["alpha", "gamma", "theirs"]);
  const goose = parseYaml(await Deno.readTextFile(join(sb.home, GOOSE)));
  assert.deepEqual(Object.keys(goose.extensions).sort(), ["alpha", "developer", "gamma"]);
  assert.deepEqual((await readJson(sb, CURSOR)).mcpServers.alpha.args, ["-y", "alpha-2"]);
  const again = await sb.run(["sync", "--dry-run", ...CLIENTS]);
  expectCode(again, 0);
}

Deno.test("fault injection: sync killed or failing at every write boundary", async (t) => {
  await everyBoundary(t, syncSetup, ["sync", "--yes", ...CLIENTS], async (sb) => {
    await syncCompletes(sb);
  }, { minPoints: 12 });
});

Deno.test("fault injection: backup restore killed or failing at every write boundary", async (t) => {
  let id = "";
  await everyBoundary(
    t,
    async (sb) => {
      await syncSetup(sb);
      expectCode(await sb.run(["sync", "--yes", ...CLIENTS]), 0);
      const list = await sb.json<{ backups: Array<{ id: string }> }>(["backup", "list"]);
      id = list.data.backups[0].id; // the files as they were before that sync
    },
    () => ["backup", "restore", id, "--yes"],
    async (sb) => {
      await userDataIntact(sb);
      expectCode(await sb.run(["backup", "restore", id, "--yes"]), 0);
      await userDataIntact(sb);
      // back to the first sync's result: alpha-1 and beta
      assert.deepEqual(Object.keys((await readJson(sb, CURSOR)).mcpServers).sort(), [
        "alpha",
        "beta",
        "theirs",
      ]);
      // the restored entries are ours again: the next sync may change them, and calls nothing drift
      expectCode(await sb.run(["sync", "--dry-run", ...CLIENTS]), 0);
    },
    { minPoints: 6 },
  );
});

Deno.test("fault injection: server add killed or failing at every write boundary", async (t) => {
  await everyBoundary(
    t,
    async (sb) => {
      expectCode(await sb.run(["server", "add", "alpha", "--", "npx", "-y", "alpha-1"]), 0);
      expectCode(await sb.run(["server", "add", "beta", "--", "npx", "-y", "beta-1"]), 0);
    },
    ["server", "add", "gamma", "--", "npx", "-y", "gamma-1"],
    async (sb) => {
      const list = await sb.json<{ servers: Array<{ name: string }> }>(["server", "list"]);
      assert.equal(list.code, 0, "the registry still loads");
      const names = list.data.servers.map((s) => s.name);
      assert.ok(names.includes("alpha") && names.includes("beta"), `nothing lost: ${names}`);
      expectCode(await sb.run(["server", "add", "gamma", "--replace", "--", "npx", "-y", "gamma-1"]), 0);
      const after = await sb.json<{ servers: Array<{ name: string }> }>(["server", "list"]);
      assert.deepEqual(after.data.servers.map((s) => s.name).sort(), ["alpha", "beta", "gamma"]);
    },
    { minPoints: 2 },
  );
});

Deno.test("fault injection: import killed or failing at every write boundary", async (t) => {
  await everyBoundary(
    t,
    async (sb) => {
      await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
      await Deno.writeTextFile(
        join(sb.home, CURSOR),
        JSON.stringify({ mcpServers: { theirs: { command: "their-server", args: ["--x"] } } }),
      );
      expectCode(await sb.run(["server", "add", "alpha", "--", "npx", "-y", "alpha-1"]), 0);
    },
    ["import", "--client", "cursor", "--no-desktop-app"],
    async (sb) => {
      assert.deepEqual((await readJson(sb, CURSOR)).mcpServers.theirs, {
        command: "their-server",
        args: ["--x"],
      });
      expectCode(await sb.run(["import", "--client", "cursor", "--no-desktop-app"]), 0);
      const list = await sb.json<{ servers: Array<{ name: string }> }>(["server", "list"]);
      assert.deepEqual(list.data.servers.map((s) => s.name).sort(), ["alpha", "theirs"]);
      expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
      expectCode(await sb.run(["sync", "--dry-run", "--client", "cursor"]), 0);
    },
    { minPoints: 2 },
  );
});

for (const verb of ["set", "rm"] as const) {
  Deno.test({
    name: `fault injection: secret ${verb} killed or failing at every write boundary`,
    ignore: !HAS_SECRET_SERVICE,
    fn: async (t) => {
      const VALUE = "fault-test-value-0001";
      await everyBoundary(
        t,
        async (sb) => {
          if (verb === "rm") expectCode(await sb.run(["secret", "set", "tok"], { stdin: VALUE }), 0);
        },
        verb === "set" ? ["secret", "set", "tok"] : ["secret", "rm", "tok"],
        async (sb) => {
          const list = await sb.json<{ secrets: Array<{ name: string } | string> }>(["secret", "list"]);
          assert.equal(list.code, 0, `secret list works after the fault: ${JSON.stringify(list.data)}`);
          if (verb === "set") {
            expectCode(await sb.run(["secret", "set", "tok"], { stdin: VALUE }), 0);
            const got = await sb.run(["secret", "get", "tok", "--reveal"]);
            expectCode(got, 0);
            assert.equal(got.stdout.trim(), VALUE);
          } else {
            const r = await sb.run(["secret", "rm", "tok"]);
            assert.ok(r.code === 0 || r.code === 3, `rm again: ${r.code} ${r.stderr}`);
            expectCode(await sb.run(["secret", "exists", "tok"]), 3);
          }
        },
        {
          env: {},
          stdin: verb === "set" ? VALUE : undefined,
          minPoints: 1,
          before: async (sb) => {
            // the keychain is not part of the saved home: put it back as setup left it
            if (verb === "set") await sb.run(["secret", "rm", "tok"]);
            else await sb.run(["secret", "set", "tok"], { stdin: VALUE });
          },
        },
      );
    },
  });
}
