/**
 * Proof with real clients, installed from npm by scripts/test-deps.sh (versions pinned there, and
 * named in each test): after `mcp-nexus sync`, each client's OWN health check starts the synced
 * servers through our launcher.
 *
 * - `everything` starts only if the launcher put the right keychain secret in its environment (a
 *   guard compares a hash, then execs server-everything); `wrong-secret` is the same guard fed
 *   another secret: it must fail, so a client that only lists servers cannot pass.
 * - `remote` is server-everything over streamable HTTP behind a gate that lets through only
 *   `Bearer <remote secret>` (tests/fixtures/gated_everything.ts); the client gets the header either
 *   from its own `${VAR}` interpolation or through the launcher bridge (remote_secrets.ts decides);
 *   `remote-wrong` carries another secret and must not connect.
 * - Clients with no command that starts servers (Continue, Cline, Copilot CLI) are proven by a
 *   headless agent run against a fake OpenAI-compatible model on 127.0.0.1, which records the tools
 *   it is offered: a server's tools are offered only once the client started it.
 * - Each client's file starts with handmade content (comments, settings, a server of the user's),
 *   which must still be there after sync.
 * - No file under the temp HOME (configs, the clients' logs and caches) holds the secret.
 *
 * Clients scrub the environment they give servers (Codex keeps ~8 variables), so the tests use the
 * default registry path and keychain service name, as a user has them; the keychain is the private
 * test Secret Service `deno task test` starts (never the user's own), and the test removes its items.
 * A client that cannot be proven here is a visible ignored test whose name says why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { expectCode, HAS_SECRET_SERVICE, REPO, type Sandbox, walkFiles, withSandbox } from "./helpers.ts";
import { startGatedEverything } from "./fixtures/gated_everything.ts";
import { startFakeModel } from "./fixtures/fake_model.ts";
import { REMOTE_SECRETS } from "../src/plugins/clients/remote_secrets.ts";

const BIN = join(REPO, ".test-deps", "node_modules", ".bin");
const EVERYTHING = join(BIN, "mcp-server-everything");
const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
const LINUX = Deno.build.os === "linux";
const ANSI = new RegExp(String.raw`\x1b\[[0-9;?]*[A-Za-z]`, "g");

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Runs a real client's CLI (no stdin, a time limit); returns stdout+stderr without colours. It runs
 * in its own process group (setsid), which is killed afterwards: a client that leaves servers or
 * helpers behind (holding our pipes) cannot hang the suite.
 */
async function runClient(
  sb: Sandbox,
  env: Record<string, string>,
  bin: string,
  args: string[],
  timeoutMs = 90_000,
): Promise<string> {
  const child = new Deno.Command("setsid", {
    args: [join(BIN, bin), ...args],
    env,
    clearEnv: true,
    cwd: sb.home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killGroup = () => {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // the group is gone
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  const reading = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.status;
  clearTimeout(timer);
  killGroup(); // what it left running would hold the pipes open
  const [out, err] = await reading;
  const text = (out + err).replace(ANSI, "");
  return timedOut ? `${text}\n[${bin} ${args.join(" ")}: killed after ${timeoutMs / 1000}s]` : text;
}

interface Probe {
  output: string;
  connected(name: string): boolean;
  failed(name: string): boolean;
}

/** A client's status lines: `ok` and `bad` build the pattern for one server's line. */
function lines(output: string, ok: (n: string) => string, bad: (n: string) => string): Probe {
  const has = (re: string) => new RegExp(re, "m").test(output);
  return { output, connected: (n) => has(ok(n)), failed: (n) => has(bad(n)) };
}

/**
 * Codex: `codex mcp list` never starts a server; `codex app-server` (JSON-RPC over stdio) starts
 * every configured server and reports each one in `mcpServerStatus/list`, with no API key.
 */
async function codexAppServer(sb: Sandbox, env: Record<string, string>, names: string[]): Promise<Probe> {
  const child = new Deno.Command("setsid", {
    args: [join(BIN, "codex"), "app-server"],
    env,
    clearEnv: true,
    cwd: sb.home,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const send = (msg: Record<string, unknown>) =>
    writer.write(new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", ...msg }) + "\n"));
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let log = "";
  const next = async (id: number): Promise<Record<string, unknown>> => {
    for (;;) {
      const nl = buffered.indexOf("\n");
      if (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log += line + "\n";
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.id === id) return msg;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`codex app-server ended:\n${log}\n${await stderr}`);
      buffered += value;
    }
  };
  type Status = { name: string; serverInfo: unknown; toolsError: string | null };
  let data: Status[] = [];
  const deadline = Date.now() + 90_000;
  const timer = setTimeout(() => Deno.kill(-child.pid, "SIGKILL"), 100_000); // a hung app-server ends the read
  try {
    await send({
      id: 1,
      method: "initialize",
      params: { clientInfo: { name: "mcp-nexus-e2e", version: "1" } },
    });
    await next(1);
    await send({ method: "initialized" });
    // servers start in the background: ask until each one has connected or failed
    for (let id = 2;; id++) {
      if (id > 2) await new Promise((r) => setTimeout(r, 500));
      await send({ id, method: "mcpServerStatus/list", params: {} });
      data = ((await next(id)).result as { data?: Status[] })?.data ?? [];
      const settled = names.every((n) => data.some((s) => s.name === n && (s.serverInfo || s.toolsError)));
      if (settled || Date.now() > deadline) break;
    }
  } finally {
    clearTimeout(timer);
    await writer.close().catch(() => {});
    try {
      Deno.kill(-child.pid, "SIGKILL"); // app-server and the servers it started (own process group)
    } catch {
      // already gone
    }
    await child.status;
    await reader.cancel().catch(() => {});
  }
  const by = (n: string) => data.find((s) => s.name === n);
  return {
    output: JSON.stringify(data, null, 1),
    connected: (n) => Boolean(by(n)?.serverInfo) && !by(n)?.toolsError,
    failed: (n) => Boolean(by(n)?.toolsError) && !by(n)?.serverInfo,
  };
}

interface ClientCase {
  /** mcp-nexus client id */
  id: string;
  /** npm package and the version pinned in scripts/test-deps.sh */
  pkg: string;
  bin: string;
  /** Handmade files written before sync (path relative to HOME → text). */
  seed: (home: string) => Record<string, string>;
  /** The client's config file (relative to HOME) and what of the handmade content must remain. */
  file: string;
  kept: (text: string) => void;
  extraEnv?: Record<string, string>;
  /**
   * "runtime-dir": the client gets no DBUS_SESSION_BUS_ADDRESS, only XDG_RUNTIME_DIR with the bus
   * socket at $XDG_RUNTIME_DIR/bus, as in a desktop session (the launcher must find it there).
   */
  bus?: "runtime-dir";
  /** Why the remote servers cannot be proven in this client yet (a visible ignored test says so). */
  remoteBroken?: string;
  /** Runs the client's own check of its servers (`names`: the servers synced). */
  probe: (sb: Sandbox, env: Record<string, string>, names: string[]) => Promise<Probe>;
}

const THEIRS = { command: "true", args: [] as string[] };

/** A JSON (with comments) client file: the handmade key, comment and server are kept. */
function jsonSeed(serversKey: string, theirs: unknown, extra: string, comment = true) {
  const mine = comment ? "  // mine, keep\n" : "";
  return `{\n${mine}  ${extra},\n  "${serversKey}": { "theirs": ${JSON.stringify(theirs)} }\n}\n`;
}
function jsonKept(serversKey: string, check: (doc: Record<string, unknown>) => void, comment = true) {
  return (text: string) => {
    if (comment) assert.ok(text.includes("// mine, keep"), text);
    const doc = parseJsonc(text) as Record<string, unknown>;
    check(doc);
    const servers = doc[serversKey] as Record<string, unknown>;
    assert.ok(servers.theirs, `the user's own server is gone:\n${text}`);
    assert.ok(servers.everything && servers["wrong-secret"], text);
  };
}

const CASES: ClientCase[] = [
  {
    id: "claude-code",
    pkg: "@anthropic-ai/claude-code@2.1.328",
    bin: "claude",
    file: ".claude.json",
    seed: () => ({
      ".claude.json": JSON.stringify(
        { numStartups: 5, theme: "light", mcpServers: { theirs: { type: "stdio", ...THEIRS } } },
        null,
        2,
      ),
    }),
    kept: jsonKept("mcpServers", (d) => assert.equal(d.theme, "light"), false),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "claude", ["mcp", "list"]),
        (n) => `^${n}: .*✔ Connected`,
        (n) => `^${n}: .*(✗|✘) Failed`,
      ),
  },
  {
    id: "codex",
    pkg: "@openai/codex@0.169.0",
    bin: "codex",
    file: ".codex/config.toml",
    seed: () => ({
      ".codex/config.toml": '# my codex\nmodel = "gpt-5-codex"\n\n[mcp_servers.theirs]\ncommand = "true"\n',
    }),
    kept: (text) => {
      assert.ok(
        text.startsWith('# my codex\nmodel = "gpt-5-codex"\n\n[mcp_servers.theirs]\ncommand = "true"\n'),
      );
      assert.match(text, /\[mcp_servers\.everything\]/);
    },
    probe: (sb, env, names) => codexAppServer(sb, env, names),
  },
  {
    id: "codex",
    pkg: "@openai/codex@0.169.0",
    bin: "codex",
    file: ".codex/config.toml",
    seed: () => ({ ".codex/config.toml": '# my codex\nmodel = "gpt-5-codex"\n' }),
    kept: (text) => assert.ok(text.startsWith('# my codex\nmodel = "gpt-5-codex"\n'), text),
    bus: "runtime-dir",
    probe: (sb, env, names) => codexAppServer(sb, env, names),
  },
  {
    id: "gemini-cli",
    pkg: "@google/gemini-cli@0.61.0",
    bin: "gemini",
    file: ".gemini/settings.json",
    seed: (home) => ({
      ".gemini/settings.json": jsonSeed("mcpServers", THEIRS, '"ui": { "theme": "GitHub" }'),
      // Gemini starts no server in an untrusted folder (the user trusts it once)
      ".gemini/trustedFolders.json": JSON.stringify({ [home]: "TRUST_FOLDER" }),
    }),
    kept: jsonKept("mcpServers", (d) => assert.deepEqual(d.ui, { theme: "GitHub" })),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "gemini", ["mcp", "list"]),
        (n) => `^✓ ${n}: .* - Connected`,
        (n) => `^✗ ${n}: .* - Disconnected`,
      ),
  },
  {
    id: "qwen-code",
    pkg: "@qwen-code/qwen-code@0.24.4",
    bin: "qwen",
    file: ".qwen/settings.json",
    seed: () => ({ ".qwen/settings.json": jsonSeed("mcpServers", THEIRS, '"general": { "vimMode": true }') }),
    kept: jsonKept("mcpServers", (d) => assert.deepEqual(d.general, { vimMode: true })),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "qwen", ["mcp", "list"]),
        (n) => `^✓ ${n}: .* - Connected`,
        (n) => `^✗ ${n}: .* - Disconnected`,
      ),
  },
  {
    id: "qoder",
    pkg: "@qoder-ai/qodercli@1.1.52",
    bin: "qodercli",
    file: ".qoder/settings.json",
    // plain JSON (the adapter refuses to rewrite a file with comments)
    seed: () => ({ ".qoder/settings.json": jsonSeed("mcpServers", THEIRS, '"theme": "dark"', false) }),
    kept: jsonKept("mcpServers", (d) => assert.equal(d.theme, "dark"), false),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "qodercli", ["mcp", "list"]),
        (n) => `^✓ ${n}: .* - Connected`,
        (n) => `^✗ ${n}: .* - Disconnected`,
      ),
  },
  {
    id: "opencode",
    pkg: "opencode-ai@1.18.33",
    bin: "opencode",
    file: ".config/opencode/opencode.json",
    seed: () => ({
      ".config/opencode/opencode.json": jsonSeed(
        "mcp",
        { type: "local", command: ["true"] },
        '"$schema": "https://opencode.ai/config.json", "theme": "tokyonight"',
      ),
    }),
    kept: jsonKept("mcp", (d) => assert.equal(d.theme, "tokyonight")),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "opencode", ["mcp", "list"]),
        (n) => `✓ ${n} +connected`,
        (n) => `✗ ${n} +failed`,
      ),
  },
  {
    id: "kilo",
    pkg: "@kilocode/cli@7.7.7",
    bin: "kilo",
    file: ".config/kilo/kilo.json",
    seed: () => ({
      ".config/kilo/kilo.json": jsonSeed("mcp", { type: "local", command: ["true"] }, '"theme": "kilo"'),
    }),
    kept: jsonKept("mcp", (d) => assert.equal(d.theme, "kilo")),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "kilo", ["mcp", "list"]),
        (n) => `✓ ${n} +connected`,
        (n) => `✗ ${n} +failed`,
      ),
  },
  {
    id: "amp",
    pkg: "@ampcode/cli@0.0.1790142911-g7618fb",
    bin: "amp",
    file: ".config/amp/settings.json",
    seed: () => ({
      ".config/amp/settings.json": jsonSeed("amp.mcpServers", THEIRS, '"amp.notifications.enabled": false'),
    }),
    kept: jsonKept("amp.mcpServers", (d) => assert.equal(d["amp.notifications.enabled"], false)),
    // any key: `mcp doctor` talks to no model (without one, Amp starts a browser login instead)
    extraEnv: { AMP_API_KEY: "e2e-not-a-real-key" },
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "amp", ["mcp", "doctor"]),
        (n) => `^${n} \\(user settings\\): connected`,
        (n) => `^${n} \\(user settings\\): error`,
      ),
  },
  {
    id: "factory-droid",
    pkg: "@factory/cli@0.225.1",
    bin: "droid",
    file: ".factory/mcp.json",
    seed: () => ({
      ".factory/mcp.json": JSON.stringify({ mcpServers: { theirs: { type: "stdio", ...THEIRS } } }, null, 2),
    }),
    kept: jsonKept("mcpServers", () => {}, false),
    probe: async (sb, env) =>
      lines(
        await runClient(sb, env, "droid", ["mcp", "list"]),
        (n) => `^ +${n} +stdio +connected`,
        (n) => `^ +${n} +stdio +failed`,
      ),
  },
];

const KEYCHAIN_DEFAULT = "com.mcp-manager.credentials";
const SERVERS = ["everything", "wrong-secret", "remote", "remote-wrong"];

/**
 * The guarded servers and their secrets: `everything` (stdio) gets the canary, `remote` (streamable
 * HTTP behind a gate that wants `Bearer <remote canary>`) gets the remote canary; the `-wrong`
 * controls get another secret.
 */
async function addGuardedServers(sb: Sandbox, canary: string, remoteCanary: string, url: string) {
  expectCode(await sb.run(["secret", "set", "everything-token"], { stdin: canary }), 0);
  expectCode(await sb.run(["secret", "set", "remote-token"], { stdin: remoteCanary }), 0);
  expectCode(await sb.run(["secret", "set", "other"], { stdin: WRONG }), 0);
  // the server starts only if the launcher put the right secret in its environment
  const guard =
    `test "$(printf %s "$EVERYTHING_TOKEN" | sha256sum | cut -c1-64)" = "${await sha256(canary)}" ` +
    `&& exec "${EVERYTHING}" stdio`;
  for (const [name, secret] of [["everything", "everything-token"], ["wrong-secret", "other"]]) {
    const env = `EVERYTHING_TOKEN=\${keychain:${secret}}`;
    expectCode(await sb.run(["server", "add", name, "--env", env, "--", "bash", "-c", guard]), 0);
  }
  for (const [name, secret] of [["remote", "remote-token"], ["remote-wrong", "other"]]) {
    const header = `Authorization=Bearer \${keychain:${secret}}`;
    expectCode(await sb.run(["server", "add", name, "--url", url, "--header", header]), 0);
  }
}
const WRONG = "not-the-canary";

/** The bus socket of the suite's private session bus. */
function busSocket(): string {
  const m = /(?:^|;)unix:(?:[^;]*,)?path=([^,;]+)/.exec(Deno.env.get("DBUS_SESSION_BUS_ADDRESS") ?? "");
  assert.ok(m, "the suite's session bus is not a unix:path socket");
  return decodeURIComponent(m[1]);
}

/**
 * Clients also proven with the opt-in to their own env interpolation (`client remote-secrets ID
 * interpolate`): the file names a variable, which the user exports where the client starts.
 */
const INTERPOLATE_OPT_IN = new Set(["claude-code", "gemini-cli", "opencode"]);

const RUNS = [
  ...CASES.map((c) => ({ c, optIn: false })),
  ...CASES.filter((c) =>
    INTERPOLATE_OPT_IN.has(c.id) && REMOTE_SECRETS[c.id]?.interpolation && !c.remoteBroken && !c.bus
  ).map((c) => ({ c, optIn: true })),
];

for (const { c, optIn } of RUNS) {
  const ready = LINUX && [c.bin, "mcp-server-everything"].every((b) => exists(join(BIN, b)));
  const what = optIn
    ? "opted in to its own env interpolation (the user exports MCP_NEXUS_SECRET_*), its check starts the remote server"
    : c.bus === "runtime-dir"
    ? "with no D-Bus address in its env (the bus at $XDG_RUNTIME_DIR/bus), its check starts the synced servers"
    : c.remoteBroken
    ? "its own check starts the synced stdio server with a keychain secret; a wrong secret fails"
    : "its own check starts the synced stdio and remote (bridged) servers with keychain secrets, nothing exported; wrong secrets fail";
  Deno.test({
    name: ready
      ? `e2e ${c.pkg}: ${what}`
      : `e2e ${c.pkg}: SKIPPED, ${
        LINUX ? `.test-deps/node_modules/.bin/${c.bin} is not installed` : "Linux only"
      }`,
    ignore: !ready,
    fn: () =>
      withSandbox(async (sb) => {
        assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (a private Secret Service, never yours)");
        // as a user has it: default registry path and keychain service (scrubbing clients drop overrides)
        delete sb.env.MCP_NEXUS_HOME;
        sb.env.MCP_NEXUS_KEYCHAIN_SERVICE = KEYCHAIN_DEFAULT;
        const canary = `e2e-canary-${crypto.randomUUID()}`;
        const remoteCanary = `e2e-remote-canary-${crypto.randomUUID()}`;
        const gate = await startGatedEverything(remoteCanary);
        const runtime = await Deno.makeTempDir({ prefix: "mcp-nexus-runtime-" });
        try {
          await addGuardedServers(sb, canary, remoteCanary, gate.url);
          const seeded = c.seed(sb.home);
          for (const [rel, text] of Object.entries(seeded)) {
            await Deno.mkdir(join(sb.home, rel, ".."), { recursive: true });
            await Deno.writeTextFile(join(sb.home, rel), text);
          }
          if (optIn) expectCode(await sb.run(["client", "remote-secrets", c.id, "interpolate"]), 0);
          const synced = expectCode(await sb.run(["sync", "--client", c.id, "--yes"]), 0);
          // before the client runs: some rewrite their own file (Kilo drops comments, adds $schema)
          c.kept(await Deno.readTextFile(join(sb.home, c.file)));

          const env: Record<string, string> = { ...sb.env, ...c.extraEnv, PATH: `${BIN}:${sb.env.PATH}` };
          const written = await Deno.readTextFile(join(sb.home, c.file));
          if (!optIn) {
            // the bridge: no variable for the user to export, none named in the file
            assert.doesNotMatch(written, /MCP_NEXUS_SECRET_/, written);
            assert.doesNotMatch(synced.stdout + synced.stderr, /MCP_NEXUS_SECRET_/);
          } else {
            assert.match(written, /MCP_NEXUS_SECRET_REMOTE_TOKEN/, written);
            // the file names a variable; the user exports it where the client starts (sync says so)
            assert.match(synced.stdout + synced.stderr, /MCP_NEXUS_SECRET_REMOTE_TOKEN/);
            env.MCP_NEXUS_SECRET_REMOTE_TOKEN = remoteCanary;
            env.MCP_NEXUS_SECRET_OTHER = WRONG;
          }
          if (c.bus === "runtime-dir") {
            await Deno.chmod(runtime, 0o700);
            await Deno.symlink(busSocket(), join(runtime, "bus"));
            delete env.DBUS_SESSION_BUS_ADDRESS;
            env.XDG_RUNTIME_DIR = runtime;
          }
          const probe = await c.probe(sb, env, SERVERS);
          assert.ok(probe.connected("everything"), `everything did not start in ${c.id}:\n${probe.output}`);
          assert.ok(
            probe.failed("wrong-secret"),
            `a wrong secret must keep the server from starting (the check is real):\n${probe.output}`,
          );
          if (!c.remoteBroken) {
            assert.ok(probe.connected("remote"), `remote did not connect in ${c.id}:\n${probe.output}`);
            assert.ok(gate.authorized > 0, "the remote server got no request with the right secret");
            assert.ok(!probe.connected("remote-wrong"), `remote-wrong connected:\n${probe.output}`);
            assert.ok(
              gate.wrongSecret > 0,
              "the remote control never reached the gate with its (wrong) secret",
            );
          }
          for (const secret of [canary, remoteCanary]) assert.ok(!probe.output.includes(secret));

          for (const f of await walkFiles(sb.home)) {
            const text = await Deno.readTextFile(f).catch(() => "");
            for (const secret of [canary, remoteCanary]) assert.ok(!text.includes(secret), `secret in ${f}`);
          }
        } finally {
          await gate.close();
          await Deno.remove(runtime, { recursive: true });
          for (const name of ["everything-token", "remote-token", "other"]) {
            await sb.run(["secret", "rm", name]);
          }
        }
      }),
  });
}

/**
 * Continue has no command that starts MCP servers without a model: the proof is a headless agent run
 * (`cn -p`) against a fake OpenAI-compatible model on 127.0.0.1, which records the tools offered to
 * it. A server's tools are offered only after Continue started it and listed them. Continue stops
 * every server when one fails, so each server is proven in its own run, and the controls (wrong
 * secrets) in a third.
 */
const CONTINUE_PKG = "@continuedev/cli@1.5.47";
const continueReady = LINUX && ["cn", "mcp-server-everything"].every((b) => exists(join(BIN, b)));
Deno.test({
  name: continueReady
    ? `e2e ${CONTINUE_PKG}: an agent run (cn -p, fake model on 127.0.0.1) is offered the tools of the synced stdio and remote servers; wrong secrets offer none`
    : `e2e ${CONTINUE_PKG}: SKIPPED, ${
      LINUX ? ".test-deps/node_modules/.bin/cn is not installed" : "Linux only"
    }`,
  ignore: !continueReady,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (a private Secret Service, never yours)");
      delete sb.env.MCP_NEXUS_HOME;
      sb.env.MCP_NEXUS_KEYCHAIN_SERVICE = KEYCHAIN_DEFAULT;
      const canary = `e2e-canary-${crypto.randomUUID()}`;
      const remoteCanary = `e2e-remote-canary-${crypto.randomUUID()}`;
      const gate = await startGatedEverything(remoteCanary);
      const model = startFakeModel();
      try {
        await addGuardedServers(sb, canary, remoteCanary, gate.url);
        const file = join(sb.home, ".continue", "config.yaml");
        await Deno.mkdir(join(sb.home, ".continue"));
        await Deno.writeTextFile(
          file,
          `# mine, keep\nname: e2e\nversion: 1.0.0\nschema: v1\nmodels:\n  - name: fake\n    provider: openai\n` +
            `    model: fake-model\n    apiBase: ${model.url}\n    apiKey: e2e-not-a-real-key\n    roles: [chat]\n`,
        );
        const env = { ...sb.env, PATH: `${BIN}:${sb.env.PATH}` };
        /** Syncs only `names` (the others disabled), runs the agent, returns the tools it was offered. */
        const agentWith = async (names: string[]) => {
          for (const s of SERVERS) {
            expectCode(await sb.run(["server", names.includes(s) ? "enable" : "disable", s]), 0);
          }
          expectCode(await sb.run(["sync", "--client", "continue", "--yes"]), 0);
          const text = await Deno.readTextFile(file);
          assert.ok(
            text.startsWith("# mine, keep\nname: e2e\n") && text.includes(`apiBase: ${model.url}`),
            text,
          );
          model.reset();
          const output = await runClient(sb, env, "cn", ["-p", "Say hi."]);
          for (const secret of [canary, remoteCanary]) assert.ok(!output.includes(secret));
          return { output, tools: model.tools, requests: model.requests };
        };
        // a tool of server-everything's that Continue has no built-in of its own by that name
        const TOOL = "get-tiny-image";
        const stdio = await agentWith(["everything"]);
        assert.ok(stdio.requests > 0, `the agent never asked the model:\n${stdio.output}`);
        assert.ok(
          stdio.tools.includes(TOOL),
          `stdio server's tools not offered: ${stdio.tools}\n${stdio.output}`,
        );
        const remote = await agentWith(["remote"]);
        assert.ok(
          remote.tools.includes(TOOL),
          `remote server's tools not offered: ${remote.tools}\n${remote.output}`,
        );
        assert.ok(gate.authorized > 0);
        const wrong = await agentWith(["wrong-secret", "remote-wrong"]);
        assert.ok(
          !wrong.tools.includes(TOOL),
          `a server with a wrong secret offered tools:\n${wrong.output}`,
        );
        for (const f of await walkFiles(sb.home)) {
          const text = await Deno.readTextFile(f).catch(() => "");
          for (const secret of [canary, remoteCanary]) assert.ok(!text.includes(secret), `secret in ${f}`);
        }
      } finally {
        await gate.close();
        await model.close();
        for (const name of ["everything-token", "remote-token", "other"]) {
          await sb.run(["secret", "rm", name]);
        }
      }
    }),
});

interface AgentCase {
  id: string;
  pkg: string;
  bin: string;
  /** How the agent names a server's tool in what it offers the model. */
  tool: (server: string) => string;
  /** The client's MCP file (relative to HOME) and the user's own entry in it, which must be kept. */
  file: string;
  theirs: Record<string, unknown>;
  /** After sync: anything the client needs to run against the fake model; returns the env and args. */
  prepare(
    sb: Sandbox,
    env: Record<string, string>,
    model: { url: string },
    file: string,
  ): Promise<{ env: Record<string, string>; args: string[] }>;
  /** The client's own log lines about MCP, for a failure message. */
  logs?: (home: string) => Promise<string>;
}

/**
 * Agents that start servers only for a run (Cline CLI, Copilot CLI): one headless run against the
 * fake model, which is offered each started server's tools under the server's name, so one run
 * proves all four: the stdio and the remote server are offered, the wrong-secret controls are not.
 */
function agentTest(c: AgentCase) {
  const ready = LINUX && [c.bin, "mcp-server-everything"].every((b) => exists(join(BIN, b)));
  Deno.test({
    name: ready
      ? `e2e ${c.pkg}: an agent run (fake model on 127.0.0.1) is offered the tools of the synced stdio and remote servers; wrong secrets offer none`
      : `e2e ${c.pkg}: SKIPPED, ${
        LINUX ? `.test-deps/node_modules/.bin/${c.bin} is not installed` : "Linux only"
      }`,
    ignore: !ready,
    fn: () =>
      withSandbox(async (sb) => {
        assert.ok(HAS_SECRET_SERVICE, "run with `deno task test` (a private Secret Service, never yours)");
        delete sb.env.MCP_NEXUS_HOME;
        sb.env.MCP_NEXUS_KEYCHAIN_SERVICE = KEYCHAIN_DEFAULT;
        const canary = `e2e-canary-${crypto.randomUUID()}`;
        const remoteCanary = `e2e-remote-canary-${crypto.randomUUID()}`;
        const gate = await startGatedEverything(remoteCanary);
        const model = startFakeModel();
        try {
          await addGuardedServers(sb, canary, remoteCanary, gate.url);
          const file = join(sb.home, c.file);
          await Deno.mkdir(join(file, ".."), { recursive: true });
          await Deno.writeTextFile(file, JSON.stringify({ mcpServers: { theirs: c.theirs } }, null, 2));
          expectCode(await sb.run(["sync", "--client", c.id, "--yes"]), 0);
          assert.deepEqual(JSON.parse(await Deno.readTextFile(file)).mcpServers.theirs, c.theirs);

          const run = await c.prepare(sb, { ...sb.env, PATH: `${BIN}:${sb.env.PATH}` }, model, file);
          const output = await runClient(sb, run.env, c.bin, run.args);
          const tools = model.tools;
          const why = async () => `offered: ${tools}\n${c.logs ? await c.logs(sb.home) : output}`;
          assert.ok(model.requests > 0, `the agent never asked the model:\n${output}`);
          for (const server of ["everything", "remote"]) {
            assert.ok(tools.includes(c.tool(server)), `${server}'s tools not offered: ${await why()}`);
          }
          for (const server of ["wrong-secret", "remote-wrong"]) {
            const prefix = c.tool(server).replace(/get-tiny-image$/, "");
            assert.ok(!tools.some((t) => t.startsWith(prefix)), `${server} offered tools: ${tools}`);
          }
          assert.ok(gate.authorized > 0 && gate.wrongSecret > 0);
          for (const secret of [canary, remoteCanary]) assert.ok(!output.includes(secret));
          for (const f of await walkFiles(sb.home)) {
            const text = await Deno.readTextFile(f).catch(() => "");
            for (const secret of [canary, remoteCanary]) assert.ok(!text.includes(secret), `secret in ${f}`);
          }
        } finally {
          await gate.close();
          await model.close();
          for (const name of ["everything-token", "remote-token", "other"]) {
            await sb.run(["secret", "rm", name]);
          }
        }
      }),
  });
}

/** Log lines that mention MCP, from every file under `dir`. */
async function mcpLogLines(dir: string, marker: RegExp): Promise<string> {
  const texts = await Promise.all((await walkFiles(dir)).map((f) => Deno.readTextFile(f).catch(() => "")));
  return texts.join("\n").split("\n").filter((l) => marker.test(l)).join("\n").slice(-8000);
}

// Cline CLI: tools offered as `<server>__<tool>`; remote servers go through the launcher bridge (the
// Cline CLI sends `${env:X}` in headers literally).
agentTest({
  id: "cline",
  pkg: "cline@3.0.65",
  bin: "cline",
  tool: (server) => `${server}__get-tiny-image`,
  file: ".cline/data/settings/cline_mcp_settings.json",
  theirs: { type: "stdio", command: "true", args: [], disabled: true, autoApprove: ["x"] },
  async prepare(sb, env, model, file) {
    // Cline CLI 3.0.65 gives a server 3 s to answer `initialize` unless its entry says otherwise; a
    // launcher from source (deno run) with a keychain read and a Node server can take longer on a
    // busy machine, so sync writes Cline's own `timeout` (seconds) on launcher entries.
    const doc = JSON.parse(await Deno.readTextFile(file));
    for (const name of ["everything", "remote"]) {
      assert.equal(doc.mcpServers[name].timeout, 30, `${name}: ${JSON.stringify(doc.mcpServers[name])}`);
    }
    const key = "e2e-not-a-real-key";
    const auth = await runClient(sb, env, "cline", [
      "auth",
      "-p",
      "openai",
      "-k",
      key,
      "-m",
      "fake-model",
      "-b",
      model.url,
    ]);
    assert.match(auth, /Provider configured/, auth);
    return { env, args: ["Say hi.", "--json"] };
  },
  logs: (home) => mcpLogLines(join(home, ".cline", "data", "logs"), /\[mcp\]/),
});

// GitHub Copilot CLI: bring-your-own-key offline mode (COPILOT_OFFLINE, COPILOT_PROVIDER_BASE_URL) needs
// no GitHub login; tools offered as `<server>-<tool>`.
agentTest({
  id: "copilot-cli",
  pkg: "@github/copilot@1.0.102",
  bin: "copilot",
  tool: (server) => `${server}-get-tiny-image`,
  file: ".copilot/mcp-config.json",
  theirs: { type: "local", command: "true", args: [], tools: ["*"] },
  prepare: (_sb, env, model) =>
    Promise.resolve({
      env: {
        ...env,
        COPILOT_OFFLINE: "true",
        COPILOT_PROVIDER_BASE_URL: model.url,
        COPILOT_PROVIDER_API_KEY: "e2e-not-a-real-key",
        COPILOT_MODEL: "fake-model",
      },
      args: ["-p", "Say hi.", "--allow-all-tools"],
    }),
  logs: (home) => mcpLogLines(join(home, ".copilot", "logs"), /mcp|everything|remote/i),
});

for (const c of CASES) {
  if (c.remoteBroken) {
    Deno.test({
      name: `e2e ${c.pkg}: remote servers SKIPPED, ${c.remoteBroken}`,
      ignore: true,
      fn: () => {},
    });
  }
}

for (
  const [name, why] of [
    [
      "Crush (@charmland/crush@0.96.1)",
      "npm install fails here: its postinstall downloads the binary from github.com (no internet)",
    ],
  ]
) {
  Deno.test({ name: `e2e ${name}: SKIPPED, ${why}`, ignore: true, fn: () => {} });
}
