/** The one secret detector: whole values and embedded ones, never a reference or a client interpolation. */
import assert from "node:assert/strict";
import {
  findSecrets,
  findSecretsInArgs,
  interpolatedVariable,
  isPlaintextSecret,
  maskSecrets,
} from "../src/core/secrets/secret_detect.ts";
import { plaintextFields } from "../src/core/sync/doctor.ts";
import { maskEntry } from "../src/core/secrets/mask.ts";
import { argReferenceWarnings } from "../src/core/model/arg_references.ts";
import { sanitizeTerminal } from "../src/core/io/sanitize.ts";
import { Server } from "../src/core/model/registry_schema.ts";

const GH = "ghp_detectCanary0123456789abcdefghij";

Deno.test("detector: NAME=VALUE arguments and values hold secrets (docker -e, env K=V, --env=K=V)", () => {
  const cases: Array<[string, string, string]> = [
    ["", `GITHUB_PERSONAL_ACCESS_TOKEN=${GH}`, "GITHUB_PERSONAL_ACCESS_TOKEN=•"],
    ["", "KEY=sk-abcdefghijklmnopqrstuv0123", "KEY=•"],
    ["", "--env=API_TOKEN=hunter2hunter2", "--env=API_TOKEN=•"],
    ["", "--api-key=abcdef1234567890xyz", "--api-key=•"],
    ["", `Authorization: Bearer ${GH}`, "Authorization: Bearer •"],
  ];
  for (const [k, v, masked] of cases) assert.equal(maskSecrets(k, v, "•"), masked, v);
  const args = [
    "run",
    "-i",
    "--rm",
    "-e",
    `GITHUB_PERSONAL_ACCESS_TOKEN=${GH}`,
    "ghcr.io/github/github-mcp-server",
  ];
  assert.deepEqual(findSecretsInArgs(args).map((h) => h.index), [4]);
});

Deno.test("detector: credentials in URLs (userinfo, query, fragment), in args and in env values", () => {
  const cases: Array<[string, string, string]> = [
    ["", "postgres://user:s3cretpw@db.example.com:5432/app", "postgres://user:•@db.example.com:5432/app"],
    ["DATABASE_URL", "postgres://user:s3cretpw@db/app", "postgres://user:•@db/app"],
    ["", "DATABASE_URL=postgres://user:s3cretpw@db/app", "DATABASE_URL=postgres://user:•@db/app"],
    ["", "https://api.example.com/mcp?api_key=abcdef123456&x=1", "https://api.example.com/mcp?api_key=•&x=1"],
    ["", "https://example.com/cb#access_token=abcdef123456789", "https://example.com/cb#access_token=•"],
    ["", `https://${GH}@github.com/o/r.git`, "https://•@github.com/o/r.git"],
    ["", `--db=mysql://root:pw12345@localhost/x`, "--db=mysql://root:•@localhost/x"],
  ];
  for (const [k, v, masked] of cases) assert.equal(maskSecrets(k, v, "•"), masked, v);
});

Deno.test("detector: interpolations and references are not secrets; plain values are not either", () => {
  for (
    const [k, v] of [
      ["Authorization", "Bearer ${GITHUB_TOKEN}"],
      ["API_KEY", "${env:API_KEY}"],
      ["API_KEY", "${API_KEY:-}"],
      ["API_KEY", "{env:API_KEY}"],
      ["API_KEY", "$API_KEY"],
      ["API_KEY", "${{ secrets.API_KEY }}"],
      ["API_KEY", "${keychain:api-key}"],
      ["API_KEY", "keychain:api-key"],
      ["", "postgres://u:${DB_PASSWORD}@h/x"],
      ["", "GITHUB_TOKEN=${keychain:gh}"],
      ["bearer_token_env_var", "MCP_NEXUS_SECRET_GH_TOKEN"],
      ["Authorization", "MCP_NEXUS_SECRET_LINEAR"],
      ["LOG_LEVEL", "debug"],
      ["TOKEN_LIMIT", "4000"],
      ["", "https://mcp.example.com/mcp?version=2"],
      ["", "--port=8080"],
      ["API_KEY_FILE", "/run/secrets/key"],
    ]
  ) assert.deepEqual(findSecrets(k, v), [], `${k}=${v}`);
  assert.equal(interpolatedVariable("${env:GH}"), "GH");
  assert.equal(interpolatedVariable("{env:GH}"), "GH");
  assert.equal(interpolatedVariable("$GH"), "GH");
  assert.equal(interpolatedVariable("${GH:-x}"), "GH");
  assert.equal(isPlaintextSecret("GITHUB_TOKEN", GH), true, "the old yes/no API still answers");
});

Deno.test("doctor's scan finds tokens in args and spares Codex's *_env_var fields and our own variables", () => {
  assert.deepEqual(
    plaintextFields({ command: "docker", args: ["run", "-e", `GITHUB_PERSONAL_ACCESS_TOKEN=${GH}`, "img"] }),
    ["args[2]"],
  );
  assert.deepEqual(plaintextFields({ command: "npx", args: ["x", "--api-key", "hunter2hunter2"] }), [
    "args[2]",
  ]);
  assert.deepEqual(plaintextFields({ env: { DATABASE_URL: "postgres://u:pw123456@h/db" } }), [
    "env.DATABASE_URL",
  ]);
  assert.deepEqual(
    plaintextFields({
      url: "https://mcp.example.com/mcp",
      bearer_token_env_var: "MCP_NEXUS_SECRET_GH_TOKEN",
      env_http_headers: { "X-Api-Key": "MY_SERVICE_API_KEY" },
      env_vars: ["OPENAI_API_KEY"],
    }),
    [],
  );
  assert.deepEqual(
    plaintextFields({ env: { GH: "${MCP_NEXUS_SECRET_GH}", T: "${env:MCP_NEXUS_SECRET_T}" } }),
    [],
  );
});

Deno.test("diff masking hides an embedded secret and keeps the rest readable", () => {
  const masked = maskEntry({ args: ["-e", `GITHUB_TOKEN=${GH}`, "--db", "postgres://u:pw123456@h/db"] }) as {
    args: string[];
  };
  assert.ok(!JSON.stringify(masked).includes(GH));
  assert.ok(!JSON.stringify(masked).includes("pw123456"));
  assert.match(masked.args[1], /^GITHUB_TOKEN=/);
});

Deno.test("a ${keychain:…} reference in args is warned about, with the env-variable form of the command", () => {
  const parse = (def: unknown) => Server.parse(def);
  const docker = parse({
    transport: "stdio",
    command: "docker",
    args: ["run", "-i", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:gh}", "img"],
  });
  const [w] = argReferenceWarnings("github", docker);
  assert.equal(w.field, "args[3]");
  assert.match(w.message, /command line.*every local user/);
  assert.equal(
    w.command,
    "mcp-nexus server add github --replace --env 'GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:gh}' -- docker run -i -e GITHUB_PERSONAL_ACCESS_TOKEN img",
  );
  const flag = parse({ transport: "stdio", command: "npx", args: ["pkg", "--api-key", "${keychain:k}"] });
  assert.equal(
    argReferenceWarnings("x", flag)[0].command,
    "mcp-nexus server add x --replace --env 'API_KEY=${keychain:k}' -- npx pkg",
  );
  assert.deepEqual(
    argReferenceWarnings("x", parse({ transport: "stdio", command: "npx", args: ["pkg"] })),
    [],
  );
});

Deno.test("terminal sanitiser: control sequences from files are stripped; our colours and newlines stay", () => {
  assert.equal(sanitizeTerminal("a\x1b]0;pwned\x07b\x1b[2J\x1b[Hc"), "abc");
  assert.equal(sanitizeTerminal("x\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\"), "xlink");
  assert.equal(sanitizeTerminal("over\rwrite\u202eevil\x9b31m"), "overwriteevil31m");
  assert.equal(sanitizeTerminal("\x1b[31mred\x1b[39m\n\tok"), "\x1b[31mred\x1b[39m\n\tok");
  assert.equal(sanitizeTerminal("\x1b[8mhidden\x1b[0m"), "hidden\x1b[0m");
});

Deno.test("registry validation refuses CR/LF and other control characters in env, header and url values", () => {
  const bad = [
    { transport: "stdio", command: "x", env: { A: "ok\r\nInjected: 1" } },
    { transport: "stdio", command: "x", env: { A: "bell\x07" } },
    { transport: "http", url: "https://x.example/mcp", headers: { "X-A": "v\nX-Evil: 1" } },
    { transport: "http", url: "https://x.example/mcp", headers: { "X-A": "v\x1b[2J" } },
    { transport: "http", url: "https://x.example/m\ncp" },
  ];
  for (const def of bad) {
    const r = Server.safeParse(def);
    assert.equal(r.success, false, JSON.stringify(def));
    assert.match(JSON.stringify(r.error?.issues), /control characters/);
  }
  assert.equal(Server.safeParse({ transport: "stdio", command: "x", env: { A: "tab\tok" } }).success, true);
});
