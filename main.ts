/**
 * mcp-nexus entry point. Start-up matters (every client start can go through `run`, cron runs us
 * often), so this file imports nothing eagerly: `--version` loads one tiny module, and each path
 * loads only what it uses.
 */
const args = Deno.args;

/**
 * Loads one of our modules by a computed specifier. `deno run` builds the module graph of every
 * `import("literal")` in a module as it loads it, even one never reached: with literal imports here,
 * each start paid ~90 ms for the whole CLI's graph (npm packages included), `run` and `--version`
 * too. `deno compile --include src` embeds these modules all the same.
 */
function load<T>(path: string): Promise<T> {
  return import(new URL(path, import.meta.url).href);
}

/** `run` (the launcher clients start servers through) is the first word after the global options. */
function isRun(a: readonly string[]): boolean {
  let i = 0;
  while (i < a.length && (a[i] === "--json" || a[i] === "--no-color" || a[i].startsWith("--backend"))) {
    i += a[i] === "--backend" ? 2 : 1;
  }
  return a[i] === "run";
}

if (
  args.some((a) => a === "--version" || a === "-V") &&
  args.every((a) => a === "--version" || a === "-V" || a === "--json")
) {
  const { VERSION } = await load<typeof import("./src/version.ts")>("./src/version.ts");
  console.log(args.includes("--json") ? JSON.stringify({ version: VERSION }) : VERSION);
} else if (isRun(args)) {
  // no commander, no zod: straight to the launcher (it replaces this process where the OS allows)
  const { runCommand } = await load<typeof import("./src/cli/run.ts")>("./src/cli/run.ts");
  Deno.exit(await runCommand(args));
} else {
  // `server list` and the usual forms of `sync` without commander (src/cli/fast.ts); the rest through it
  const { fastMain } = await load<typeof import("./src/cli/fast.ts")>("./src/cli/fast.ts");
  const code = await fastMain(args);
  if (code !== undefined) Deno.exit(code);
  const { main } = await load<typeof import("./src/cli/mod.ts")>("./src/cli/mod.ts");
  Deno.exit(await main(args));
}
