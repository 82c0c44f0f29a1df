/**
 * "Secrets stay secret" (issue 7), end to end through the CLI against the real Secret Service:
 * embedded secrets on import/server add/doctor, client interpolation, keychain references in args,
 * UTF-8 values, read-only keychain health, a damaged keys index, control characters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cliCommand,
  expectCode,
  HAS_SECRET_SERVICE,
  type Sandbox,
  START_PRIVATE_KEYRING,
  walkFiles,
  withSandbox,
} from "./helpers.ts";
import { type Keyring, keyringBackend } from "../src/plugins/backends/keyring_store.ts";

const linux = { ignore: Deno.build.os !== "linux" };
const GH = "ghp_safetyCanary0123456789abcdefghijkl";
const PW = "pgCanaryPassw0rd-7f3a";
const QK = "qkCanary0123456789abcdef";

async function write(sb: Sandbox, rel: string, data: unknown) {
  await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
  await Deno.writeTextFile(
    join(sb.home, rel),
    typeof data === "string" ? data : JSON.stringify(data, null, 2),
  );
}

/** Files under HOME holding any canary, except backups (copies of the user's own files, 0600). */
async function plaintextFiles(sb: Sandbox, canaries: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of await walkFiles(sb.home)) {
    if (f.includes(`${join(sb.nexusHome, "backups")}/`)) continue;
    const text = await Deno.readTextFile(f).catch(() => "");
    if (canaries.some((c) => text.includes(c))) out.push(f);
  }
  return out;
}

Deno.test({
  name:
    "import moves embedded secrets (docker -e K=V, DATABASE_URL, URL query) to the keychain; sync spreads none",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      await write(sb, ".cursor/mcp.json", {
        mcpServers: {
          github: {
            command: "docker",
            args: [
              "run",
              "-i",
              "--rm",
              "-e",
              `GITHUB_PERSONAL_ACCESS_TOKEN=${GH}`,
              "ghcr.io/github/github-mcp-server",
            ],
          },
          db: {
            command: "npx",
            args: ["-y", "pg-mcp"],
            env: { DATABASE_URL: `postgres://app:${PW}@db.local/app` },
          },
          remote: { url: `http://127.0.0.1:8931/mcp?api_key=${QK}&v=2` }, // a host the launcher may bridge to
        },
      });
      const r = await sb.json<
        { added: string[]; secretsStored: string[]; warnings: Array<{ command: string }> }
      >(
        ["import", "--client", "cursor"],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.data.added.sort(), ["db", "github", "remote"]);
      assert.equal(r.data.secretsStored.length, 3, JSON.stringify(r.data.secretsStored));
      const gh = (await sb.json<{ args: string[] }>(["server", "show", "github"])).data;
      assert.equal(
        gh.args[4],
        "GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:github.github-personal-access-token}",
      );
      const db = (await sb.json<{ env: Record<string, string> }>(["server", "show", "db"])).data;
      assert.equal(db.env.DATABASE_URL, "postgres://app:${keychain:db.password}@db.local/app");
      const remote = (await sb.json<{ url: string }>(["server", "show", "remote"])).data;
      assert.equal(remote.url, "http://127.0.0.1:8931/mcp?api_key=${keychain:remote.api-key}&v=2");
      assert.equal((await sb.run(["secret", "get", "db.password", "--reveal"])).stdout.trim(), PW);
      // the reference in docker's args would be on the command line: warned, with the env form
      assert.match(r.stderr, /args\[4\] puts secret .* command line/);
      assert.ok(
        r.data.warnings.some((w) => w.command.includes("--env 'GITHUB_PERSONAL_ACCESS_TOKEN=${keychain:")),
      );
      expectCode(
        await sb.run([
          "sync",
          "--client",
          "cursor",
          "--client",
          "windsurf",
          "--client",
          "claude-code",
          "--yes",
        ]),
        0,
      );
      assert.deepEqual(
        await plaintextFiles(sb, [GH, PW, QK]),
        [],
        "no plaintext left or spread anywhere under HOME",
      );
    }),
});

Deno.test({
  name: "import reads a client's env interpolation as a variable, never as a secret to store",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await write(sb, ".cursor/mcp.json", {
        mcpServers: {
          a: {
            command: "npx",
            args: ["a"],
            env: { GITHUB_TOKEN: "${env:GITHUB_TOKEN}", API_KEY: "${API_KEY}" },
          },
          b: { url: "https://b.example/mcp", headers: { Authorization: "Bearer ${env:B_TOKEN_VALUE}" } },
          c: {
            command: "npx",
            args: ["c", "--api-key", "$C_API_KEY"],
            env: { SECRET_KEY: "${{ secrets.C }}" },
          },
        },
      });
      await write(sb, ".claude.json", {
        mcpServers: {
          d: {
            type: "http",
            url: "https://d.example/mcp",
            headers: { Authorization: "Bearer ${GITHUB_TOKEN_X}" },
          },
        },
      });
      const r = await sb.json<{ added: string[]; secretsStored: string[] }>(
        ["import", "--client", "cursor", "--client", "claude-code"],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.data.secretsStored, [], "no interpolation stored as a secret");
      const a = (await sb.json<{ env: Record<string, string> }>(["server", "show", "a"])).data;
      assert.deepEqual(a.env, { GITHUB_TOKEN: "${env:GITHUB_TOKEN}", API_KEY: "${API_KEY}" });
      const d = (await sb.json<{ headers: Record<string, string> }>(["server", "show", "d"])).data;
      assert.equal(d.headers.Authorization, "Bearer ${GITHUB_TOKEN_X}");
    }),
});

Deno.test({
  name: "server add refuses embedded secrets without echoing them, and warns about ${keychain:…} in args",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const cases: Array<[string[], RegExp]> = [
        [
          ["server", "add", "g", "--", "docker", "run", "-e", `GITHUB_PERSONAL_ACCESS_TOKEN=${GH}`, "img"],
          /argument 3/,
        ],
        [["server", "add", "e", "--", "env", `KEY=sk-abcdefghijklmnop${QK}`, "node", "s.js"], /argument 1/],
        [
          ["server", "add", "d", "--env", `DATABASE_URL=postgres://u:${PW}@h/db`, "--", "npx", "pg"],
          /--env DATABASE_URL/,
        ],
        [["server", "add", "u", "--url", `https://x.example/mcp?token=${QK}`], /--url/],
        [["server", "add", "f", "--", "npx", "x", `--env=API_TOKEN=${QK}`], /argument 2/],
      ];
      for (const [args, re] of cases) {
        const r = expectCode(await sb.run(args), 2);
        assert.match(r.stderr, re, args.join(" "));
        assert.match(r.stderr, /looks like a secret/);
        assert.match(r.stderr, /mcp-nexus secret set /);
        for (const c of [GH, PW, QK]) assert.ok(!r.stderr.includes(c) && !r.stdout.includes(c), "not echoed");
      }
      const db = await sb.run([
        "server",
        "add",
        "d",
        "--env",
        `DATABASE_URL=postgres://u:${PW}@h/db`,
        "--",
        "pg",
      ]);
      assert.match(db.stderr, /--env DATABASE_URL='postgres:\/\/u:\$\{keychain:database-url\}@h\/db'/);
      const w = expectCode(
        await sb.run([
          "server",
          "add",
          "gh",
          "--",
          "docker",
          "run",
          "-e",
          "GITHUB_TOKEN=${keychain:gh}",
          "img",
        ]),
        0,
      );
      assert.match(w.stderr, /args\[2\] puts secret 'gh' on the server's command line/);
      assert.match(
        w.stderr,
        /mcp-nexus server add gh --replace --env 'GITHUB_TOKEN=\$\{keychain:gh\}' -- docker run -e GITHUB_TOKEN img/,
      );
      // the suggested command works and leaves nothing to warn about
      const again = expectCode(
        await sb.run([
          "server",
          "add",
          "gh",
          "--replace",
          "--env",
          "GITHUB_TOKEN=${keychain:gh}",
          "--",
          "docker",
          "run",
          "-e",
          "GITHUB_TOKEN",
          "img",
        ]),
        0,
      );
      assert.doesNotMatch(again.stderr, /command line/);
    }),
});

Deno.test({
  name: "doctor finds tokens in args, spares Codex's bearer_token_env_var and mcp-nexus's own variables",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await write(sb, ".cursor/mcp.json", {
        mcpServers: {
          gh: { command: "docker", args: ["run", "-e", `GITHUB_PERSONAL_ACCESS_TOKEN=${GH}`, "img"] },
          ours: {
            url: "https://o.example/mcp",
            headers: { Authorization: "Bearer ${env:MCP_NEXUS_SECRET_O}" },
          },
        },
      });
      await write(
        sb,
        ".codex/config.toml",
        `[mcp_servers.linear]\nurl = "https://mcp.linear.app/mcp"\nbearer_token_env_var = "MCP_NEXUS_SECRET_LINEAR"\n\n` +
          `[mcp_servers.other]\nurl = "https://x.example/mcp"\nenv_http_headers = { "X-Api-Key" = "MCP_NEXUS_SECRET_X_KEY" }\n`,
      );
      const d = await sb.json<{ findings: Array<{ check: string; message: string }> }>(["doctor"]);
      const plain = d.data.findings.filter((f) => f.check === "plaintext").map((f) => f.message);
      assert.ok(plain.some((m) => /Cursor: server 'gh' .* args\[2\]/.test(m)), plain.join("\n"));
      assert.ok(!plain.some((m) => /'ours'|linear|'other'/.test(m)), plain.join("\n"));
      assert.ok(!JSON.stringify(d.data).includes(GH));
    }),
});

Deno.test({
  name: "secret values on stdin must be valid UTF-8: refused with a clear error, nothing stored",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const bad = new Uint8Array([0x61, 0x62, 0xff, 0xfe, 0x63]);
      const [cmd, ...pre] = (await import("./helpers.ts")).cliCommand();
      const child = new Deno.Command(cmd, {
        args: [...pre, "secret", "set", "bin"],
        env: sb.env,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(bad);
      await w.close();
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 2, stderr);
      assert.match(stderr, /not valid UTF-8.*nothing stored/);
      expectCode(await sb.run(["secret", "exists", "bin"]), 3);
      expectCode(await sb.run(["secret", "set", "ok"], { stdin: "héllo ✓" }), 0);
      assert.equal((await sb.run(["secret", "get", "ok", "--reveal"])).stdout, "héllo ✓\n");
    }),
});

Deno.test({
  name: "a damaged keys index stops secret set, secret rm and import before the keychain changes",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      expectCode(await sb.run(["secret", "set", "keep"], { stdin: "kept-value-1" }), 0);
      const index = join(sb.home, ".mcp-manager", "credential_keys.json");
      await Deno.writeTextFile(index, "{ damaged");
      const set = await sb.run(["secret", "set", "fresh"], { stdin: "fresh-value-1" });
      assert.equal(set.code, 1, set.stderr);
      assert.match(set.stderr, /credential_keys\.json is not valid JSON/);
      expectCode(await sb.run(["secret", "exists", "fresh"]), 3);
      const over = await sb.run(["secret", "set", "keep"], { stdin: "overwritten" });
      assert.equal(over.code, 1);
      assert.equal((await sb.run(["secret", "get", "keep", "--reveal"])).stdout, "kept-value-1\n");
      assert.equal((await sb.run(["secret", "rm", "keep"])).code, 1);
      expectCode(await sb.run(["secret", "exists", "keep"]), 0);
      await write(sb, ".cursor/mcp.json", { mcpServers: { g: { command: "x", env: { GITHUB_TOKEN: GH } } } });
      const imp = await sb.run(["import", "--client", "cursor"]);
      assert.equal(imp.code, 1, imp.stderr);
      expectCode(await sb.run(["secret", "exists", "g.github-token"]), 3);
      assert.equal(await Deno.readTextFile(index), "{ damaged", "the damaged index is left for the user");
    }),
});

Deno.test({
  name: "keychain health: read paths never write; only the reserved probe name, which no user can create",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      // a user secret under the old probe's name survives `secret backends` and `doctor`
      expectCode(await sb.run(["secret", "set", ".mcp-nexus-probe"], { stdin: "mine-1234" }), 0);
      expectCode(await sb.run(["secret", "backends"]), 0);
      await sb.run(["doctor"]);
      expectCode(await sb.run(["secret", "exists", "missing-one"]), 3);
      assert.equal((await sb.run(["secret", "get", ".mcp-nexus-probe", "--reveal"])).stdout, "mine-1234\n");
      const list = await sb.json<{ secrets: Array<{ name: string }> }>(["secret", "list"]);
      assert.deepEqual(list.data.secrets.map((s) => s.name), [".mcp-nexus-probe"]);
      const r = expectCode(await sb.run(["secret", "set", "mcp-nexus:health/probe"], { stdin: "x" }), 2);
      assert.match(r.stderr, /Invalid secret name/);
    }),
});

Deno.test("keychain backend: get/exists/delete/list of absent names do no keychain write", async () => {
  const calls: string[] = [];
  const fake = {
    Entry: class {
      constructor(readonly service: string, readonly account: string) {}
      getSecret() {
        calls.push(`get ${this.account}`);
        return null;
      }
      setPassword() {
        calls.push(`set ${this.account}`);
      }
      deleteCredential() {
        calls.push(`delete ${this.account}`);
        return false;
      }
    },
    findCredentials: () => [],
  } as unknown as Keyring;
  const b = keyringBackend({
    id: "fake",
    label: "Fake",
    classify: () => ({ status: "unavailable", message: "x" }),
    readOnlyState: () => Promise.resolve("ok"),
    module: () => Promise.resolve(fake),
  }, { service: "svc" });
  assert.equal(await b.get("absent"), null);
  assert.equal(await b.delete("absent"), false);
  assert.deepEqual(await b.list([]), []);
  assert.equal((await b.probe()).ok, true);
  assert.deepEqual(calls.filter((c) => c.startsWith("set")), [], "no write on any of them");

  // when the read-only checks cannot tell, only the explicit probe writes, under the reserved name
  const unsure = keyringBackend({
    id: "fake",
    label: "Fake",
    classify: () => ({ status: "unavailable", message: "x" }),
    module: () => Promise.resolve(fake),
  }, { service: "svc" });
  calls.length = 0;
  await unsure.get("absent");
  await unsure.list([]);
  assert.deepEqual(calls.filter((c) => c.startsWith("set")), []);
  await unsure.probe();
  assert.deepEqual(calls.filter((c) => c.startsWith("set")), ["set mcp-nexus:health/probe"]);

  // a locked store is reported from the read-only state, not from a write
  const locked = keyringBackend({
    id: "fake",
    label: "Fake",
    classify: () => ({ status: "unavailable", message: "x" }),
    readOnlyState: () => Promise.resolve({ status: "locked", message: "The keyring is locked." }),
    module: () => Promise.resolve(fake),
  }, { service: "svc" });
  await assert.rejects(() => locked.get("absent"), /locked/);
  assert.equal((await locked.probe()).status, "locked");
});

Deno.test({
  name:
    "CR/LF and control characters in header and env values are refused by server add, import and the registry",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const add = await sb.run([
        "server",
        "add",
        "h",
        "--url",
        "https://x.example/mcp",
        "--header",
        "X-A=v\r\nX-Evil: 1",
      ]);
      assert.equal(add.code, 2);
      assert.match(add.stderr, /headers\.X-A: .*control characters/);
      const env = await sb.run(["server", "add", "e", "--env", "A=x\x1b]0;t\x07", "--", "echo"]);
      assert.equal(env.code, 2);
      assert.match(env.stderr, /env\.A: .*control characters/);
      await write(sb, ".cursor/mcp.json", {
        mcpServers: { bad: { url: "https://x.example/mcp", headers: { "X-A": "v\nX-Evil: 1" } } },
      });
      const imp = await sb.json<{ added: string[]; conflicts: Array<{ reason: string }> }>([
        "import",
        "--client",
        "cursor",
      ]);
      assert.deepEqual(imp.data.added, []);
      assert.match(imp.data.conflicts[0].reason, /control characters/);
      await Deno.mkdir(sb.nexusHome, { recursive: true });
      await Deno.writeTextFile(
        join(sb.nexusHome, "registry.json"),
        JSON.stringify({
          version: 1,
          servers: { r: { transport: "stdio", command: "x", env: { A: "1\n2" } } },
        }),
      );
      const list = await sb.run(["server", "list"]);
      assert.notEqual(list.code, 0);
      assert.match(list.stderr, /servers\.r\.env\.A: .*control characters/);
    }),
});

Deno.test({
  name: "names and values from a client file are printed without their terminal control sequences",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const esc = "\u001b]0;pwned\u0007\u001b[2J\u001b[1A\u001b]8;;https://evil.example\u001b\\";
      await write(sb, ".cursor/mcp.json", {
        mcpServers: {
          [`evil${esc}`]: { command: "npx", args: [`x${esc}`], env: { GITHUB_TOKEN: GH } },
          plain: { command: `npx${esc}`, args: [`--title=${esc}`] },
        },
      });
      const runs = [
        await sb.run(["import", "--client", "cursor"]),
        await sb.run(["server", "list"]),
        await sb.run(["server", "show", "plain"]),
        await sb.run(["doctor"]),
        await sb.run(["sync", "--dry-run", "--client", "cursor"]),
      ];
      const all = runs.map((r) => r.stdout + r.stderr).join("\n");
      assert.match(all, /evil/, "the hostile entries were printed");
      assert.match(all, /npx/);
      // deno-lint-ignore no-control-regex
      assert.deepEqual(all.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g) ?? [], [], JSON.stringify(all));
    }),
});

Deno.test({
  name:
    "the real Secret Service sees no item created by read paths, and a locked keyring is told apart read-only",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      const cli = cliCommand().map((a) => `'${a}'`).join(" ");
      const out = await new Deno.Command("dbus-run-session", {
        args: [
          "--",
          "bash",
          "-c",
          `${START_PRIVATE_KEYRING}
           dbus-monitor --session "type='method_call',interface='org.freedesktop.Secret.Collection'" \
             "type='method_call',interface='org.freedesktop.Secret.Item'" > "$HOME/monitor.log" 2>&1 &
           MON=$!; sleep 0.5
           ${cli} secret exists absent-one; echo "exists=$?"
           ${cli} secret get absent-one >/dev/null 2>&1; echo "get=$?"
           ${cli} secret list >/dev/null; echo "list=$?"
           ${cli} secret backends >/dev/null; echo "backends=$?"
           ${cli} doctor >/dev/null 2>&1; echo "doctor=$?"
           sleep 0.5; kill $MON
           echo "writes=$(grep -cE 'member=(CreateItem|Delete|SetSecret)' "$HOME/monitor.log")"
           dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
             org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
           ${cli} secret exists absent-one 2>&1; echo "locked-exists=$?"
           ${cli} secret backends 2>&1; echo "locked-backends=$?"`,
        ],
        env: sb.env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      for (
        const want of [
          "exists=3",
          "get=3",
          "list=0",
          "backends=0",
          "writes=0",
          "locked-exists=4",
          "locked-backends=4",
        ]
      ) {
        assert.ok(text.includes(want), `${want}\n${text}\n${new TextDecoder().decode(out.stderr)}`);
      }
      assert.match(text, /keyring is locked/);
    }),
});

Deno.test({
  name: "doctor names files other users can read (ours, and client files holding secrets) with the chmod fix",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      expectCode(await sb.run(["server", "add", "e", "--", "echo"]), 0);
      await Deno.chmod(join(sb.nexusHome, "registry.json"), 0o644);
      await write(sb, ".cursor/mcp.json", {
        mcpServers: { gh: { command: "x", env: { GITHUB_TOKEN: GH } } },
      });
      await Deno.chmod(join(sb.home, ".cursor/mcp.json"), 0o644);
      const d = await sb.json<{ findings: Array<{ check: string; level: string; fix?: string }> }>([
        "doctor",
      ]);
      const modes = d.data.findings.filter((f) => f.check === "mode" && f.level === "error").map((f) =>
        f.fix
      );
      assert.ok(modes.includes(`chmod 600 '${join(sb.nexusHome, "registry.json")}'`), JSON.stringify(modes));
      assert.ok(modes.includes(`chmod 600 '${join(sb.home, ".cursor/mcp.json")}'`), JSON.stringify(modes));
    }),
});

Deno.test("a poisoned marketplace answer is printed without its terminal control sequences", async () => {
  const { withMarket, REGISTRY_FIXTURE, PULSE_FIXTURE } = await import("./fixtures/marketplace/fake.ts");
  await withMarket(async (sb, fake) => {
    const esc = "\u001b]0;pwned\u0007\u001b[2J\u001b]52;c;ZWNobyBwd25lZA==\u0007\u009b1A\u202e";
    const reg = structuredClone(REGISTRY_FIXTURE) as { servers: Array<{ server: Record<string, unknown> }> };
    for (const s of reg.servers) {
      s.server.description = `evil ${esc} description`;
      s.server.title = `T${esc}`;
    }
    const pulse = structuredClone(PULSE_FIXTURE) as { servers: Array<Record<string, unknown>> };
    for (const s of pulse.servers) s.short_description = `pulse ${esc} text`;
    fake.fail("registry", { status: 200, body: JSON.stringify(reg) });
    fake.fail("pulse", { status: 200, body: JSON.stringify(pulse) });
    const search = await sb.run(["search", "brave"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } });
    const show = await sb.run(["show", "io.modelcontextprotocol.anonymous/brave-search"], {
      env: { NO_COLOR: undefined, FORCE_COLOR: "1" },
    });
    const all = search.stdout + search.stderr + show.stdout + show.stderr;
    assert.match(all, /evil/, "the poisoned text was printed");
    const ours = new RegExp(String.raw`\x1b\[(0|1|2|22|31|32|33|36|39)m`, "g");
    const controls = all.replace(ours, "").match(
      new RegExp(String.raw`[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]`, "g"),
    );
    assert.deepEqual(controls ?? [], [], JSON.stringify(all));
  });
});

Deno.test({
  name: "doctor reports plaintext secrets in a hand-edited or shared registry, and references that reach ps",
  ...linux,
  fn: () =>
    withSandbox(async (sb) => {
      await Deno.mkdir(sb.nexusHome, { recursive: true });
      await Deno.writeTextFile(
        join(sb.nexusHome, "registry.json"),
        JSON.stringify({
          version: 1,
          servers: {
            shared: {
              transport: "stdio",
              command: "echo",
              args: ["-e", `GITHUB_TOKEN=${GH}`],
              env: { DB: `mysql://r:${PW}@h/x` },
            },
            argref: { transport: "stdio", command: "echo", args: ["--api-key", "${keychain:k}"] },
          },
        }),
      );
      const d = await sb.json<{ findings: Array<{ check: string; message: string; fix?: string }> }>([
        "doctor",
      ]);
      const text = JSON.stringify(d.data);
      assert.ok(!text.includes(GH) && !text.includes(PW), "no value printed");
      const plain = d.data.findings.find((f) => f.check === "plaintext" && /'shared'/.test(f.message));
      assert.match(plain?.message ?? "", /env\.DB, args\[1\]/);
      const ref = d.data.findings.find((f) =>
        f.check === "reference" && /'argref'.*command line/.test(f.message)
      );
      assert.equal(ref?.fix, "mcp-nexus server add argref --replace --env 'API_KEY=${keychain:k}' -- echo");
    }),
});
