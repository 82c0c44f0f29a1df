/**
 * `deno task compile [--target T]… [--out DIR]`: one self-contained binary per target, with the one
 * permission set (`-P=nexus`) and `--no-prompt`, and its SHA-256 next to it. Default: the five
 * release targets. Each needs that target's Deno runtime (denort), which `deno compile` downloads
 * once into its cache; where it cannot, this stops with one line naming the cache folder.
 */
import { join } from "node:path";
import { sha256File } from "./release/sums.ts";

export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

export function binaryName(target: string): string {
  return `mcp-nexus-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** `deno compile`'s arguments for one target. */
export function compileArgs(target: string, out: string): string[] {
  return [
    "compile",
    "-q",
    "-P=nexus",
    "--no-prompt",
    "--include",
    "src",
    "--target",
    target,
    "--output",
    join(out, binaryName(target)),
    "main.ts",
  ];
}

async function denoDir(): Promise<string> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .output();
  try {
    return JSON.parse(new TextDecoder().decode(o.stdout)).denoDir;
  } catch {
    return "$DENO_DIR";
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  const targets: string[] = [];
  let out = "dist";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--target") targets.push(args[++i]);
    else if (args[i] === "--out") out = args[++i];
    else if (args[i] === "--host") targets.push(Deno.build.target);
    else {
      console.error(`compile: unknown argument ${args[i]} (use --target T, --host, --out DIR)`);
      Deno.exit(2);
    }
  }
  for (const t of targets) {
    if (!(TARGETS as readonly string[]).includes(t)) {
      console.error(`compile: unknown target ${t}; one of ${TARGETS.join(", ")}`);
      Deno.exit(2);
    }
  }
  const root = new URL("..", import.meta.url).pathname;
  await Deno.mkdir(join(root, out), { recursive: true });
  for (const target of targets.length ? targets : TARGETS) {
    const o = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, out),
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr);
    if (o.code !== 0) {
      if (/denort|Setting up base binary|dl\.deno\.land/.test(err)) {
        const folder = join(await denoDir(), "dl", "release", `v${Deno.version.deno}`);
        console.error(
          `compile: cannot download the Deno runtime for ${target}; put denort-${target}.zip in ${folder} ` +
            `(or set DENORT_BIN for this machine's target) and run again.`,
        );
      } else {
        // deno-lint-ignore no-control-regex
        const ansi = /\x1b\[[0-9;]*m/g;
        const line = err.split("\n").find((l) => /error/i.test(l)) ?? err.split("\n")[0];
        console.error(`compile: ${target}: ${line.replace(ansi, "").trim()}`);
      }
      Deno.exit(1);
    }
    const file = join(root, out, binaryName(target));
    const sum = await sha256File(file);
    await Deno.writeTextFile(`${file}.sha256`, `${sum}  ${binaryName(target)}\n`);
    console.log(`${file}  sha256 ${sum}`);
  }
}
