/**
 * mcp-nexus entry point. Start-up matters (every client start can go through `run`, cron runs us
 * often), so this file imports nothing eagerly: `--version` loads one tiny module, and each path
 * loads only what it uses.
 */
const args = Deno.args;

if (args.length > 0 && args.every((a) => a === "--version" || a === "-V" || a === "--json")) {
  const { VERSION } = await import("./src/version.ts");
  console.log(args.includes("--json") ? JSON.stringify({ version: VERSION }) : VERSION);
} else {
  const { main } = await import("./src/cli/mod.ts");
  Deno.exit(await main(args));
}
