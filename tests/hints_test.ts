/**
 * Advice that leads somewhere: every hint these paths print is run verbatim in a shell (with
 * `mcp-nexus` on PATH starting this checkout), and must work; then the next ordinary command is clean.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, HAS_SECRET_SERVICE, type Sandbox, withSandbox } from "./helpers.ts";
import { hintEnv, quotedCommands, runHint, runHintOnPty } from "./fixtures/pty.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The env backend keeps these tests off the keychain: no keychain is needed for what they check. */
const ENV = { MCP_NEXUS_BACKEND: "env" };

function cursorPath(sb: Sandbox): string {
  return join(sb.home, ".cursor", "mcp.json");
}
async function cursor(sb: Sandbox): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(cursorPath(sb)));
}
async function writeCursor(sb: Sandbox, data: Json): Promise<void> {
  await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
  await Deno.writeTextFile(cursorPath(sb), JSON.stringify(data, null, 2));
}

function skippedOf(data: Json): Json[] {
  return data.files.flatMap((f: Json) => f.skipped);
}

async function runAll(sb: Sandbox, hints: string[]): Promise<void> {
  assert.ok(hints.length > 0, "a hint was printed");
  for (const h of hints) {
    const r = await runHint(sb, h, ENV);
    assert.equal(r.code, 0, `hint '${h}' failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

Deno.test("sync's conflict advice works: the command it names resolves the conflict", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "srv", "--", "npx", "-y", "pkg-a"]), 0);
    await writeCursor(sb, { mcpServers: { srv: { command: "uvx", args: ["pkg-b"] } } });
    const s1 = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s1.code, 5, JSON.stringify(s1.data));
    const [skip] = skippedOf(s1.data);
    assert.equal(skip.kind, "conflict");
    await runAll(sb, quotedCommands(skip.reason));
    const s2 = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s2.code, 0, JSON.stringify(s2.data));
    assert.deepEqual(skippedOf(s2.data), []);
    assert.deepEqual((await cursor(sb)).mcpServers.srv.args, ["pkg-b"], "the client's version was kept");
  }, ENV));

Deno.test("import's conflict advice works, and a second import is clean", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "srv", "--", "npx", "-y", "pkg-a"]), 0);
    await writeCursor(sb, { mcpServers: { srv: { command: "uvx", args: ["pkg-b"] } } });
    const i1 = await sb.json<Json>(["import", "--client", "cursor", "--no-desktop-app"]);
    assert.equal(i1.code, 5, JSON.stringify(i1.data));
    assert.equal(i1.data.conflicts.length, 1);
    await runAll(sb, i1.data.conflicts.map((c: Json) => c.fix));
    const i2 = await sb.json<Json>(["import", "--client", "cursor", "--no-desktop-app"]);
    assert.equal(i2.code, 0, JSON.stringify(i2.data));
    assert.deepEqual(i2.data.conflicts, []);
  }, ENV));

Deno.test("import does not call mcp-nexus's own entries conflicts (a header read from the environment)", () =>
  withSandbox(async (sb) => {
    expectCode(
      await sb.run([
        "server",
        "add",
        "remote",
        "--url",
        "https://mcp.example.com/mcp",
        "--header",
        "Authorization=Bearer ${keychain:api-token}",
      ]),
      0,
    );
    // opted in to Cursor's own interpolation: the entry reads the variable from Cursor's environment
    expectCode(await sb.run(["client", "remote-secrets", "cursor", "interpolate"]), 0);
    expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
    assert.match(JSON.stringify((await cursor(sb)).mcpServers.remote), /MCP_NEXUS_SECRET_API_TOKEN/);
    for (let i = 0; i < 2; i++) {
      const imp = await sb.json<Json>(["import", "--client", "cursor", "--no-desktop-app"], {
        env: { MCP_NEXUS_SECRET_API_TOKEN: "tok-123" },
      });
      assert.equal(imp.code, 0, JSON.stringify(imp.data));
      assert.deepEqual(imp.data.conflicts, []);
      assert.deepEqual(imp.data.added, []);
    }
    const s = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s.code, 0, JSON.stringify(s.data));
  }, ENV));

Deno.test("a drifted launcher entry: sync's advice (adopt) works, and the next sync rewrites it", () =>
  withSandbox(async (sb) => {
    expectCode(
      await sb.run(["server", "add", "lsrv", "--env", "TOKEN=${keychain:tok}", "--", "npx", "-y", "pkg"]),
      0,
    );
    expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
    const file = await cursor(sb);
    assert.equal(file.mcpServers.lsrv.args.at(-2), "run", "a launcher entry");
    file.mcpServers.lsrv.env = { EXTRA: "1" }; // edited in the client
    await writeCursor(sb, file);
    const s1 = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s1.code, 5, JSON.stringify(s1.data));
    const [skip] = skippedOf(s1.data);
    assert.equal(skip.kind, "drift");
    await runAll(sb, quotedCommands(skip.reason).filter((h) => h.includes("adopt")));
    const s2 = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s2.code, 0, JSON.stringify(s2.data));
    assert.deepEqual(skippedOf(s2.data), []);
    assert.equal((await cursor(sb)).mcpServers.lsrv.env?.EXTRA, undefined, "rewritten from the registry");
  }, ENV));

Deno.test("backup restore: its hint keeps --client and works; the next sync sees no drift", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "a", "--", "npx", "-y", "pkg-a@1"]), 0);
    expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
    expectCode(await sb.run(["server", "add", "a", "--replace", "--", "npx", "-y", "pkg-a@2"]), 0);
    const s1 = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s1.code, 0, JSON.stringify(s1.data));
    const id = s1.data.backup;
    assert.ok(id, "the sync made a backup");

    const r = await sb.json<Json>(["backup", "restore", id, "--client", "cursor"]); // not a terminal: no --yes
    assert.equal(r.code, 2, JSON.stringify(r.data));
    const hint = r.data.error.hint as string;
    assert.match(hint, /--client cursor/, "the hint keeps --client");
    await runAll(sb, [hint]);
    assert.deepEqual((await cursor(sb)).mcpServers.a.args, ["-y", "pkg-a@1"], "restored");

    const s2 = await sb.json<Json>(["sync", "--yes", "--client", "cursor"]);
    assert.equal(s2.code, 0, JSON.stringify(s2.data));
    assert.deepEqual(skippedOf(s2.data), [], "the restored own entry is not drift");
    assert.deepEqual((await cursor(sb)).mcpServers.a.args, ["-y", "pkg-a@2"], "and sync updates it");
  }, ENV));

Deno.test("backup restore --client checks the client id", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "a", "--", "npx", "-y", "pkg-a"]), 0);
    expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
    const before = await Deno.readTextFile(cursorPath(sb));
    await writeCursor(sb, { mcpServers: { mine: { command: "x" } } });
    const after = await Deno.readTextFile(cursorPath(sb));
    const r = await sb.run([
      "backup",
      "restore",
      "latest",
      "--client",
      "cursor",
      "--client",
      "cursr",
      "--yes",
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cursr/);
    assert.equal(await Deno.readTextFile(cursorPath(sb)), after, "nothing restored on a typo");
    assert.notEqual(before, after);
  }, ENV));

Deno.test("doctor runs every check when the registry and the ledger are broken, and reports each", () =>
  withSandbox(async (sb) => {
    await Deno.mkdir(join(sb.nexusHome, "state"), { recursive: true });
    await Deno.writeTextFile(join(sb.nexusHome, "registry.json"), "{broken");
    await Deno.writeTextFile(join(sb.nexusHome, "state", "ledger.json"), "{broken");
    await writeCursor(sb, { mcpServers: {} });
    const d = await sb.json<Json>(["doctor"]);
    assert.equal(d.code, 1, JSON.stringify(d.data));
    const checks = new Set(d.data.findings.map((f: Json) => f.check));
    for (const c of ["keychain", "registry", "ledger"]) assert.ok(checks.has(c), `${c} in ${[...checks]}`);
  }, ENV));

Deno.test("doctor reports a broken client plugin and still runs the other checks", () =>
  withSandbox(async (sb) => {
    await Deno.mkdir(sb.nexusHome, { recursive: true });
    await Deno.writeTextFile(
      join(sb.nexusHome, "registry.json"),
      JSON.stringify({ version: 1, servers: {}, settings: { plugins: ["./no-such-plugin.ts"] } }),
    );
    const d = await sb.json<Json>(["doctor"]);
    assert.equal(d.code, 1, JSON.stringify(d.data));
    const plugin = d.data.findings.find((f: Json) => f.check === "plugin");
    assert.ok(plugin, JSON.stringify(d.data.findings));
    assert.equal(plugin.level, "error");
    assert.match(plugin.message, /no-such-plugin/);
    assert.ok(d.data.findings.some((f: Json) => f.check === "keychain"));
  }, ENV));

Deno.test("sync without a terminal: its hints keep --client and both work", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["server", "add", "a", "--", "npx", "-y", "pkg-a"]), 0);
    await Deno.mkdir(join(sb.home, ".gemini"), { recursive: true }); // another detected client
    const r = await sb.json<Json>(["sync", "--client", "cursor"]);
    assert.equal(r.code, 2, JSON.stringify(r.data));
    const hints = quotedCommands(r.data.error.hint);
    assert.equal(hints.length, 2, r.data.error.hint);
    for (const h of hints) assert.match(h, /--client cursor/);
    await runAll(sb, hints);
    assert.ok((await cursor(sb)).mcpServers.a, "the hint synced cursor");
    assert.ok(!(await Deno.stat(join(sb.home, ".gemini", "settings.json")).catch(() => null)), "only cursor");
  }, ENV));

Deno.test("doctor's drift fixes work, each on a terminal: keep theirs (adopt), keep ours (sync --force)", () =>
  withSandbox(async (sb) => {
    for (const keep of ["theirs", "ours"] as const) {
      await Deno.remove(sb.nexusHome, { recursive: true }).catch(() => {});
      await Deno.remove(join(sb.home, ".cursor"), { recursive: true }).catch(() => {});
      expectCode(await sb.run(["server", "add", "a", "--", "npx", "-y", "pkg-a"]), 0);
      expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
      const file = await cursor(sb);
      file.mcpServers.a.args = ["-y", "pkg-edited"];
      await writeCursor(sb, file);
      const d = await sb.json<Json>(["doctor"]);
      const drift = d.data.findings.find((f: Json) => f.check === "drift");
      assert.ok(drift, JSON.stringify(d.data.findings));
      const fix = (drift.fix as string).match(new RegExp(`keep ${keep}: (mcp-nexus [^;]+)`))?.[1];
      assert.ok(fix, drift.fix);
      const r = await runHintOnPty(sb, fix, ENV);
      assert.equal(r.code, 0, `'${fix}':\n${r.screen}`);
      const after = await sb.json<Json>(["doctor"]);
      assert.ok(!after.data.findings.some((f: Json) => f.check === "drift"), `${keep}: no drift left`);
      assert.deepEqual(
        (await cursor(sb)).mcpServers.a.args,
        keep === "theirs" ? ["-y", "pkg-edited"] : ["-y", "pkg-a"],
      );
    }
  }, ENV));

Deno.test({
  name: "doctor's plaintext fix works on a terminal, whether or not the registry has the server",
  ignore: !HAS_SECRET_SERVICE,
  fn: () =>
    withSandbox(async (sb) => {
      const token = `ghp_${"x".repeat(36)}`;
      // one the registry has (an owned entry edited to hold a token), one it does not
      expectCode(await sb.run(["server", "add", "known", "--", "npx", "-y", "pkg-k"]), 0);
      expectCode(await sb.run(["sync", "--yes", "--client", "cursor"]), 0);
      const file = await cursor(sb);
      file.mcpServers.known.env = { GITHUB_TOKEN: token };
      file.mcpServers.stranger = { command: "npx", args: ["-y", "pkg-s"], env: { GITHUB_TOKEN: token } };
      await writeCursor(sb, file);
      const d = await sb.json<Json>(["doctor"]);
      const fixes = d.data.findings.filter((f: Json) => f.check === "plaintext" && f.file === cursorPath(sb))
        .map((f: Json) => f.fix as string);
      assert.equal(fixes.length, 2, JSON.stringify(d.data.findings));
      for (const fix of fixes) {
        const r = await runHintOnPty(sb, fix);
        assert.equal(r.code, 0, `'${fix}':\n${r.screen}`);
      }
      assert.ok(!(await Deno.readTextFile(cursorPath(sb))).includes(token), "no plaintext left");
    }),
});

Deno.test({
  name:
    "doctor's fix for a plaintext secret in the registry is real commands: run verbatim, the secret moves to the keychain and the server keeps its settings",
  ignore: !HAS_SECRET_SERVICE,
  fn: () =>
    withSandbox(async (sb) => {
      const token = `ghp_${"y".repeat(36)}`;
      expectCode(
        await sb.run([
          "server",
          "add",
          "gh",
          "--allow-plaintext",
          "--disable-client",
          "zed",
          "--env",
          `GITHUB_TOKEN=${token}`,
          "--",
          "npx",
          "-y",
          "gh-mcp",
        ]),
        0,
      );
      const d = await sb.json<Json>(["doctor"]);
      const [finding] = d.data.findings.filter((f: Json) =>
        f.check === "plaintext" && /registry/.test(f.file)
      );
      assert.ok(finding, JSON.stringify(d.data.findings));
      assert.doesNotMatch(finding.fix, /…|NAME/, "no placeholder in the fix");
      assert.ok(!finding.fix.includes(token), "the fix never holds the value");
      // pasted in a shell; the one `secret set` reads the value from stdin
      const child = new Deno.Command("sh", {
        args: ["-c", finding.fix],
        env: await hintEnv(sb),
        clearEnv: true,
        cwd: sb.home,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(token));
      await w.close();
      const out = await child.output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const shown = await sb.json<Json>(["server", "show", "gh"]);
      assert.match(shown.data.env.GITHUB_TOKEN, /^\$\{keychain:[^}]+\}$/);
      assert.deepEqual(shown.data.disabledClients, ["zed"], "the replace kept what the server had");
      const again = await sb.json<Json>(["doctor"]);
      assert.deepEqual(again.data.findings.filter((f: Json) => f.check === "plaintext"), []);
    }),
});
