/**
 * Benchmark: the start-up budgets (issue 8), all in one run, each as a ratio to the runtime's floor
 * (`deno run` of an empty script with the same flags and permission set), with its verdict:
 *
 *   `run` of a stdio server ≤ 1.5× · `run` with one keychain secret ≤ 2× · no-op `sync` of 100 servers
 *   × all clients ≤ 6× · `server list` ≤ 3×; and how sync grows at 10 / 100 / 1000 servers. A no-op
 *   sync is measured as it runs again and again (the plan cache of the previous run in place: the
 *   first run after writing is not counted), and, without a budget, with the cache deleted before
 *   each run (every file parsed and planned).
 *
 * The keychain case needs a Secret Service (run it inside `dbus-run-session` with an unlocked
 * gnome-keyring, as scripts/test.sh does); without one it is reported as not measured.
 *
 *   deno run -A scripts/bench_budgets.ts [--runs 10] [--only run]
 *
 * `--only run` measures the floor and the two `run` rows only (seconds instead of minutes).
 */
import { join } from "node:path";
import { selfCommand } from "../src/core/launch/launcher_command.ts";
import { listClients } from "../src/plugins/clients/mod.ts";
import { benchServers } from "./bench_registry.ts";

const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1]) || 10;
const only = Deno.args.includes("--only") ? Deno.args[Deno.args.indexOf("--only") + 1] : undefined;
if (only !== undefined && only !== "run") throw new Error(`--only takes 'run', not '${only}'`);
const home = await Deno.makeTempDir({ prefix: "mcp-nexus-budget-" });
const service = `mcp-nexus-bench-${crypto.randomUUID()}`;
const env: Record<string, string> = {
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  MCP_NEXUS_HOME: join(home, "nexus"),
  MCP_NEXUS_KEYCHAIN_SERVICE: service,
  PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
};
for (const k of ["DENO_DIR", "DBUS_SESSION_BUS_ADDRESS"]) {
  const v = Deno.env.get(k);
  if (v) env[k] = v;
}
const self = selfCommand();
const empty = join(home, "empty.ts");
await Deno.writeTextFile(empty, "");
const floorCmd = [...self.slice(0, -1), empty];

async function sh(cmd: string[], extra: Record<string, string> = {}, stdin?: string): Promise<void> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env: { ...env, ...extra },
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(`${cmd.slice(-4).join(" ")}: exit ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function median(
  cmd: string[],
  extra: Record<string, string> = {},
  n = runs,
  before?: () => Promise<void>,
): Promise<number> {
  const times: number[] = [], floors: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    await before?.();
    // the floor is run right before each run: other work on a shared machine comes and goes, and each
    // ratio is taken against the floor measured alongside it
    let t = performance.now();
    await sh(floorCmd);
    const f = performance.now() - t;
    t = performance.now();
    await sh(cmd, extra);
    if (i >= 1) (times.push(performance.now() - t), floors.push(f));
  }
  lastFloor = mid(floors);
  return mid(times);
}

function mid(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The median floor measured alongside the last `median`. */
let lastFloor = 0;

function registry(n: number): string {
  return JSON.stringify({ version: 1, settings: {}, servers: benchServers(n) });
}

const clientArgs = listClients().map((c) => c.id).flatMap((c) => ["--client", c]);
const regFile = join(env.MCP_NEXUS_HOME, "registry.json");
await Deno.mkdir(env.MCP_NEXUS_HOME, { recursive: true });

const rows: Array<{ what: string; ms: number | null; floor?: number; budget?: number; note?: string }> = [];
const floor = await median(floorCmd);
rows.push({ what: "floor: deno run empty.ts", ms: floor, floor });

// run: a stdio server, and one with a keychain secret
await Deno.writeTextFile(regFile, registry(0));
await sh([...self, "server", "add", "trivial", "--", "true"]);
await sh([...self, "server", "add", "withref", "--env", "TOKEN=${keychain:bench-token}", "--", "true"]);
rows.push({
  what: "run, stdio server (exec)",
  ms: await median([...self, "run", "trivial"]),
  floor: lastFloor,
  budget: 1.5,
});
let keychain: number | null = null, note: string | undefined;
try {
  await sh([...self, "--backend", "libsecret", "secret", "set", "bench-token"], {}, "bench-value-123");
  keychain = await median([...self, "run", "withref"], { MCP_NEXUS_BACKEND: "libsecret" });
} catch (err) {
  note = `not measured: ${(err as Error).message.split("\n")[0].slice(0, 80)}`;
}
rows.push({ what: "run, one keychain secret (libsecret)", ms: keychain, floor: lastFloor, budget: 2, note });

// sync and server list at 10 / 100 / 1000 servers
for (const n of only === "run" ? [] : [10, 100, 1000]) {
  await Deno.writeTextFile(regFile, registry(n));
  await sh([...self, "sync", ...clientArgs, "--yes"], { MCP_NEXUS_BACKEND: "env" }); // write every file once
  const syncRuns = n >= 1000 ? Math.max(3, Math.floor(runs / 3)) : runs;
  rows.push({
    what: `no-op sync, ${n} servers × ${clientArgs.length / 2} clients`,
    ms: await median([...self, "sync", ...clientArgs, "--yes"], { MCP_NEXUS_BACKEND: "env" }, syncRuns),
    floor: lastFloor,
    budget: n === 100 ? 6 : undefined,
  });
  // the same sync when nothing is remembered (the first no-op after a change, or a deleted cache)
  const cache = join(env.MCP_NEXUS_HOME, "state", "plan-cache.json");
  rows.push({
    what: `no-op sync, ${n} servers, no plan cache`,
    ms: await median(
      [...self, "sync", ...clientArgs, "--yes"],
      { MCP_NEXUS_BACKEND: "env" },
      syncRuns,
      () => Deno.remove(cache).catch(() => {}),
    ),
    floor: lastFloor,
  });
  rows.push({
    what: `server list, ${n} servers`,
    ms: await median([...self, "server", "list"], {}, syncRuns),
    floor: lastFloor,
    budget: n === 100 ? 3 : undefined,
  });
}

console.log(
  `budgets, median of ${runs} runs (deno ${Deno.version.deno}, ${Deno.build.os}, ${navigator.hardwareConcurrency} cores)\n`,
);
console.log("| what | ms | floor ms | × floor | budget | verdict |\n| --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const ratio = r.ms === null ? null : r.ms / (r.floor ?? floor);
  const verdict = r.budget === undefined || ratio === null
    ? (r.note ?? "")
    : ratio <= r.budget
    ? "within"
    : "MISSES";
  console.log(
    `| ${r.what} | ${r.ms === null ? "–" : r.ms.toFixed(0)} | ${(r.floor ?? floor).toFixed(0)} | ${
      ratio === null ? "–" : ratio.toFixed(1)
    } | ${r.budget === undefined ? "" : `≤ ${r.budget}×`} | ${verdict} |`,
  );
}
await sh([...self, "--backend", "libsecret", "secret", "rm", "bench-token"]).catch(() => {});
await Deno.remove(home, { recursive: true });
