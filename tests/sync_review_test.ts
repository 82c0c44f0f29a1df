/** Review finding: sync's closing line does not call a readable file unreadable (a missing secret with --secrets inline). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, withSandbox } from "./helpers.ts";
import { addServers, GH } from "./server_fixtures.ts";

Deno.test("sync --secrets inline with a secret not stored: the file is named as not synced, not as unreadable", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_BACKEND: "env" };
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), '{ "mcpServers": {} }\n');
    expectCode(
      await sb.run(["server", "add", "gh", "--env", "GITHUB_TOKEN=${keychain:gh}", "--", "npx", "-y", "gh"], {
        env,
      }),
      0,
    );
    const r = await sb.run(["sync", "--client", "cursor", "--secrets", "inline", "--yes"], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout + r.stderr, /\bgh\b/);
    assert.doesNotMatch(r.stdout, /could not be read/, r.stdout);
    assert.match(r.stdout, /1 file\(s\) not synced \(left untouched\)/, r.stdout);
  }));

Deno.test("sync --secrets inline with the read-only env backend: a missing secret's fix names its variable, not 'secret set'", () =>
  withSandbox(async (sb) => {
    const env = { MCP_NEXUS_BACKEND: "env" };
    await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
    await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), '{ "mcpServers": {} }\n');
    await addServers(sb, env, GH);
    const r = await sb.run(["sync", "--client", "cursor", "--secrets", "inline", "--yes"], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /secret set/, "the env backend is read-only: secret set fails");
    assert.match(r.stdout + r.stderr, /MCP_NEXUS_SECRET_GH_TOKEN/);
    // and the fix works: with the variable set, the same sync writes the file
    const ok = await sb.run(["sync", "--client", "cursor", "--secrets", "inline", "--yes"], {
      env: { ...env, MCP_NEXUS_SECRET_GH_TOKEN: "value-from-env-0001" },
    });
    expectCode(ok, 0);
  }));
