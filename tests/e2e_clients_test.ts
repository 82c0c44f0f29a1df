/**
 * Proof with real clients (installed from npm by scripts/test-deps.sh): after `sync`, Claude Code's
 * own `claude mcp list` health check connects to the server through our launcher, which passes a
 * keychain secret in the server's environment; `codex mcp list --json` shows the same server; no
 * file holds the secret; pre-existing keys and servers are intact.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, REPO, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";

const BIN = join(REPO, ".test-deps", "node_modules", ".bin");
const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
const ready = Deno.build.os === "linux" &&
  ["claude", "codex", "mcp-server-everything"].every((b) => exists(join(BIN, b)));

/** Runs a real client's CLI in the sandbox; returns what it printed (stdout and stderr, or one of them). */
async function client(
  sb: Sandbox,
  env: Record<string, string>,
  bin: string,
  args: string[],
  only?: "stdout",
): Promise<string> {
  const out = await new Deno.Command(join(BIN, bin), {
    args,
    env,
    clearEnv: true,
    cwd: sb.home,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return only ? text(out.stdout) : text(out.stdout) + text(out.stderr);
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name: "claude mcp list connects through the launcher with a keychain secret; codex lists it",
  ignore: !ready,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const canary = `e2e-canary-${crypto.randomUUID()}`;
      expectCode(await sb.run(["secret", "set", "everything-token"], { stdin: canary }), 0);
      // the server starts only if the launcher put the right secret in its environment
      const guard =
        `test "$(printf %s "$EVERYTHING_TOKEN" | sha256sum | cut -c1-64)" = "${await sha256(canary)}" ` +
        `&& exec "${join(BIN, "mcp-server-everything")}" stdio`;
      expectCode(
        await sb.run([
          "server",
          "add",
          "everything",
          "--env",
          "EVERYTHING_TOKEN=${keychain:everything-token}",
          "--",
          "bash",
          "-c",
          guard,
        ]),
        0,
      );
      expectCode(
        await sb.run([
          "server",
          "add",
          "wrong-secret",
          "--env",
          "EVERYTHING_TOKEN=${keychain:other}",
          "--",
          "bash",
          "-c",
          guard,
        ]),
        0,
      );
      expectCode(await sb.run(["secret", "set", "other"], { stdin: "not-the-canary" }), 0);

      const claudeJson = {
        numStartups: 5,
        theme: "light",
        mcpServers: { theirs: { type: "stdio", command: "true", args: [] } },
      };
      await Deno.writeTextFile(join(sb.home, ".claude.json"), JSON.stringify(claudeJson, null, 2));
      await Deno.mkdir(join(sb.home, ".codex"));
      const codexToml = '# my codex\nmodel = "gpt-5-codex"\n\n[mcp_servers.theirs]\ncommand = "true"\n';
      await Deno.writeTextFile(join(sb.home, ".codex", "config.toml"), codexToml);

      expectCode(await sb.run(["sync", "--client", "claude-code", "--client", "codex", "--yes"]), 0);

      const env = { ...sb.env, PATH: `${BIN}:${sb.env.PATH}` };
      const listed = await client(sb, env, "claude", ["mcp", "list"]);
      assert.match(listed, /everything: .*run everything.*✔ Connected/, listed);
      assert.match(
        listed,
        /wrong-secret: .*(✗|✘) Failed/,
        "a wrong secret keeps the server from starting: the check is real",
      );
      assert.ok(!listed.includes(canary));

      const codexJson = await client(sb, env, "codex", ["mcp", "list", "--json"], "stdout");
      const servers = JSON.parse(codexJson) as Array<
        { name: string; transport: { command: string; args: string[] } }
      >;
      const ev = servers.find((s) => s.name === "everything")!;
      assert.ok(ev, JSON.stringify(servers));
      assert.deepEqual(ev.transport.args.slice(-2), ["run", "everything"]);
      assert.ok(servers.some((s) => s.name === "theirs"));

      const after = JSON.parse(await Deno.readTextFile(join(sb.home, ".claude.json")));
      assert.equal(after.theme, "light");
      assert.deepEqual(after.mcpServers.theirs, claudeJson.mcpServers.theirs);
      assert.ok(
        (await Deno.readTextFile(join(sb.home, ".codex", "config.toml"))).startsWith(codexToml.trimEnd()),
      );
      for (const f of await walkFiles(sb.home)) {
        assert.ok(!(await Deno.readTextFile(f).catch(() => "")).includes(canary), `secret in ${f}`);
      }
    }),
});
