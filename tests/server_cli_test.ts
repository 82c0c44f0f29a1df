/** `server …` and `schema` end to end. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, modeOf, withSandbox } from "./helpers.ts";

Deno.test("server add/list/show/enable/disable/rm, registry 0600 in 0700 and never a secret", () =>
  withSandbox(async (sb) => {
    expectCode(
      await sb.run([
        "server",
        "add",
        "github",
        "--env",
        "GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:gh-token}",
        "--description",
        "GitHub",
        "--",
        "npx",
        "-y",
        "@modelcontextprotocol/server-github",
      ]),
      0,
    );
    expectCode(
      await sb.run([
        "server",
        "add",
        "linear",
        "--url",
        "https://mcp.linear.app/mcp",
        "--header",
        "Authorization=Bearer ${keychain:linear}",
        "--client",
        "cursor",
      ]),
      0,
    );
    const file = join(sb.nexusHome, "registry.json");
    assert.equal(await modeOf(file), 0o600);
    assert.equal(await modeOf(sb.nexusHome), 0o700);
    const reg = JSON.parse(await Deno.readTextFile(file));
    assert.equal(reg.version, 1);
    assert.deepEqual(reg.servers.github.args, ["-y", "@modelcontextprotocol/server-github"]);
    assert.equal(reg.servers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN, "${keychain:gh-token}");
    assert.equal(reg.servers.linear.transport, "http");
    assert.deepEqual(reg.servers.linear.clients, ["cursor"]);

    const list = await sb.json<{ servers: { name: string }[] }>(["server", "list"]);
    assert.deepEqual(list.data.servers.map((s) => s.name), ["github", "linear"]);
    const human = expectCode(await sb.run(["server", "list"]), 0);
    assert.match(human.stdout, /github\s+stdio\s+yes\s+all\s+npx -y @modelcontextprotocol\/server-github/);

    const show = await sb.json<{ transport: string; headers: Record<string, string> }>([
      "server",
      "show",
      "linear",
    ]);
    assert.equal(show.data.headers.Authorization, "Bearer ${keychain:linear}");

    expectCode(await sb.run(["server", "disable", "github", "--client", "cursor"]), 0);
    let s =
      (await sb.json<{ disabledClients?: string[]; enabled: boolean }>(["server", "show", "github"])).data;
    assert.deepEqual(s.disabledClients, ["cursor"]);
    expectCode(await sb.run(["server", "enable", "github", "--client", "cursor"]), 0);
    s = (await sb.json<{ disabledClients?: string[]; enabled: boolean }>(["server", "show", "github"])).data;
    assert.equal(s.disabledClients, undefined);
    expectCode(await sb.run(["server", "disable", "github"]), 0);
    s = (await sb.json<{ disabledClients?: string[]; enabled: boolean }>(["server", "show", "github"])).data;
    assert.equal(s.enabled, false);

    const dup = expectCode(await sb.run(["server", "add", "github", "--", "echo"]), 2);
    assert.match(dup.stderr, /already exists/);
    expectCode(await sb.run(["server", "add", "github", "--replace", "--", "echo", "hi"]), 0);

    expectCode(await sb.run(["server", "rm", "github"]), 0);
    const gone = expectCode(await sb.run(["server", "show", "github"]), 3);
    assert.match(gone.stderr, /No server named 'github'/);
    assert.match(gone.stderr, /Known servers: linear/);
    expectCode(await sb.run(["server", "rm", "github"]), 3);
  }));

Deno.test("invalid servers and references exit 2, name the field, and change nothing", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "ok", "--", "echo"]), 0);
    const file = join(sb.nexusHome, "registry.json");
    const before = await Deno.readTextFile(file);
    const cases: Array<[string[], RegExp]> = [
      [
        ["server", "add", "bad", "--env", "X=${keychain:bad name}", "--", "echo"],
        /env\.X: invalid secret name in reference/,
      ],
      [
        ["server", "add", "bad", "--env", "X=${keychain:unterminated", "--", "echo"],
        /unterminated secret reference/,
      ],
      [["server", "add", "bad", "--", "${keychain:x}"], /command cannot be a secret reference/],
      [["server", "add", "bad name", "--", "echo"], /Invalid server name/],
      [["server", "add", "bad"], /needs a command/],
      [["server", "add", "bad", "--url", "ftp://x"], /expected an http\(s\) URL/],
      [["server", "add", "bad", "--url", "https://x", "--env", "A=b"], /--env applies to stdio servers/],
      [["server", "add", "bad", "--env", "NOEQUALS", "--", "echo"], /expected KEY=VALUE/],
      [
        ["server", "add", "bad", "--env", "API_KEY=sk-live-0123456789abcdefABCD", "--", "echo"],
        /looks like a secret/,
      ],
      [
        ["server", "add", "bad", "--env", "GITHUB_TOKEN=abcdefgh12345678", "--", "echo"],
        /looks like a secret/,
      ],
      [
        ["server", "add", "bad", "--url", "https://x", "--header", "Authorization=Bearer abcdefghijklmnop"],
        /looks like a secret/,
      ],
      [
        ["server", "add", "bad", "--", "npx", "server", "--api-key", "ghp_abcdefghijklmnopqrstuvwxyz0123"],
        /looks like a secret/,
      ],
      [["server", "add", "bad", "--", "npx", "pkg", "--token", "abcdef1234567890xyz"], /looks like a secret/],
      [["server", "add", "bad", "--", "npx", "pkg", "--api-key=abcdef1234567890xyz"], /looks like a secret/],
      [
        ["server", "disable", "ok", "--client", "Not Valid"],
        /Unknown client .Not Valid.*\n.*claude-code, cursor/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = expectCode(await sb.run(args), 2);
      assert.match(r.stderr, re, args.join(" "));
    }
    assert.equal(await Deno.readTextFile(file), before, "the registry is unchanged");
    // the plaintext refusal names the fix, and the override works
    const r = await sb.run([
      "server",
      "add",
      "bad",
      "--env",
      "API_KEY=sk-live-0123456789abcdefABCD",
      "--",
      "echo",
    ]);
    assert.match(r.stderr, /mcp-nexus secret set api-key/);
    assert.doesNotMatch(r.stderr, /sk-live-0123456789abcdefABCD/, "the refused value is not echoed back");
    expectCode(await sb.run(["server", "add", "fine", "--env", "TOKEN_LIMIT=4000", "--", "echo"]), 0);
  }));

Deno.test("a hand-broken registry is reported with file, line/field and fix, and left untouched", () =>
  withSandbox(async (sb) => {
    await Deno.mkdir(sb.nexusHome, { recursive: true });
    const file = join(sb.nexusHome, "registry.json");
    await Deno.writeTextFile(
      file,
      '{\n  "version": 1,\n  "servers": {\n    "a": { "transport": "stdio", }\n  }\n}\n',
    );
    const r = expectCode(await sb.run(["server", "list"]), 1);
    assert.match(r.stderr, /registry\.json is not valid JSON at line 4/);
    const bad = JSON.stringify({
      version: 1,
      servers: {
        gh: { transport: "stdio", command: "npx", env: { TOKEN: "${keychain:no good}" } },
        "x y": {},
      },
    });
    await Deno.writeTextFile(file, bad);
    const j = await sb.json<{ error: { code: string; details: { issues: string[] } } }>(["server", "list"]);
    assert.equal(j.data.error.code, "E_REGISTRY_INVALID");
    assert.ok(
      j.data.error.details.issues.some((i) => i.startsWith("servers.gh.env.TOKEN:")),
      String(j.data.error.details.issues),
    );
    assert.ok(j.data.error.details.issues.some((i) => /server names/.test(i)));
    expectCode(await sb.run(["server", "add", "new", "--", "echo"]), 1);
    assert.equal(await Deno.readTextFile(file), bad, "a registry we cannot read is never overwritten");
  }));

Deno.test("schema prints a JSON Schema that describes the registry", () =>
  withSandbox(async (sb) => {
    const r = expectCode(await sb.run(["schema"]), 0);
    const schema = JSON.parse(r.stdout);
    assert.equal(schema.type, "object");
    assert.ok(schema.properties.servers, "servers property");
    assert.match(JSON.stringify(schema), /"stdio"/);
    assert.match(JSON.stringify(schema), /"sse"/);
  }));
