/**
 * `install` end to end against the fake marketplaces and the real Secret Service: entries built from
 * the metadata (npm, PyPI, OCI, remote; arguments as declared), secrets typed at a hidden prompt or
 * piped as KEY=VALUE lines stored in the keychain and referenced, never written to the registry,
 * the cache or any output (a canary), and non-interactive runs that fail clearly on what is missing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, recorder, type Sandbox, walkFiles } from "./helpers.ts";
import { withMarket } from "./fixtures/marketplace/fake.ts";
import { HAS_SCRIPT, onTty } from "./fixtures/marketplace/tty.ts";

const BRAVE = "io.modelcontextprotocol.anonymous/brave-search";
const linux = { ignore: Deno.build.os !== "linux" };

// deno-lint-ignore no-explicit-any
type Json = any;

async function registry(sb: Sandbox): Promise<Json> {
  try {
    return JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "registry.json")));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { servers: {} };
    throw err;
  }
}

async function keychain(sb: Sandbox, name: string): Promise<string | null> {
  const { Entry } = await import("@napi-rs/keyring");
  return new Entry(sb.service, name, { linux: { store: "secret-service" } }).getPassword() ?? null;
}

async function keychainNames(sb: Sandbox): Promise<string[]> {
  const { findCredentials } = await import("@napi-rs/keyring");
  return findCredentials(sb.service).map((c) => c.account).sort();
}

Deno.test({
  name: "secrets piped at install go to the keychain; the canary is in no file and no output",
  ...linux,
  fn: () =>
    withMarket(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const canary = `canary-${crypto.randomUUID()}`;
      const { run, seen } = recorder(sb, canary);

      const inst = await run(["install", BRAVE, "--as", "brave", "--json"], `BRAVE_API_KEY=${canary}\n`);
      expectCode(inst, 0);
      const out = JSON.parse(inst.stdout);
      assert.equal(out.next, "mcp-nexus sync");
      assert.deepEqual(out.secrets, [{
        key: "BRAVE_API_KEY",
        secret: "brave.brave-api-key",
        status: "stored",
      }]);
      assert.equal(await keychain(sb, "brave.brave-api-key"), canary, "the value typed is in the keychain");

      const brave = (await registry(sb)).servers.brave;
      assert.equal(brave.command, "npx");
      assert.deepEqual(brave.args, ["-y", "@modelcontextprotocol/server-brave-search@1.0.2"]);
      assert.deepEqual(brave.env, { BRAVE_API_KEY: "${keychain:brave.brave-api-key}" });
      assert.deepEqual(brave.source, {
        type: "npm",
        package: "@modelcontextprotocol/server-brave-search",
        version: "1.0.2",
        registry: "registry",
        id: BRAVE,
      });

      // a secret inside a header template, and a URL variable
      const tenant = await run(
        ["install", "com.example/tenant-remote", "--env", "tenant=acme"],
        `# comments and blank lines are fine\n\ntoken=${canary}\r\n`,
      );
      expectCode(tenant, 0);
      assert.match(
        tenant.stdout,
        /Installed 'tenant-remote' from the MCP Registry \(remote\): https:\/\/acme\.example\.com\/mcp/,
      );
      assert.match(
        tenant.stdout,
        /header Authorization variable \{token\} → \$\{keychain:tenant-remote\.token\} \(stored in/,
      );
      assert.match(tenant.stdout, /Next: mcp-nexus sync/);
      const t = (await registry(sb)).servers["tenant-remote"];
      assert.deepEqual([t.transport, t.url, t.headers], [
        "http",
        "https://acme.example.com/mcp",
        { Authorization: "Bearer ${keychain:tenant-remote.token}" },
      ]);
      assert.equal(await keychain(sb, "tenant-remote.token"), canary, "CRLF line endings are trimmed");

      // refusals must not echo the value either
      expectCode(await run(["install", BRAVE, "--as", "b2"], `NOT_A_KEY=${canary}\n`), 2);
      expectCode(await run(["install", BRAVE, "--as", "b3"], `${canary}\n`), 2);
      expectCode(await run(["install", BRAVE, "--as", "b4", "--env", `BRAVE_API_KEY=${canary}`]), 2);
      expectCode(await run(["install", "06ketan-slideshot", "--env", `API_TOKEN=${canary}`]), 2);

      for (
        const args of [
          ["search", "brave"],
          ["search", "brave", "--json"],
          ["show", BRAVE],
          ["show", "com.example/tenant-remote", "--json"],
          ["server", "list"],
          ["server", "show", "brave", "--json"],
          ["server", "show", "tenant-remote"],
          ["outdated", "--json"],
          ["secret", "list"],
        ]
      ) await run(args);
      expectCode(await run(["install", BRAVE, "--as", "brave", "--replace"], `BRAVE_API_KEY=${canary}`), 0);

      const files = await walkFiles(sb.home);
      assert.ok(files.some((f) => f.includes(join("cache", "marketplace"))), "the cache was written");
      for (const f of files) {
        assert.ok(!(await Deno.readTextFile(f)).includes(canary), `the canary leaked into ${f}`);
      }
      for (const s of seen) assert.ok(!s.includes(canary), `the canary leaked into output:\n${s}`);
      assert.deepEqual(await keychainNames(sb), ["brave.brave-api-key", "tenant-remote.token"]);
    }),
});

Deno.test({
  name: "on a terminal, install asks for each value, secrets with echo off, and stores what was typed",
  ignore: Deno.build.os !== "linux" || !HAS_SCRIPT,
  fn: () =>
    withMarket(async (sb) => {
      const typed = `typed-${crypto.randomUUID()}`;
      const child = onTty(sb, ["install", "com.example/tenant-remote", "--client", "cursor"], "piped")
        .spawn();
      const reader = child.stdout.getReader();
      const writer = child.stdin.getWriter();
      const dec = new TextDecoder();
      let screen = "";
      const waitFor = async (text: string) => {
        while (!screen.includes(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`no prompt ${JSON.stringify(text)} in:\n${screen}`);
          screen += dec.decode(value);
        }
      };
      await waitFor("the URL variable {tenant} (Your tenant): ");
      await writer.write(new TextEncoder().encode("acme\r"));
      await waitFor("(hidden): ");
      await writer.write(new TextEncoder().encode(typed + "\r"));
      // install offers to sync; sync shows its diff and asks again before writing
      await waitFor("Sync 'tenant-remote' to your AI clients now? [y/N] ");
      await writer.write(new TextEncoder().encode("y\r"));
      await waitFor("Apply these changes? [y/N] ");
      assert.match(screen, /\+ tenant-remote:/);
      await writer.write(new TextEncoder().encode("y\r"));
      await writer.close();
      for (let r = await reader.read(); !r.done; r = await reader.read()) screen += dec.decode(r.value);
      screen += await new Response(child.stderr).text();
      const status = await child.status;
      assert.equal(status.code, 0, screen);
      assert.match(screen, /header Authorization variable \{token\} \(Your API token\), secret \(hidden\): /);
      assert.ok(!screen.includes(typed), `the secret was echoed:\n${screen}`);
      assert.match(screen, /Installed 'tenant-remote'/);
      const t = (await registry(sb)).servers["tenant-remote"];
      assert.equal(t.url, "https://acme.example.com/mcp");
      assert.deepEqual(t.clients, ["cursor"]);
      assert.equal(await keychain(sb, "tenant-remote.token"), typed);
      const cursor = JSON.parse(await Deno.readTextFile(`${sb.home}/.cursor/mcp.json`));
      // a remote server with a keychain header reaches Cursor through the launcher's bridge
      const entry = cursor.mcpServers["tenant-remote"];
      assert.equal(entry.url, undefined);
      assert.deepEqual(entry.args.slice(-2), ["run", "tenant-remote"]);
      assert.ok(!JSON.stringify(cursor).includes(typed), "the secret is not in the file");
    }),
});

Deno.test({
  name: "non-interactive install fails with exit 2 naming what is missing and how to pass it",
  ...linux,
  fn: () =>
    withMarket(async (sb, fake) => {
      const miss = expectCode(await sb.run(["install", BRAVE]), 2);
      assert.match(
        miss.stderr,
        /error: Cannot install 'brave-search': missing BRAVE_API_KEY \(env BRAVE_API_KEY, secret\)\. Nothing was installed\./,
      );
      assert.match(
        miss.stderr,
        /fix: .*printf 'BRAVE_API_KEY=%s\\n' "\$BRAVE_API_KEY" \| mcp-nexus install io\.modelcontextprotocol\.anonymous\/brave-search/,
      );
      const j = await sb.json<Json>(["install", "io.github.example/weather-py"]);
      assert.equal(j.code, 2);
      assert.equal(j.data.error.code, "E_MISSING_INPUT");
      assert.deepEqual(j.data.error.details.missing, [
        { key: "WEATHER_UNITS", where: "env WEATHER_UNITS", secret: false },
      ]);
      assert.match(j.data.error.hint, /--env WEATHER_UNITS=VALUE/);

      const choice = expectCode(
        await sb.run(["install", "io.github.example/weather-py", "--env", "WEATHER_UNITS=kelvin"]),
        2,
      );
      assert.match(choice.stderr, /WEATHER_UNITS \(env WEATHER_UNITS\) must be one of metric, imperial/);
      const argv = expectCode(await sb.run(["install", BRAVE, "--env", "BRAVE_API_KEY=abc"]), 2);
      assert.match(
        argv.stderr,
        /BRAVE_API_KEY is a secret: mcp-nexus never takes secret values from the command line/,
      );
      const unknown = expectCode(await sb.run(["install", BRAVE], { stdin: "BRAVE_KEY=abc\n" }), 2);
      assert.match(unknown.stderr, /stdin names BRAVE_KEY, which '.*brave-search' does not take/);
      assert.match(unknown.stderr, /It takes: BRAVE_API_KEY/);
      const use = expectCode(await sb.run(["install", BRAVE, "--use", "oci"]), 2);
      assert.match(use.stderr, /has no oci package to install/);
      const plain = expectCode(
        await sb.run(["install", "06ketan-slideshot", "--env", "SLIDES_TOKEN=sk-abcdefghijklmnopqrstuvwx"]),
        2,
      );
      assert.match(plain.stderr, /--env SLIDES_TOKEN: the value looks like a secret/);
      assert.match(plain.stderr, /--secret SLIDES_TOKEN/);

      assert.deepEqual((await registry(sb)).servers, {}, "nothing was installed");
      assert.deepEqual(await keychainNames(sb), [], "nothing was stored");

      // an existing name is refused before anything is asked or fetched
      expectCode(await sb.run(["server", "add", "brave", "--", "echo"]), 0);
      const before = fake.count();
      const exists = expectCode(
        await sb.run(["install", BRAVE, "--as", "brave"], { stdin: "BRAVE_API_KEY=x\n" }),
        2,
      );
      assert.match(exists.stderr, /A server named 'brave' already exists/);
      assert.equal(fake.count(), before);
      assert.equal((await registry(sb)).servers.brave.command, "echo");
    }),
});

Deno.test({
  name: "PyPI, OCI, remote and PulseMCP entries are built as declared: argument vectors, no shell",
  ...linux,
  fn: () =>
    withMarket(async (sb, fake) => {
      const w = await sb.json<Json>([
        "install",
        "io.github.example/weather-py",
        "--env",
        "WEATHER_UNITS=metric",
      ]);
      assert.equal(w.code, 0, JSON.stringify(w.data));
      assert.deepEqual(w.data.secrets, [], "an optional secret not given is left out");
      const reg1 = (await registry(sb)).servers;
      assert.deepEqual(
        [reg1["weather-py"].command, reg1["weather-py"].args, reg1["weather-py"].env],
        ["uvx", ["mcp-weather==0.4.0"], { WEATHER_UNITS: "metric" }],
      );

      const dir = "/srv/data with spaces; rm -rf ~";
      expectCode(
        await sb.run([
          "install",
          "io.github.example/files-oci",
          "--env",
          `source_path=${dir}`,
          "--client",
          "cursor",
        ]),
        0,
      );
      const oci = (await registry(sb)).servers["files-oci"];
      assert.equal(oci.command, "docker");
      assert.deepEqual(oci.args, [
        "run",
        "-i",
        "--rm",
        "--mount",
        `type=bind,src=${dir},dst=/project`,
        "-e",
        "LOG_LEVEL",
        "docker.io/mcp/filesystem:1.0.2",
        "/project",
      ]);
      assert.deepEqual(oci.env, { LOG_LEVEL: "info" });
      assert.deepEqual(oci.clients, ["cursor"]);

      expectCode(
        await sb.run(["install", "io.modelcontextprotocol.anonymous/hybrid-mcp", "--env", "mode=cached"]),
        0,
      );
      assert.deepEqual((await registry(sb)).servers["hybrid-mcp"].args, [
        "-y",
        "@example/hybrid-mcp-server@1.5.0",
        "--mode",
        "cached",
      ]);
      const remote = await sb.json<Json>(
        [
          "install",
          "io.modelcontextprotocol.anonymous/hybrid-mcp",
          "--use",
          "remote",
          "--as",
          "hybrid-remote",
        ],
        { stdin: "X-API-Key=key-value-1\n" },
      );
      assert.equal(remote.code, 0, JSON.stringify(remote.data));
      assert.deepEqual(remote.data.server.headers, { "X-API-Key": "${keychain:hybrid-remote.x-api-key}" });
      assert.equal(await keychain(sb, "hybrid-remote.x-api-key"), "key-value-1");

      // PulseMCP lists no version (pinned from npm) and no env vars (--secret names one)
      const npmBefore = fake.count("npm");
      const slides = await sb.json<Json>(
        [
          "install",
          "06ketan-slideshot",
          "--as",
          "slides",
          "--secret",
          "SLIDESHOT_TOKEN",
          "--env",
          "THEME=dark",
        ],
        { stdin: "SLIDESHOT_TOKEN=slides-secret-1\n" },
      );
      assert.equal(slides.code, 0, JSON.stringify(slides.data));
      assert.equal(fake.count("npm"), npmBefore + 1);
      assert.deepEqual(slides.data.server.args, ["-y", "slideshot@0.3.1"]);
      assert.deepEqual(slides.data.server.env, {
        SLIDESHOT_TOKEN: "${keychain:slides.slideshot-token}",
        THEME: "dark",
      });
      assert.deepEqual(slides.data.server.source, {
        type: "npm",
        package: "slideshot",
        version: "0.3.1",
        registry: "pulsemcp",
        id: "06ketan-slideshot",
      });
      const x711 = await sb.json<Json>(["install", "x711", "--secret", "Authorization"], {
        stdin: "Authorization=Bearer x711-secret-1\n",
      });
      assert.equal(x711.code, 0, JSON.stringify(x711.data));
      assert.equal(x711.data.name, "0580iris-lang-x711");
      assert.deepEqual([x711.data.server.url, x711.data.server.headers], [
        "https://x711.io/mcp",
        { Authorization: "${keychain:0580iris-lang-x711.authorization}" },
      ]);
      assert.equal(await keychain(sb, "0580iris-lang-x711.authorization"), "Bearer x711-secret-1");
    }),
});

Deno.test({
  name: "re-installing with --replace keeps a stored secret, or updates it when a new one is given",
  ...linux,
  fn: () =>
    withMarket(async (sb) => {
      expectCode(
        await sb.run(["install", BRAVE, "--as", "brave"], { stdin: "BRAVE_API_KEY=first-value\n" }),
        0,
      );
      const kept = await sb.json<Json>(["install", BRAVE, "--as", "brave", "--replace"]);
      assert.equal(kept.code, 0, JSON.stringify(kept.data));
      assert.deepEqual(kept.data.secrets, [{
        key: "BRAVE_API_KEY",
        secret: "brave.brave-api-key",
        status: "kept",
      }]);
      assert.equal(kept.data.replaced, true);
      assert.equal(await keychain(sb, "brave.brave-api-key"), "first-value");
      const upd = await sb.json<Json>(["install", BRAVE, "--as", "brave", "--replace"], {
        stdin: "BRAVE_API_KEY=second-value\n",
      });
      assert.equal(upd.data.secrets[0].status, "updated");
      assert.equal(await keychain(sb, "brave.brave-api-key"), "second-value");
    }),
});
