/** Helpers of the data-safety suites (fault injection, hostile corpus): tree hashes, timed runs. */
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import type { RunResult, Sandbox } from "./helpers.ts";

/**
 * Every entry under `dir` with a fingerprint: a file's SHA-256 and mode, a symlink's target, a
 * directory, or the kind of a special file (FIFO, device, socket). Lock files are left out (taking
 * a lock creates one), and so are files `ignore` matches.
 */
export async function treeHash(dir: string, ignore: (rel: string) => boolean = () => false) {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (/\.lock$/.test(e.name) || ignore(rel)) continue;
      const info = await Deno.lstat(p);
      if (info.isSymlink) out.set(rel, `link:${await Deno.readLink(p)}`);
      else if (info.isDirectory) {
        out.set(rel, `dir:${(info.mode ?? 0) & 0o777}`);
        await walk(p);
      } else if (info.isFile) {
        const h = createHash("sha256").update(await Deno.readFile(p)).digest("hex");
        out.set(rel, `file:${(info.mode ?? 0) & 0o777}:${h}`);
      } else out.set(rel, `special:${info.isFifo ? "fifo" : info.isSocket ? "socket" : "device"}`);
    }
  };
  await walk(dir);
  return out;
}

/** The paths whose fingerprint differs between two tree hashes. */
export function treeDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** A stack trace, or Deno's own uncaught-error report, in what a command printed. */
export function hasStackTrace(r: RunResult): boolean {
  const all = r.stdout + r.stderr;
  return /\n\s+at .+:\d+:\d+/.test(all) || /^error: Uncaught/m.test(all) || /E_INTERNAL/.test(all);
}

/** Runs a command, failing (not hanging) if it takes longer than `ms`. */
export async function runWithin(
  sb: Sandbox,
  args: string[],
  ms: number,
  opts: Parameters<Sandbox["run"]>[1] = {},
): Promise<RunResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`'${args.join(" ")}' did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([sb.run(args, opts), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Switches fault injection on for one run (see faultPoint in src/core/io/fs.ts). */
export async function armFault(sb: Sandbox, spec: string): Promise<Record<string, string>> {
  await Deno.writeTextFile(join(sb.home, ".mcp-nexus-test-fault"), spec);
  return { MCP_NEXUS_TEST_FAULT: spec };
}

export async function disarmFault(sb: Sandbox): Promise<void> {
  await Deno.remove(join(sb.home, ".mcp-nexus-test-fault")).catch(() => {});
}

/** The write boundaries a command reaches, each as `name#n` (the n-th time it is reached). */
export async function traceBoundaries(sb: Sandbox, args: string[], opts: { stdin?: string } = {}) {
  const trace = join(sb.home, ".mcp-nexus-fault-trace");
  await Deno.remove(trace).catch(() => {});
  const env = await armFault(sb, "trace");
  const r = await sb.run(args, { ...opts, env });
  await disarmFault(sb);
  const names = (await Deno.readTextFile(trace).catch(() => "")).split("\n").filter(Boolean);
  await Deno.remove(trace).catch(() => {});
  const seen = new Map<string, number>();
  return {
    result: r,
    points: names.map((n) => {
      const i = (seen.get(n) ?? 0) + 1;
      seen.set(n, i);
      return `${n}#${i}`;
    }),
  };
}
