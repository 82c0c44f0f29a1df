/**
 * Plugins people can trust: declarative manifests (the built-ins that are manifests, the published
 * schema), the client-adapter contract on every built-in, the sandbox hooks run in, and the `plugin`
 * commands end to end (trust by hash, refusals, a broken plugin never stopping the others).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, REPO, type Sandbox, withSandbox } from "./helpers.ts";
import { builtInClientIds, getClient, listClients, loadClientPlugin } from "../src/plugins/clients/mod.ts";
import { clientContract } from "../src/testing/client_contract.ts";
import { clientManifestJsonSchema, manifestProblems } from "../src/plugins/clients/manifest_schema.ts";
import { Sandbox as HookSandbox, sourceProblems } from "../src/core/extend/sandbox.ts";
import { NexusError } from "../src/core/model/errors.ts";

const EXAMPLE = join(REPO, "examples", "acme-client");
const MANIFESTS = join(REPO, "src", "plugins", "clients", "manifests");
const ENV = { MCP_NEXUS_BACKEND: "env" };

Deno.test("built-in manifests are valid, five or more, and the published JSON Schema is current", async () => {
  const ids: string[] = [];
  for await (const e of Deno.readDir(MANIFESTS)) {
    const m = JSON.parse(await Deno.readTextFile(join(MANIFESTS, e.name)));
    assert.deepEqual(manifestProblems(m), [], e.name);
    assert.equal(`${m.id}.json`, e.name);
    assert.equal(getClient(m.id).name, m.name, "loaded through the same path, same id");
    ids.push(m.id);
  }
  assert.ok(ids.length >= 5, `${ids}`);
  const published = JSON.parse(await Deno.readTextFile(join(REPO, "schemas", "client-manifest.schema.json")));
  assert.deepEqual(published, clientManifestJsonSchema(), "run: deno run -A scripts/gen_schemas.ts");
  assert.ok(manifestProblems({ id: "Bad Id", name: "", format: "ini" }).length >= 4);
});

Deno.test("every built-in client passes the contract `plugin test` runs", async (t) => {
  for (const a of listClients().filter((c) => builtInClientIds().includes(c.id))) {
    await t.step(a.id, async () => {
      for (const r of await clientContract(a)) assert.ok(r.ok, `${r.check}: ${r.message}`);
    });
  }
});

Deno.test("the contract catches a broken adapter", async () => {
  const bad = {
    ...getClient("cursor"),
    id: "broken",
    paths: () => ["/etc/passwd"],
    parse: () => ({ transport: "stdio" as const, command: "x", args: [], env: {} }),
  };
  const results = await clientContract(bad);
  assert.deepEqual(results.map((r) => r.ok), [false, false, false, false]);
  assert.match(results[0].message, /\/etc\/passwd/);
});

Deno.test("sandbox: hostile hook code is refused or contained", async () => {
  for (
    const src of [
      `import x from "file:///etc/passwd"; export default {}`,
      `export const render = () => import("npm:left-pad")`,
      `export const render = () => Deno.readTextFileSync("/etc/hostname")`,
      `export const render = () => eval("1")`,
      `export const render = () => new Worker("data:,1")`,
      `export const render = () => globalThis`,
    ]
  ) assert.ok(sourceProblems(src).length > 0, src);

  const label = "plugin 'hostile'";
  // Runtime: reaching the Function constructor, reading files, the network and the environment.
  const probe = await HookSandbox.start(
    `export function fn(n) { return ((a) => a)["constr" + "uctor"]("return 1")(); }
export async function read() { try { await fetch("file:///etc/hostname"); return "read"; } catch (e) { return e.name; } }
export async function net() { try { await fetch("http://127.0.0.1:8/"); return "net"; } catch (e) { return e.name; } }
export function loop() { for (;;) {} }`,
    { label, timeoutMs: 500 },
  );
  try {
    assert.throws(() => probe.callSync("fn", []), /not available to a plugin/);
    assert.equal(probe.callSync("read", []), "NotCapable");
    assert.equal(probe.callSync("net", []), "NotCapable");
    assert.throws(() => probe.callSync("loop", []), (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.match(e.message, /did not answer within 500 ms/);
      return true;
    });
    assert.throws(() => probe.callSync("read", []), /stopped/, "a timed-out sandbox stays stopped");
  } finally {
    probe.terminate();
  }
  await assert.rejects(
    HookSandbox.start(`for (;;) {}`, { label, timeoutMs: 300 }),
    /did not load within 300 ms/,
  );
  await assert.rejects(HookSandbox.start(`throw new Error("nope")`, { label }), /cannot load: .*nope/);
});

Deno.test("loadClientPlugin: remote specifiers and built-in ids are refused", async () => {
  for (const spec of ["https://example.com/p.ts", "npm:evil-plugin", "jsr:@x/y", "data:text/javascript,1"]) {
    await assert.rejects(loadClientPlugin(spec), (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.equal(e.code, "E_PLUGIN_REMOTE");
      return true;
    });
  }
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "cursor.js");
    await Deno.writeTextFile(
      file,
      `export default { id: "cursor", name: "Fake", format: "json", paths: () => [], serversPath: ["x"],
        transports: ["stdio"], render: () => ({}), parse: () => null, detect: () => false };`,
    );
    await assert.rejects(loadClientPlugin(file), /built-in client 'cursor'/);
    assert.equal(getClient("cursor").name, "Cursor");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function lockBytes(): Promise<string> {
  return await Deno.readTextFile(join(REPO, "deno.lock"));
}

async function writePlugin(dir: string, manifest: Record<string, unknown>, hooks?: string) {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "plugin.json"), JSON.stringify(manifest, null, 2));
  if (hooks !== undefined) await Deno.writeTextFile(join(dir, "hooks.js"), hooks);
}

const ACME = () =>
  JSON.parse(
    // the example is JSONC: drop its one comment line
    Deno.readTextFileSync(join(EXAMPLE, "plugin.json")).replace(/^\s*\/\/.*$/m, ""),
  );

async function addServers(sb: Sandbox) {
  expectCode(await sb.run(["server", "add", "plain", "--", "npx", "-y", "srv"], { env: ENV }), 0);
  expectCode(
    await sb.run(["server", "add", "web", "--transport", "http", "--url", "https://mcp.example.com/mcp"], {
      env: ENV,
    }),
    0,
  );
}

Deno.test("plugin add → list → sync writes through the sandboxed hooks; a changed file is not loaded until re-added", () =>
  withSandbox(async (sb) => {
    const lock = await lockBytes();
    await addServers(sb);
    await Deno.mkdir(join(sb.home, ".acme"));
    await Deno.mkdir(join(sb.home, ".cursor"));

    const tested = expectCode(await sb.run(["plugin", "test", EXAMPLE], { env: ENV }), 0);
    assert.match(tested.stdout, /5 passed, 0 failed/);

    const added = await sb.json<
      { added: { id: string; files: Record<string, string> }; declares: { files: string[]; hooks: string[] } }
    >(
      ["plugin", "add", EXAMPLE],
      { env: ENV },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.data.added.id, "acme-desk");
    assert.match(added.data.added.files["plugin.json"], /^[0-9a-f]{64}$/);
    assert.deepEqual(added.data.declares.files, [join(sb.home, ".acme", "desk.json")]);
    assert.deepEqual(added.data.declares.hooks.sort(), ["parse", "render"]);
    // the copy lives in the tool's home: editing the original changes nothing
    assert.ok((await Deno.stat(join(sb.nexusHome, "plugins", "acme-desk", "hooks.js"))).isFile);

    const list = await sb.json<{ plugins: { id: string; status: string }[] }>(["plugin", "list"], {
      env: ENV,
    });
    assert.deepEqual(list.data.plugins.map((p) => [p.id, p.status]), [["acme-desk", "ok"]]);

    expectCode(await sb.run(["sync", "--client", "acme-desk", "--yes"], { env: ENV }), 0);
    const desk = JSON.parse(await Deno.readTextFile(join(sb.home, ".acme", "desk.json")));
    assert.deepEqual(desk.tools.mcp.plain, { command: ["npx", "-y", "srv"], enabled: true });
    assert.equal(desk.tools.mcp.web.timeout, 30, "the render hook ran");
    assert.equal(desk.tools.mcp.web.url, "https://mcp.example.com/mcp");

    // tamper with the trusted copy: one warning, the plugin is not loaded, the other clients still sync
    const hooks = join(sb.nexusHome, "plugins", "acme-desk", "hooks.js");
    await Deno.writeTextFile(hooks, (await Deno.readTextFile(hooks)) + "\n// changed\n");
    const r = await sb.run(["sync", "--yes"], { env: ENV });
    assert.match(r.stderr, /acme-desk.*changed since it was added; not loaded/);
    assert.match(r.stderr, /plugin add .*plugin\.json/, "the fix is named");
    assert.match(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")), /"plain"/);
    expectCode(await sb.run(["sync", "--client", "acme-desk", "--dry-run"], { env: ENV }), 2);
    const changed = await sb.json<{ plugins: { status: string }[] }>(["plugin", "list"], { env: ENV });
    assert.equal(changed.code, 1);
    assert.equal(changed.data.plugins[0].status, "changed");
    const doctor = await sb.run(["doctor"], { env: ENV });
    assert.ok(doctor.code === 0 || doctor.code === 1, "doctor runs to the end");
    assert.match(doctor.stdout, /error\(s\)/);

    // re-adding trusts it again
    expectCode(await sb.run(["plugin", "add", EXAMPLE], { env: ENV }), 0);
    expectCode(await sb.run(["sync", "--client", "acme-desk", "--dry-run"], { env: ENV }), 0);

    expectCode(await sb.run(["plugin", "rm", "acme-desk"], { env: ENV }), 0);
    expectCode(await sb.run(["plugin", "rm", "acme-desk"], { env: ENV }), 3);
    await assert.rejects(Deno.stat(join(sb.nexusHome, "plugins", "acme-desk")));
    assert.equal(await lockBytes(), lock, "deno.lock untouched");
  }));

Deno.test("plugin add refuses remote specifiers, invalid manifests and a silent built-in replacement", () =>
  withSandbox(async (sb) => {
    const lock = await lockBytes();
    for (const spec of ["https://example.com/p.json", "npm:evil-plugin", "jsr:@evil/plugin", "data:,{}"]) {
      const r = expectCode(await sb.run(["plugin", "add", spec], { env: ENV }), 2);
      assert.match(r.stderr, /only local files can be plugins/);
    }
    expectCode(await sb.run(["plugin", "add", join(sb.home, "nothing-here.json")], { env: ENV }), 3);

    const dir = join(sb.home, "p");
    await writePlugin(dir, { ...ACME(), id: "Bad Id", format: "ini", hooks: undefined });
    const bad = expectCode(await sb.run(["plugin", "validate", dir], { env: ENV }), 2);
    assert.match(bad.stderr, /id:/);
    assert.match(bad.stderr, /format:/);

    await writePlugin(dir, { ...ACME(), id: "cursor", hooks: undefined });
    const builtin = expectCode(await sb.run(["plugin", "add", dir], { env: ENV }), 2);
    assert.match(builtin.stderr, /id of a built-in client/);
    assert.match(builtin.stderr, /--replace-builtin/);
    const replaced = await sb.json<{ declares: { replaces?: string } }>(
      ["plugin", "add", dir, "--replace-builtin"],
      { env: ENV },
    );
    assert.equal(replaced.data.declares.replaces, "cursor");
    const clients = await sb.json<{ clients: { id: string; name: string }[] }>(["client", "list"], {
      env: ENV,
    });
    assert.equal(clients.data.clients.find((c) => c.id === "cursor")?.name, "Acme Desk");

    // code that tries to read a file is refused before it runs
    await writePlugin(
      dir,
      { ...ACME(), id: "snoop" },
      `export function render() { return import("file://${sb.home}/.claude.json", { with: { type: "json" } }); }`,
    );
    const snoop = expectCode(await sb.run(["plugin", "add", dir], { env: ENV }), 1);
    assert.match(snoop.stderr, /mentions `import`/);
    assert.equal(await lockBytes(), lock, "deno.lock untouched");
  }));

Deno.test("a plugin that misbehaves at run time is one error; other clients and doctor carry on", () =>
  withSandbox(async (sb) => {
    await addServers(sb);
    await Deno.mkdir(join(sb.home, ".acme"));
    await Deno.mkdir(join(sb.home, ".cursor"));
    const dir = join(sb.home, "slow");
    await writePlugin(
      dir,
      { ...ACME(), id: "slow-desk", detect: { paths: ["~/.acme"] } },
      `export function render(name) { if (name === "plain") { for (;;) {} } return { url: "x" }; }
export function parse() { return null; }`,
    );
    expectCode(await sb.run(["plugin", "add", dir], { env: ENV }), 0);
    const r = await sb.run(["sync", "--yes"], { env: ENV });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /did not answer within 2000 ms/);
    assert.match(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")), /"plain"/, "cursor synced");
    const doctor = await sb.run(["doctor"], { env: ENV });
    assert.match(doctor.stdout, /error\(s\)/, "doctor runs to the end");
  }));

Deno.test("settings.plugins (the old, unsandboxed way) is never imported; each entry names the fix", () =>
  withSandbox(async (sb) => {
    const marker = join(sb.home, "imported");
    await Deno.mkdir(sb.nexusHome, { recursive: true });
    await Deno.writeTextFile(
      join(sb.nexusHome, "old.plugin.js"),
      `Deno.writeTextFileSync(${JSON.stringify(marker)}, "ran"); export default {};`,
    );
    await Deno.writeTextFile(
      join(sb.nexusHome, "registry.json"),
      JSON.stringify({ version: 1, settings: { plugins: ["./old.plugin.js", "npm:evil"] }, servers: {} }),
    );
    const r = expectCode(await sb.run(["client", "list"], { env: ENV }), 0);
    assert.match(r.stderr, /settings\.plugins entry '\.\/old\.plugin\.js' was not loaded/);
    assert.match(r.stderr, /plugin add/);
    assert.match(r.stderr, /'npm:evil' was not loaded/);
    assert.match(r.stdout, /cursor/);
    const doctor = await sb.json<{ findings: { check: string; level: string; message: string }[] }>([
      "doctor",
    ], {
      env: ENV,
    });
    const plugin = doctor.data.findings.filter((f) => f.check === "plugin");
    assert.equal(plugin.length, 2, JSON.stringify(plugin));
    assert.ok(plugin.every((f) => f.level === "error" && /was not loaded/.test(f.message)));
    await assert.rejects(Deno.stat(marker), "the module never ran (client list, nor doctor)");
  }));

Deno.test("backend plugins: trusted by hash, run with only their declared permissions", () =>
  withSandbox(async (sb) => {
    const dir = join(sb.home, "mem-backend");
    await Deno.mkdir(dir);
    await Deno.writeTextFile(
      join(dir, "plugin.json"),
      JSON.stringify({
        kind: "backend",
        id: "memory",
        label: "In-memory (test)",
        description: "forgets everything when the process ends",
        platforms: ["linux", "darwin", "windows"],
        module: "./backend.js",
      }),
    );
    const secretFile = join(sb.home, "not-yours.txt");
    await Deno.writeTextFile(secretFile, "private");
    await Deno.writeTextFile(
      join(dir, "backend.js"),
      `const m = new Map();
export async function get(name) {
  if (name === "snoop") return Deno.readTextFileSync(${JSON.stringify(secretFile)});
  if (name === "phone-home") { await fetch("http://127.0.0.1:8/"); return "sent"; }
  return m.has(name) ? m.get(name) : null;
}
export async function set(name, value) { m.set(name, value); }
async function remove(name) { return m.delete(name); }
export { remove as delete };
export async function list() { return [...m.keys()].sort(); }
export async function probe() { return { ok: true, message: "in memory" }; }
`,
    );
    const tested = expectCode(await sb.run(["plugin", "test", dir], { env: ENV }), 0);
    assert.match(tested.stdout, /8 passed, 0 failed/, "the backend contract ran against it");
    const added = await sb.json<{ declares: { kind: string; permissions: Record<string, string[]> } }>(
      ["plugin", "add", dir],
      { env: ENV },
    );
    assert.equal(added.data.declares.kind, "backend");
    assert.deepEqual(added.data.declares.permissions, {});

    for (const name of ["snoop", "phone-home"]) {
      const r = expectCode(
        await sb.run(["--backend", "memory", "secret", "get", name, "--reveal"], { env: {} }),
        4,
      );
      assert.match(r.stderr, /NotCapable|Requires (read|net) access/);
      assert.ok(!r.stdout.includes("private"));
    }
    expectCode(await sb.run(["--backend", "memory", "secret", "get", "absent"], { env: {} }), 3);

    // a built-in backend id is refused
    await Deno.writeTextFile(
      join(dir, "plugin.json"),
      (await Deno.readTextFile(join(dir, "plugin.json"))).replace('"memory"', '"libsecret"'),
    );
    assert.match(
      expectCode(await sb.run(["plugin", "add", dir], { env: ENV }), 2).stderr,
      /built-in backend/,
    );

    // a changed copy is refused before its code runs
    const js = join(sb.nexusHome, "plugins", "memory", "backend.js");
    await Deno.writeTextFile(js, (await Deno.readTextFile(js)) + "\n// changed\n");
    const changed = expectCode(await sb.run(["--backend", "memory", "secret", "list"], { env: {} }), 4);
    assert.match(changed.stderr, /changed since it was added/);
  }));
