/**
 * The canary: a secret value set through the CLI never appears in any stdout/stderr of any command
 * (except `secret get --reveal`), nor in any file under the tool's home or the keys index.
 */
import assert from "node:assert/strict";
import { expectCode, HAS_SECRET_SERVICE, recorder, walkFiles, withSandbox } from "./helpers.ts";

Deno.test({
  name: "canary secret never leaks into output or files",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const canary = `canary-${crypto.randomUUID()}`;
      const { run, seen } = recorder(sb, canary);
      expectCode(await run(["secret", "set", "canary-secret"], canary + "\n"), 0);
      expectCode(await run(["secret", "set", "canary-secret", "--json"], canary), 0);
      for (
        const args of [
          ["server", "add", "s1", "--env", "API_KEY=${keychain:canary-secret}", "--", "echo", "x"],
          [
            "server",
            "add",
            "s2",
            "--url",
            "https://example.com/mcp",
            "--header",
            "Authorization=Bearer ${keychain:canary-secret}",
          ],
          ["server", "add", "s3", "--env", `API_KEY=${canary}`, "--", "echo"], // refused: must not echo it back
          ["server", "list"],
          ["server", "list", "--json"],
          ["server", "show", "s1"],
          ["server", "show", "s2", "--json"],
          ["secret", "list"],
          ["secret", "list", "--json"],
          ["secret", "exists", "canary-secret"],
          ["secret", "get", "canary-secret"],
          ["secret", "get", "canary-secret", "--json"],
          ["secret", "backends", "--json"],
          ["secret", "set", "bad name", "--json"],
          ["schema"],
          // the sync engine's outputs: plans, diffs (inline values masked), results, reports
          ["sync", "--client", "cursor", "--client", "codex", "--dry-run"],
          ["sync", "--client", "cursor", "--dry-run", "--secrets", "inline"],
          ["sync", "--client", "cursor", "--dry-run", "--secrets", "inline", "--json"],
          ["sync", "--client", "cursor", "--client", "codex", "--yes"],
          ["sync", "--client", "cursor", "--client", "codex", "--yes", "--json"],
          ["client", "list", "--json"],
          ["backup", "list", "--json"],
          ["import", "--client", "cursor", "--dry-run", "--json"],
          ["doctor"],
          ["doctor", "--json"],
          ["run", "s1"], // the launcher: `echo x` prints x, the secret only reaches its env
          ["run", "s1", "--bogus"],
          ["check", "s1", "--timeout", "5"],
          ["check", "s1", "--json", "--timeout", "5"],
        ]
      ) await run(args);
      assert.equal(
        seen.find((o) => o.startsWith("$ run s1\n"))?.split("\n")[1],
        "x",
        "the launcher really ran",
      );

      const reveal = await sb.run(["secret", "get", "canary-secret", "--reveal"]);
      assert.equal(reveal.stdout.trim(), canary, "--reveal is the one place the value is printed");

      for (const out of seen) assert.ok(!out.includes(canary), `leaked in:\n${out.slice(0, 400)}`);
      const files = await walkFiles(sb.home);
      assert.ok(files.some((f) => f.endsWith("registry.json")));
      assert.ok(files.some((f) => f.endsWith("credential_keys.json")));
      assert.ok(files.some((f) => f.endsWith("ledger.json")), "sync ran and wrote its ledger");
      for (const f of files) {
        const text = await Deno.readTextFile(f).catch(() => "");
        assert.ok(!text.includes(canary), `leaked into ${f}`);
      }
      expectCode(await run(["secret", "rm", "canary-secret"]), 0);
    }),
});
