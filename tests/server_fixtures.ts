/** The servers many tests start from, added through the CLI (`server add`) as a user would. */
import { expectCode, type Sandbox } from "./helpers.ts";

/** A stdio server with no secret. */
export const PLAIN = ["plain", "--", "npx", "-y", "@modelcontextprotocol/server-everything"];

/** A stdio server whose env holds a keychain reference (gh-token): written as a launcher entry. */
export const GITHUB = [
  "github",
  "--env",
  "GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:gh-token}",
  "--",
  "npx",
  "-y",
  "gh-mcp",
];

/** The same with the short name `gh` and the env name GITHUB_TOKEN. */
export const GH = ["gh", "--env", "GITHUB_TOKEN=${keychain:gh-token}", "--", "npx", "-y", "gh"];

/** `server add` for each argument list, in order; each must succeed. */
export async function addServers(
  sb: Sandbox,
  env: Record<string, string>,
  ...servers: string[][]
): Promise<void> {
  for (const args of servers) expectCode(await sb.run(["server", "add", ...args], { env }), 0);
}
