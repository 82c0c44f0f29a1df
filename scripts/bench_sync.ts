/**
 * Benchmark: sync of 100 servers into every built-in client, as a ratio to the runtime's floor
 * (`deno run` of an empty script). Measures a no-op sync (nothing to write) and a changed sync (one
 * server changes, so every file is rewritten), through the real CLI with the real permission set.
 *
 *   deno run -A scripts/bench_sync.ts [--runs 5]
 */
import { join } from "node:path";
import { selfCommand } from "../src/core/launch/launcher_command.ts";
import { listClients } from "../src/plugins/clients/mod.ts";
import { benchServers } from "./bench_registry.ts";

const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1]) || 5;
const home = await Deno.makeTempDir({ prefix: "mcp-nexus-bench-" });
const env: Record<string, string> = {
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  MCP_NEXUS_HOME: join(home, "nexus"),
  MCP_NEXUS_BACKEND: "env",
  PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
};
if (Deno.env.get("DENO_DIR")) env.DENO_DIR = Deno.env.get("DENO_DIR")!;

const servers = benchServers(100);
await Deno.mkdir(env.MCP_NEXUS_HOME, { recursive: true });
const writeRegistry = (extra = "") =>
  Deno.writeTextFile(
    join(env.MCP_NEXUS_HOME, "registry.json"),
    JSON.stringify({
      version: 1,
      settings: {},
      servers: {
        ...servers,
        changed: { transport: "stdio", command: "echo", args: [extra], env: {}, enabled: true },
      },
    }),
  );
await writeRegistry("v0");

const clientIds = listClients().map((c) => c.id);
const clientArgs = clientIds.flatMap((c) => ["--client", c]);
const [cmd, ...pre] = selfCommand();

async function time(args: string[], cmdline = [cmd, ...pre]): Promise<number> {
  const t = performance.now();
  const out = await new Deno.Command(cmdline[0], {
    args: [...cmdline.slice(1), ...args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t;
  if (out.code !== 0) {
    throw new Error(
      `${args.join(" ")}: exit ${out.code}: ${new TextDecoder().decode(out.stdout).slice(-1500)}${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return ms;
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const empty = join(home, "empty.ts");
await Deno.writeTextFile(empty, "");
const floor: number[] = [], noop: number[] = [], changed: number[] = [];
await time(["sync", ...clientArgs, "--yes"]); // create all files once
for (let i = 0; i < runs; i++) {
  floor.push(await time([empty], [Deno.execPath(), "run", "-q"]));
  noop.push(await time(["sync", ...clientArgs, "--yes"]));
  await writeRegistry(`v${i + 1}`);
  changed.push(await time(["sync", ...clientArgs, "--yes"]));
}
const f = median(floor);
console.log(
  `sync of 101 servers × ${clientIds.length} clients, median of ${runs} runs (deno ${Deno.version.deno}, ${Deno.build.os})`,
);
console.log(`| case | ms | × floor |\n|---|---|---|`);
console.log(`| floor: deno run empty.ts | ${f.toFixed(0)} | 1.0 |`);
console.log(`| no-op sync | ${median(noop).toFixed(0)} | ${(median(noop) / f).toFixed(1)} |`);
console.log(
  `| changed sync (every file rewritten) | ${median(changed).toFixed(0)} | ${
    (median(changed) / f).toFixed(1)
  } |`,
);
if (!Deno.env.get("KEEP")) await Deno.remove(home, { recursive: true });
else console.log(home);
