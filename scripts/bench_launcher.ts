/**
 * Benchmark: the launcher (`mcp-nexus run <server>`) as an AI client starts it, with a trivial server
 * (`true`). Start-up overhead as a ratio to the runtime's floor (`deno run` of an empty script, same
 * flags and permission set), and the memory the launcher keeps resident while the server runs: none
 * with exec (the server replaces it), the parent's RSS without (MCP_NEXUS_NO_EXEC=1, as on Windows).
 *
 *   deno run -A scripts/bench_launcher.ts [--runs 20]
 */
import { join } from "node:path";
import { selfCommand } from "../src/core/launch/launcher_command.ts";

const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1]) || 20;
const home = await Deno.makeTempDir({ prefix: "mcp-nexus-bench-" });
const env: Record<string, string> = {
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  MCP_NEXUS_HOME: join(home, "nexus"),
  PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  MCP_NEXUS_SECRET_BENCH_TOKEN: "bench-value-123",
};
if (Deno.env.get("DENO_DIR")) env.DENO_DIR = Deno.env.get("DENO_DIR")!;

const self = selfCommand();
const [deno, ...pre] = self;
const floorScript = join(home, "empty.ts");
await Deno.writeTextFile(floorScript, "");
// the same flags as the launcher, minus main.ts: `deno run -q -P=nexus --config deno.json empty.ts`
const floorCmd = [...self.slice(0, -1), floorScript];

async function sh(cmd: string[], extra: Record<string, string> = {}): Promise<void> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env: { ...env, ...extra },
    clearEnv: true,
  })
    .output();
  if (!out.success) throw new Error(`${cmd.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

await sh([...self, "server", "add", "trivial", "--", "true"]);
await sh([...self, "server", "add", "withref", "--env", "TOKEN=${keychain:bench-token}", "--", "true"]);
await sh([...self, "server", "add", "sleeper", "--", "sh", "-c", "echo ready; exec sleep 5"]);

/** Median and p90 wall time of `cmd` over `runs` runs (after 2 warm-ups), in ms. */
async function time(
  cmd: string[],
  extra: Record<string, string> = {},
): Promise<{ median: number; p90: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    await sh(cmd, extra);
    if (i >= 2) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p90: times[Math.floor(times.length * 0.9)] };
}

/** RSS (KiB) of the process the client started, while the server runs; and whether it is the server. */
async function resident(extra: Record<string, string>): Promise<{ rssKiB: number; isServer: boolean }> {
  const child = new Deno.Command(deno, {
    args: [...pre, "run", "sleeper"],
    env: { ...env, ...extra },
    clearEnv: true,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // "ready": the server is up
  const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? "";
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  // after exec, the pid is sleep's (or sh's a moment before the exec): nothing of the launcher is left
  return { rssKiB, isServer: name === "sleep" || name === "sh" };
}

const floor = await time(floorCmd);
const direct = await time(["true"]);
const rows: Array<[string, { median: number; p90: number }]> = [
  ["deno run empty.ts (floor)", floor],
  ["true (the server alone)", direct],
  ["run trivial (exec)", await time([...self, "run", "trivial"])],
  ["run trivial (no exec)", await time([...self, "run", "trivial"], { MCP_NEXUS_NO_EXEC: "1" })],
  ["run withref, env backend (exec)", await time([...self, "run", "withref"], { MCP_NEXUS_BACKEND: "env" })],
  ["mcp-nexus --version", await time([...self, "--version"])],
  ["mcp-nexus server list", await time([...self, "server", "list"])],
];

const pad = (s: string, n: number) => s.padEnd(n);
console.log(
  `launcher start-up, ${runs} runs each (${Deno.build.os}, ${navigator.hardwareConcurrency} cores)\n`,
);
console.log(`${pad("command", 34)}${pad("median", 10)}${pad("p90", 10)}${pad("× floor", 9)}over floor`);
for (const [label, t] of rows) {
  console.log(
    `${pad(label, 34)}${pad(`${t.median.toFixed(1)} ms`, 10)}${pad(`${t.p90.toFixed(1)} ms`, 10)}${
      pad((t.median / floor.median).toFixed(2), 9)
    }${label.includes("floor") ? "" : `${(t.median - floor.median).toFixed(1)} ms`}`,
  );
}

if (Deno.build.os === "linux") {
  const exec = await resident({});
  const noExec = await resident({ MCP_NEXUS_NO_EXEC: "1" });
  console.log(`\nresident while the server runs (RSS of the pid the client started)`);
  console.log(
    `${pad("with exec", 34)}${
      exec.isServer ? "0 KiB of launcher (that pid is the server itself" : "?? ("
    }, ${exec.rssKiB} KiB)`,
  );
  console.log(`${pad("without exec (parent waits)", 34)}${noExec.rssKiB} KiB`);
}
await Deno.remove(home, { recursive: true });
