/**
 * A hostile corpus for secrets: names, values and files an attacker or a slip of the hand can give.
 * Each case: the right exit code, a clear error (one `error:` line, an optional `fix:` line, never a
 * stack trace) or correct masking, and the canary in plaintext nowhere: not in stdout/stderr, not in
 * any file under HOME (backups of the user's own files aside, which the user already had).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliCommand, type RunResult, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";

interface Case {
  name: string;
  /** What to run; `c` is this case's canary (a unique secret value). */
  run(sb: Sandbox, c: string): Promise<RunResult>;
  code: number;
  /** The error (or output) must match. */
  says: RegExp;
  /** Files that may hold the canary: the client file the case itself wrote (the user's plaintext). */
  own?: string[];
}

const run = (sb: Sandbox, args: string[], stdin?: string) =>
  sb.run(args, stdin === undefined ? {} : { stdin });

async function write(sb: Sandbox, rel: string, data: unknown) {
  await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
  await Deno.writeTextFile(
    join(sb.home, rel),
    typeof data === "string" ? data : JSON.stringify(data, null, 2),
  );
}

async function rawStdin(sb: Sandbox, args: string[], bytes: Uint8Array): Promise<RunResult> {
  const [cmd, ...pre] = cliCommand();
  const child = new Deno.Command(cmd, {
    args: [...pre, ...args],
    env: sb.env,
    clearEnv: true,
    cwd: sb.home,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(bytes);
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const add = (sb: Sandbox, ...args: string[]) => run(sb, ["server", "add", ...args]);
const PLAIN = /looks like a secret.*nothing was saved/;
const CTL = /control characters/;

const CASES: Case[] = [
  // secret names
  {
    name: "name with path traversal",
    run: (sb, c) => run(sb, ["secret", "set", "../../etc/x"], c),
    code: 2,
    says: /Invalid secret name/,
  },
  {
    name: "name with a newline",
    run: (sb, c) => run(sb, ["secret", "set", "a\nb"], c),
    code: 2,
    says: /Invalid secret name/,
  },
  {
    name: "name with an escape sequence",
    run: (sb, c) => run(sb, ["secret", "set", "a\x1b]0;x\x07"], c),
    code: 2,
    says: /Invalid secret name/,
  },
  {
    name: "name of 300 characters",
    run: (sb, c) => run(sb, ["secret", "set", "n".repeat(300)], c),
    code: 2,
    says: /300 characters/,
  },
  {
    name: "the probe's reserved name",
    run: (sb, c) => run(sb, ["secret", "set", "mcp-nexus:health/probe"], c),
    code: 2,
    says: /Invalid secret name/,
  },
  {
    name: "glob as a name to rm",
    run: (sb) => run(sb, ["secret", "rm", "*"]),
    code: 2,
    says: /Invalid secret name/,
  },
  // secret values
  { name: "empty value", run: (sb) => run(sb, ["secret", "set", "e"], ""), code: 2, says: /No value given/ },
  {
    name: "a lone newline as the value",
    run: (sb) => run(sb, ["secret", "set", "e"], "\n"),
    code: 2,
    says: /No value given/,
  },
  {
    name: "value with a NUL byte",
    run: (sb, c) => run(sb, ["secret", "set", "e"], `${c}\0x`),
    code: 2,
    says: /NUL byte/,
  },
  {
    name: "value over 64 KiB",
    run: (sb, c) => run(sb, ["secret", "set", "e"], c + "x".repeat(70_000)),
    code: 2,
    says: /over 64 KiB/,
  },
  {
    name: "value that is not UTF-8",
    run: (sb, c) =>
      rawStdin(sb, ["secret", "set", "e"], new Uint8Array([...new TextEncoder().encode(c), 0xc3, 0x28])),
    code: 2,
    says: /not valid UTF-8/,
  },
  {
    name: "damaged keys index",
    run: async (sb, c) => {
      await write(sb, ".mcp-manager/credential_keys.json", '["a",');
      return run(sb, ["secret", "set", "e"], c);
    },
    code: 1,
    says: /credential_keys\.json is not valid JSON/,
  },
  // server add: plaintext whole and embedded
  {
    name: "--env with an sk- key",
    run: (sb, c) => add(sb, "s", "--env", `API_KEY=sk-${c}`, "--", "echo"),
    code: 2,
    says: PLAIN,
  },
  {
    name: "--env GITHUB_TOKEN any value",
    run: (sb, c) => add(sb, "s", "--env", `GITHUB_TOKEN=${c}`, "--", "echo"),
    code: 2,
    says: PLAIN,
  },
  {
    name: "--header Authorization Bearer",
    run: (sb, c) => add(sb, "s", "--url", "https://x.example/mcp", "--header", `Authorization=Bearer ${c}`),
    code: 2,
    says: PLAIN,
  },
  {
    name: "docker -e K=V argument",
    run: (sb, c) => add(sb, "s", "--", "docker", "run", "-e", `GITHUB_PERSONAL_ACCESS_TOKEN=ghp_${c}`, "img"),
    code: 2,
    says: PLAIN,
  },
  {
    name: "env KEY=sk- argument",
    run: (sb, c) => add(sb, "s", "--", "env", `OPENAI_API_KEY=sk-${c}`, "node", "s.js"),
    code: 2,
    says: PLAIN,
  },
  {
    name: "--env=K=V argument",
    run: (sb, c) => add(sb, "s", "--", "npx", "x", `--env=API_TOKEN=${c}`),
    code: 2,
    says: PLAIN,
  },
  {
    name: "--api-key VALUE arguments",
    run: (sb, c) => add(sb, "s", "--", "npx", "x", "--api-key", c),
    code: 2,
    says: PLAIN,
  },
  {
    name: "mcp-remote --header 'Authorization: Bearer …'",
    run: (sb, c) =>
      add(
        sb,
        "s",
        "--",
        "npx",
        "mcp-remote",
        "https://x.example/mcp",
        "--header",
        `Authorization: Bearer ${c}`,
      ),
    code: 2,
    says: PLAIN,
  },
  {
    name: "URL userinfo password",
    run: (sb, c) => add(sb, "s", "--url", `https://user:${c}@x.example/mcp`),
    code: 2,
    says: PLAIN,
  },
  {
    name: "URL query token",
    run: (sb, c) => add(sb, "s", "--url", `https://x.example/mcp?access_token=${c}`),
    code: 2,
    says: PLAIN,
  },
  {
    name: "URL fragment token",
    run: (sb, c) => add(sb, "s", "--url", `https://x.example/mcp#token=${c}`),
    code: 2,
    says: PLAIN,
  },
  {
    name: "DATABASE_URL with a password",
    run: (sb, c) => add(sb, "s", "--env", `DATABASE_URL=postgres://u:${c}@db/app`, "--", "npx", "pg"),
    code: 2,
    says: PLAIN,
  },
  {
    name: "a JWT as an argument",
    run: (sb, c) =>
      add(
        sb,
        "s",
        "--",
        "npx",
        "x",
        `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx${c.replace(/-/g, "")}.sig_abcdefghij`,
      ),
    code: 2,
    says: PLAIN,
  },
  {
    name: "a GitHub token inside a git URL argument",
    run: (sb, c) => add(sb, "s", "--", "npx", "x", `https://ghp_${c.replace(/-/g, "")}@github.com/o/r.git`),
    code: 2,
    says: PLAIN,
  },
  // control characters
  {
    name: "CRLF header injection",
    run: (sb, c) => add(sb, "s", "--url", "https://x.example/mcp", "--header", `X-A=v\r\nX-Leak: ${c}`),
    code: 2,
    says: CTL,
  },
  {
    name: "escape sequence in an env value",
    run: (sb) => add(sb, "s", "--env", "A=x\x1b]0;pwned\x07", "--", "echo"),
    code: 2,
    says: CTL,
  },
  {
    name: "newline in a URL",
    run: (sb) => add(sb, "s", "--url", "https://x.example/m\ncp"),
    code: 2,
    says: CTL,
  },
  // references
  {
    name: "reference with a traversal name",
    run: (sb) => add(sb, "s", "--env", "X=${keychain:../x}", "--", "echo"),
    code: 2,
    says: /invalid secret name in reference/,
  },
  {
    name: "unterminated reference",
    run: (sb) => add(sb, "s", "--env", "X=${keychain:abc", "--", "echo"),
    code: 2,
    says: /unterminated secret reference/,
  },
  // import: hostile client files
  {
    name: "import moves a docker -e token and masks it",
    run: async (sb, c) => {
      await write(sb, ".cursor/mcp.json", {
        mcpServers: { gh: { command: "docker", args: ["run", "-e", `GITHUB_TOKEN=ghp_${c}`] } },
      });
      return run(sb, ["import", "--client", "cursor"]);
    },
    code: 0,
    says: /secrets moved to .*gh\.github-token/,
    own: [".cursor/mcp.json"],
  },
  {
    name: "import moves a URL password inside an env value",
    run: async (sb, c) => {
      await write(sb, ".cursor/mcp.json", {
        mcpServers: { db: { command: "npx", env: { DATABASE_URL: `mysql://root:${c}@h/x` } } },
      });
      return run(sb, ["import", "--client", "cursor"]);
    },
    code: 0,
    says: /secrets moved to .*db\.password/,
    own: [".cursor/mcp.json"],
  },
  {
    name: "import refuses a header with CRLF from a client file",
    run: async (sb, c) => {
      await write(sb, ".cursor/mcp.json", {
        mcpServers: { h: { url: "https://x.example/mcp", headers: { "X-A": `v\r\nX-B: ${c}` } } },
      });
      return run(sb, ["import", "--client", "cursor"]);
    },
    code: 5,
    says: /control characters/,
    own: [".cursor/mcp.json"],
  },
  {
    name: "hand-edited registry with an escape in an env value",
    run: async (sb) => {
      await Deno.mkdir(sb.nexusHome, { recursive: true });
      await Deno.writeTextFile(
        join(sb.nexusHome, "registry.json"),
        JSON.stringify({
          version: 1,
          servers: { r: { transport: "stdio", command: "x", env: { A: "\x1b[2J" } } },
        }),
      );
      return run(sb, ["server", "list"]);
    },
    code: 1,
    says: /servers\.r\.env\.A: .*control characters/,
  },
];

const linux = Deno.build.os !== "linux";
Deno.test({
  name: `hostile secrets corpus (${CASES.length} cases): exit code, clear error, no plaintext anywhere`,
  ignore: linux,
  async fn(t) {
    assert.ok(CASES.length >= 25);
    for (const k of CASES) {
      await t.step(k.name, () =>
        withSandbox(async (sb) => {
          const canary = `hc${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;
          const r = await k.run(sb, canary);
          const out = r.stdout + r.stderr;
          assert.equal(r.code, k.code, `exit ${r.code}\n${out}`);
          assert.match(out, k.says);
          assert.doesNotMatch(out, /\n\s+at .+:\d+:\d+/, "no stack trace");
          assert.ok(!out.includes(canary), `the canary was printed:\n${out}`);
          // deno-lint-ignore no-control-regex
          assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f]/, "no control characters printed");
          if (k.code !== 0 && k.code !== 5) {
            // one error line; only a list of the file's bad fields ("  at …") and one "  fix:" may follow
            const lines = r.stderr.trim().split("\n");
            assert.match(lines[0], /^error: /, r.stderr);
            assert.ok(lines.slice(1).every((l) => /^ {2}(at|fix:) /.test(l)), r.stderr);
            assert.ok(lines.filter((l) => /^ {2}fix: /.test(l)).length <= 1, r.stderr);
          }
          const own = new Set((k.own ?? []).map((p) => join(sb.home, p)));
          for (const f of await walkFiles(sb.home)) {
            if (own.has(f) || f.startsWith(join(sb.nexusHome, "backups") + "/")) continue;
            const text = await Deno.readTextFile(f).catch(() => "");
            assert.ok(!text.includes(canary), `plaintext canary in ${f}`);
          }
        }));
    }
  },
});
