/**
 * `deno task demo`: the main job end to end, in a sandbox. It makes a temp home with sample client
 * files (Claude Code, Cursor, VS Code with comments, Codex TOML), puts a secret in the `env` backend,
 * registers three servers, then runs `sync --dry-run` (masked diff), `sync --yes` and `doctor`, each
 * through the real CLI with the real permission set. Nothing of yours is read or written: HOME,
 * XDG_CONFIG_HOME and MCP_NEXUS_HOME all point into the sandbox, and no keychain is used.
 */
import { join } from "node:path";
import { selfCommand } from "../src/core/launch/launcher_command.ts";

const keep = Deno.args.includes("--keep");
const home = await Deno.makeTempDir({ prefix: "mcp-nexus-demo-" });
const xdg = join(home, ".config");
const bold = (s: string) => Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR") ? `\x1b[1m${s}\x1b[22m` : s;

const files: Record<string, string> = {
  ".claude.json": JSON.stringify(
    {
      numStartups: 42,
      theme: "dark",
      projects: { "/home/you/code/app": { allowedTools: [], mcpServers: {} } },
      mcpServers: {
        "my-notes": { type: "stdio", command: "node", args: ["/home/you/notes-server.js"], env: {} },
      },
    },
    null,
    2,
  ) + "\n",
  ".cursor/mcp.json": JSON.stringify(
    {
      mcpServers: {
        "weather": {
          command: "npx",
          args: ["-y", "weather-mcp"],
          env: { WEATHER_API_KEY: "sk-demo-plaintext-0123456789abcdef" },
        },
      },
    },
    null,
    2,
  ) + "\n",
  ".config/Code/User/mcp.json": `// VS Code MCP servers (user profile)
{
  // ask for the key when a server starts
  "inputs": [
    { "type": "promptString", "id": "db-password", "description": "Database password", "password": true }
  ],
  "servers": {
    /* my local database server: mcp-nexus must not touch it */
    "postgres": {
      "type": "stdio",
      "command": "uvx",
      "args": ["mcp-server-postgres"],
      "env": { "PGPASSWORD": "\${input:db-password}" }
    }
  }
}
`,
  ".codex/config.toml": `# Codex CLI configuration
model = "gpt-5-codex"
approval_policy = "on-request"

[profiles.fast]
model = "gpt-5-mini" # quicker answers

# servers I added by hand
[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]
`,
};
for (const [rel, text] of Object.entries(files)) {
  await Deno.mkdir(join(home, rel, ".."), { recursive: true });
  await Deno.writeTextFile(join(home, rel), text);
}

const env: Record<string, string> = {
  HOME: home,
  XDG_CONFIG_HOME: xdg,
  MCP_NEXUS_HOME: join(home, ".config", "mcp-nexus"),
  MCP_NEXUS_BACKEND: "env",
  MCP_NEXUS_SECRET_DEMO_GITHUB_TOKEN: "ghp_demoSecretValueNeverShown000000000000",
  PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  NO_COLOR: Deno.env.get("NO_COLOR") ?? "",
};
if (!env.NO_COLOR) delete env.NO_COLOR;
const dir = Deno.env.get("DENO_DIR");
if (dir) env.DENO_DIR = dir;

const [cmd, ...pre] = selfCommand();
let failures = 0;
async function nexus(args: string[], quiet = false): Promise<number> {
  console.log(bold(`\n$ mcp-nexus ${args.join(" ")}`));
  const out = await new Deno.Command(cmd, {
    args: [...pre, ...args],
    env,
    clearEnv: true,
    cwd: home,
    stdin: "null",
    stdout: quiet ? "null" : "inherit",
    stderr: "inherit",
  }).output();
  return out.code;
}
function expect(code: number, allowed: number[], what: string) {
  if (!allowed.includes(code)) {
    failures++;
    console.log(`!! ${what} exited ${code}`);
  }
}

console.log(bold("mcp-nexus demo") + ` — sandbox home: ${home}`);
console.log("Sample client files: ~/.claude.json (app state + a server of yours), Cursor (a plaintext key),");
console.log(
  "VS Code mcp.json with comments, Codex config.toml with comments. Secrets: the read-only env backend",
);
console.log("(MCP_NEXUS_SECRET_DEMO_GITHUB_TOKEN), so your keychain is never used.");

expect(
  await nexus(["server", "add", "everything", "--", "npx", "-y", "@modelcontextprotocol/server-everything"]),
  [0],
  "add",
);
expect(
  await nexus([
    "server",
    "add",
    "github",
    "--env",
    "GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:demo-github-token}",
    "--",
    "npx",
    "-y",
    "@modelcontextprotocol/server-github",
  ]),
  [0],
  "add",
);
expect(await nexus(["server", "list"]), [0], "list");
expect(await nexus(["client", "list"]), [0], "client list");
expect(await nexus(["sync", "--dry-run"]), [0], "dry run");
expect(await nexus(["sync", "--yes"]), [0], "sync");

console.log(
  bold("\nWhat the files look like now (secrets stay in the keychain; the launcher fetches them):"),
);
for (const rel of [".config/Code/User/mcp.json", ".codex/config.toml"]) {
  console.log(bold(`\n--- ~/${rel}`));
  console.log(await Deno.readTextFile(join(home, rel)));
}
const claude = JSON.parse(await Deno.readTextFile(join(home, ".claude.json")));
console.log(bold("--- ~/.claude.json"), `(other keys kept: ${Object.keys(claude).join(", ")})`);
console.log(JSON.stringify(claude.mcpServers, null, 2));

expect(await nexus(["sync", "--yes"]), [0], "second sync");
console.log("(a second sync is a no-op: nothing written)");
expect(await nexus(["doctor"]), [0, 1], "doctor");

const leaked = [];
for await (const f of walk(home)) {
  if ((await Deno.readTextFile(f).catch(() => "")).includes(env.MCP_NEXUS_SECRET_DEMO_GITHUB_TOKEN)) {
    leaked.push(f);
  }
}
console.log(
  bold("\nChecked: ") +
    (leaked.length ? `secret found in ${leaked.join(", ")}!` : "the secret is in no file under the sandbox."),
);
if (leaked.length) failures++;
if (keep) console.log(`Sandbox kept at ${home}`);
else await Deno.remove(home, { recursive: true });
console.log(
  failures ? `demo: ${failures} step(s) failed` : "demo: done. Nothing outside the sandbox was touched.",
);
Deno.exit(failures ? 1 : 0);

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}
