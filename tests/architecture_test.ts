/**
 * The architecture rule (issue 8: a composition root, plugin contracts in their own folder), checked
 * on the source itself. Every module specifier a file names is read: `import … from`, `export … from`,
 * `import("…")`, and every other string literal that looks like a module path (`"./x.ts"`,
 * `"../y/z.ts"`), so a computed specifier (`new URL("../plugins/backends/mod.ts", import.meta.url)`,
 * the launcher's `lazy("…")`) cannot slip past.
 *
 * The rule:
 * - **src/core** never imports src/plugins, src/host or src/cli. What it needs from them (the secret
 *   backend, a prompt) is handed in: `SecretServices` (src/core/secrets/services.ts), implemented by the
 *   composition root src/host/services.ts. No exceptions.
 * - **src/host** never imports src/cli: the command hands the host what only a terminal has (the
 *   hidden prompt), so the dependencies run cli → host → core.
 * - **src/ports** (the plugin contracts) only re-exports (`export … from`), and defines nothing: values
 *   only from the core modules listed in CORE_CONTRACTS below (each for a reason), types from the core
 *   and the plugins' manifest; it never names src/host or src/cli. Each CORE_CONTRACTS module is
 *   re-exported by one port.
 * - **src/plugins** imports src/ports, other files under src/plugins (a plugin's own helpers, e.g.
 *   clients/common.ts) and packages (`npm:`, `node:`, import-map names). Never src/core directly, nor
 *   src/host or src/cli.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const SRC = join(ROOT, "src");

/**
 * The core modules src/ports re-exports (src/ports/<port>.ts), and why each is part of the contract: the
 * only core modules whose functions a plugin reaches, and only through a port.
 */
const CORE_CONTRACTS: Record<string, string> = {
  "src/core/sync/clients.ts":
    "the client-adapter contract (ClientAdapter, PathContext, ClientServer): types only (src/ports/clients.ts)",
  "src/core/secrets/secrets.ts":
    "the secret-backend contract (SecretBackend, BackendPlugin, BackendContext) and backendError, envVarFor (src/ports/secrets.ts)",
  "src/core/model/errors.ts":
    "NexusError: the one error type every layer throws and the CLI renders with its exit code",
  "src/core/io/paths.ts":
    "OS, home and environment lookups, so a plugin resolves paths exactly as the rest does",
  "src/core/model/names.ts":
    "validateSecretName: a backend refuses exactly the secret names the store refuses; keychainServiceName: the launcher's light store reads the service name paths.ts reads, without node:path",
  "src/core/secrets/redact.ts":
    "registerSecret: a backend that hands values past SecretStore (the launcher's fast path) registers them for masking itself",
  "src/core/io/path.ts":
    "path functions of the host OS and of any OS (pathFor(ctx.os)), the same the core uses, without node:path",
  "src/core/io/fs.ts":
    "the fs gateway: every file write (the age-file store) goes through it (atomic, 0600, locks), by product rule",
};

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* tsFiles(p);
    else if (e.isFile && /\.(ts|js|mjs)$/.test(e.name)) yield p;
  }
}

interface Specifier {
  spec: string;
  typeOnly: boolean;
  line: number;
}

/** Every module specifier in a file (see the header). Comments are dropped first. */
export function specifiers(source: string): Specifier[] {
  // drop comments, keeping line breaks (and string contents) where they are
  const text = source.replace(
    /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (m, str) => str ?? m.replace(/[^\n]/g, " "),
  );
  const lineOf = (i: number) => text.slice(0, i).split("\n").length;
  const out: Specifier[] = [];
  const seen = new Set<number>();
  const statement =
    /\b(import|export)\s+(type\s+)?[^;'"`]*?\bfrom\s*(["'])([^"'\n]+)\3|\bimport\s*(["'])([^"'\n]+)\5/g;
  for (const m of text.matchAll(statement)) {
    const spec = m[4] ?? m[6];
    const at = m.index! + m[0].lastIndexOf(spec);
    seen.add(at);
    out.push({ spec, typeOnly: !!m[2], line: lineOf(m.index!) });
  }
  // import("…"), lazy("…"), new URL("…", import.meta.url): any literal that is a relative module path
  for (const m of text.matchAll(/(["'`])(\.{1,2}\/[^"'`\s]*\.(?:ts|js|mjs|json))\1/g)) {
    const at = m.index! + 1;
    if (seen.has(at)) continue;
    out.push({ spec: m[2], typeOnly: false, line: lineOf(m.index!) });
  }
  return out;
}

/** A relative specifier as a repository path (`src/core/x.ts`); null for a package. */
function target(file: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  return relative(ROOT, resolve(dirname(file), spec)).replaceAll("\\", "/");
}

async function violations(
  layer: string,
  check: (to: string | null, s: Specifier, from: string) => string | null,
): Promise<string[]> {
  const found: string[] = [];
  for await (const file of tsFiles(join(SRC, layer))) {
    const from = relative(ROOT, file).replaceAll("\\", "/");
    for (const s of specifiers(await Deno.readTextFile(file))) {
      const why = check(target(file, s.spec), s, from);
      if (why) found.push(`${from}:${s.line} imports "${s.spec}": ${why}`);
    }
  }
  return found;
}

const under = (to: string | null, dir: string) => to !== null && to.startsWith(`src/${dir}/`);

Deno.test("architecture: the specifier reader sees static, dynamic and computed imports, not comments", () => {
  const found = specifiers(`
import { a } from "./a.ts";
import type { B } from "../plugins/b.ts";
export { c } from "./c.ts";
import "./side.ts";
// import { d } from "../host/d.ts";
/* const e = import("../cli/e.ts"); */
const f = await import("../plugins/f.ts");
const g = lazy<typeof import("./g.ts")>("../host/g.ts");
const h = new URL("../cli/h.ts", import.meta.url);
const i = "not a module";
`).map((s) => `${s.spec}${s.typeOnly ? " (type)" : ""}`);
  assert.deepEqual(found.sort(), [
    "../cli/h.ts",
    "../host/g.ts",
    "../plugins/b.ts (type)",
    "../plugins/f.ts",
    "./a.ts",
    "./c.ts",
    "./g.ts",
    "./side.ts",
  ]);
});

Deno.test("architecture: src/core never imports src/plugins, src/host or src/cli", async () => {
  const found = await violations(
    "core",
    (to) =>
      under(to, "plugins") || under(to, "host") || under(to, "cli")
        ? "the core gets what it needs handed in (src/core/secrets/services.ts, implemented in src/host)"
        : null,
  );
  assert.deepEqual(found, []);
});

Deno.test("architecture: src/host never imports src/cli", async () => {
  const found = await violations(
    "host",
    (to) =>
      under(to, "cli") ? "the command hands the host what it needs (a prompt): cli → host → core" : null,
  );
  assert.deepEqual(found, []);
});

Deno.test("architecture: src/ports only re-exports: values from the core contracts, never from src/host or src/cli", async () => {
  const found = await violations(
    "ports",
    (to, s) =>
      under(to, "host") || under(to, "cli")
        ? "ports are contracts; the host implements them"
        : to !== null && under(to, "ports")
        ? null
        : !s.typeOnly && !(to !== null && Object.hasOwn(CORE_CONTRACTS, to))
        ? "ports re-export functions only from CORE_CONTRACTS (tests/architecture_test.ts), types from anywhere else"
        : null,
  );
  assert.deepEqual(found, []);
  // a port defines nothing: once its re-exports (and comments) are gone, nothing is left
  const reexport = /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})\s*from\s*"[^"]+"\s*;/g;
  const reexported = new Set<string>();
  for await (const file of tsFiles(join(SRC, "ports"))) {
    const text = await Deno.readTextFile(file);
    const rest = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").replace(reexport, "").trim();
    assert.equal(rest, "", `${relative(ROOT, file)} only re-exports`);
    for (const s of specifiers(text)) {
      const to = target(file, s.spec);
      if (to) reexported.add(to);
    }
  }
  // every contract is offered to plugins by a port (the list says what ports re-export, no more)
  assert.deepEqual(
    Object.keys(CORE_CONTRACTS).filter((c) => !reexported.has(c)),
    [],
  );
});

Deno.test("architecture: src/plugins imports only src/ports, src/plugins and packages", async () => {
  const found = await violations("plugins", (to) => {
    if (to === null) return null; // a package: npm:, node:, an import-map name
    if (under(to, "ports") || under(to, "plugins")) return null;
    if (under(to, "host") || under(to, "cli")) return "a plugin never reaches the host or the CLI";
    if (under(to, "core")) {
      return "a plugin imports the core through src/ports (re-export it there, if it is a contract)";
    }
    return "not a plugin contract (src/ports)";
  });
  assert.deepEqual(found, []);
  // every contract module still exists (a rename must update the rule, not silently widen it)
  for (const path of Object.keys(CORE_CONTRACTS)) {
    assert.ok((await Deno.stat(join(ROOT, path))).isFile, `${path} (CORE_CONTRACTS) exists`);
  }
});

Deno.test("architecture: src never imports node:path or node:url (src/core/io/path.ts is the one place)", async () => {
  // importing either starts Deno's Node compatibility layer (7–12 ms a start, measured); path.ts has
  // the POSIX functions of its own and loads node:path's win32 ones on first use only
  const found = await violations(
    "",
    (_to, s, from) =>
      /^node:(path|url)(\/|$)/.test(s.spec) && from !== "src/core/io/path.ts"
        ? "use src/core/io/path.ts (src/ports/path.ts in a plugin)"
        : null,
  );
  assert.deepEqual(found, []);
});

Deno.test("architecture: src loads its own modules lazily by computed specifiers, never by a literal import()", async () => {
  // Deno builds the module graph of every literal `import("./x.ts")` in a module when that module
  // loads, reached or not (and with it npm resolution for any package below): sync's start paid ~20 ms
  // for modules it never ran. `load<typeof import("./x.ts")>(import.meta.url, "./x.ts")`
  // (src/core/model/load.ts) loads the same module when reached, and keeps its types. (An npm package stays
  // a literal: `deno compile` embeds only the packages it sees.)
  // the check itself: a load chained with .then/.catch/.finally is a load; `import("./x.ts").Name`
  // and `typeof import("./x.ts")` are types
  assert.deepEqual(literalImports(`const a = import("./a.ts").then((m) => m.f());`), ["./a.ts"]);
  assert.deepEqual(literalImports(`await import("./b.ts")\n  .catch(() => null);`), ["./b.ts"]);
  assert.deepEqual(literalImports(`await import("./c.ts");`), ["./c.ts"]);
  assert.deepEqual(
    literalImports(`let x: import("./d.ts").D; type T = typeof import("./e.ts"); import("npm-pkg");`),
    [],
  );
  const found: string[] = [];
  for await (const file of tsFiles(SRC)) {
    for (const spec of literalImports(await Deno.readTextFile(file))) {
      found.push(`${relative(ROOT, file).replaceAll("\\", "/")}: import("${spec}")`);
    }
  }
  assert.deepEqual(found, []);
});

Deno.test("architecture: each lazy load's type names the module it loads, resolved against its own module", async () => {
  // `load<typeof import("./a.ts")>(import.meta.url, "./b.ts")` type-checks and loads another module
  // than its type says; any base but the caller's import.meta.url resolves against another folder
  const call = /\bload<typeof import\(\s*"([^"]+)"\s*\)>\(([^()]*)\)/g;
  const wrong: string[] = [];
  let calls = 0;
  for await (const file of tsFiles(SRC)) {
    const code = (await Deno.readTextFile(file)).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
    for (const m of code.matchAll(call)) {
      calls++;
      const args = m[2].split(",").map((a) => a.trim()).filter((a) => a !== "");
      const expected = ["import.meta.url", `"${m[1]}"`];
      if (args.join(", ") !== expected.join(", ")) {
        wrong.push(
          `${relative(ROOT, file).replaceAll("\\", "/")}: load<typeof import("${m[1]}")>(${args.join(", ")})`,
        );
      }
    }
  }
  assert.ok(calls > 100, `${calls} lazy loads found: the pattern no longer matches them`);
  assert.deepEqual(wrong, []);
});

/** The relative specifiers `code` loads by a literal `import()` (types, and comments, left out). */
function literalImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
  const out: string[] = [];
  // `import("./x.ts").Name` is a type; `.then`, `.catch` and `.finally` chain a load
  const literal = /(?<![\w.])import\(\s*(["'`])(\.[^"'`]*)\1\s*\)(?!\.(?!(?:then|catch|finally)\b)[A-Za-z])/g;
  for (const m of code.matchAll(literal)) {
    if (/typeof\s+$/.test(code.slice(0, m.index))) continue; // a type, not a load
    out.push(m[2]);
  }
  return out;
}

Deno.test("architecture: the built-in backend ids are one table, and the registry holds exactly those", async () => {
  const { BUILT_IN_BACKEND_IDS } = await import("../src/plugins/backends/ids.ts");
  const { listBackends } = await import("../src/plugins/backends/mod.ts");
  assert.deepEqual(listBackends().map((b) => b.id).sort(), [...BUILT_IN_BACKEND_IDS].sort());
  // no other file spells the list out again
  const spelled: string[] = [];
  for await (const file of tsFiles(SRC)) {
    const text = await Deno.readTextFile(file);
    if (/"windows-credential-manager",\s*"env"/.test(text)) spelled.push(relative(ROOT, file));
  }
  assert.deepEqual(spelled, ["src/plugins/backends/ids.ts"]);
});

Deno.test("architecture: the backend selection order (flag, MCP_NEXUS_BACKEND, setting, auto) is written once", async () => {
  const { requestedBackend } = await import("../src/plugins/backends/ids.ts");
  const saved = Deno.env.get("MCP_NEXUS_BACKEND");
  try {
    Deno.env.set("MCP_NEXUS_BACKEND", "env");
    assert.equal(requestedBackend("age-file", "libsecret"), "age-file");
    assert.equal(requestedBackend(undefined, "libsecret"), "env");
    Deno.env.set("MCP_NEXUS_BACKEND", "");
    assert.equal(requestedBackend(undefined, "libsecret"), "libsecret", "empty counts as unset");
    Deno.env.delete("MCP_NEXUS_BACKEND");
    assert.equal(requestedBackend(), "auto");
  } finally {
    if (saved === undefined) Deno.env.delete("MCP_NEXUS_BACKEND");
    else Deno.env.set("MCP_NEXUS_BACKEND", saved);
  }
  // nobody else chains the variable into a choice of their own
  const chained: string[] = [];
  for await (const file of tsFiles(SRC)) {
    if (/env(?:\.get)?\(\s*"MCP_NEXUS_BACKEND"\s*\)\s*\?\?/.test(await Deno.readTextFile(file))) {
      chained.push(relative(ROOT, file));
    }
  }
  assert.deepEqual(chained, []);
});
