/**
 * src/core/io/path.ts: our POSIX path functions give node:path's posix results (the reference), on
 * random paths made of the pieces that break path code: separator runs, `.`, `..`, empty parts,
 * trailing separators, dots inside names. And the modules every start loads no longer start Deno's
 * Node compatibility layer (the reason the module exists).
 */
import assert from "node:assert/strict";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { posixPath } from "../src/core/io/path.ts";

// "ab" beside "a" (a name that extends another: the guard's `/root` vs `/rootx`), "..a" (a name that
// starts with "..", which the guard's `relative` must not confuse with climbing out), a backslash (an
// ordinary character on POSIX)
const piece = fc.constantFrom(
  "a",
  "b",
  "ab",
  "é x",
  ".",
  "..",
  "...",
  ".a",
  "..a",
  "a.",
  "",
  "/",
  "//",
  "~",
  "\\",
);
const path = fc.array(piece, { maxLength: 8 }).map((ps) => ps.join(""));
const absolute = path.map((p) => "/" + p);
const anyPath = fc.oneof(path, absolute);
const RUNS = { numRuns: 3000 };

Deno.test("path: join, dirname, basename, normalize, isAbsolute agree with node:path posix", () => {
  fc.assert(
    fc.property(fc.array(anyPath, { maxLength: 4 }), (ps) => {
      assert.equal(posixPath.join(...ps), posix.join(...ps), `join(${JSON.stringify(ps)})`);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(anyPath, (p) => {
      const q = JSON.stringify(p);
      assert.equal(posixPath.dirname(p), posix.dirname(p), `dirname(${q})`);
      assert.equal(posixPath.basename(p), posix.basename(p), `basename(${q})`);
      assert.equal(posixPath.normalize(p), posix.normalize(p), `normalize(${q})`);
      assert.equal(posixPath.isAbsolute(p), posix.isAbsolute(p), `isAbsolute(${q})`);
    }),
    RUNS,
  );
});

Deno.test("path: resolve and relative agree with node:path posix (the write-root guard uses them)", () => {
  fc.assert(
    fc.property(fc.array(anyPath, { maxLength: 3 }), (ps) => {
      assert.equal(posixPath.resolve(...ps), posix.resolve(...ps), `resolve(${JSON.stringify(ps)})`);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(anyPath, anyPath, (a, b) => {
      assert.equal(posixPath.relative(a, b), posix.relative(a, b), `relative(${JSON.stringify([a, b])})`);
    }),
    RUNS,
  );
  // the guard's question: is a path at or below a root (relative does not climb out)?
  assert.equal(posixPath.relative("/home/u/.config", "/home/u/.config/x/../y"), "y");
  assert.equal(posixPath.relative("/home/u/.config", "/home/u/.configx"), "../.configx");
  assert.equal(posixPath.relative("/home/u/.config", "/home/u/.config/../../etc/passwd"), "../../etc/passwd");
  assert.equal(posixPath.relative("/home/u", "/home/u/..a"), "..a");
});

Deno.test("path: fromFileUrl agrees with node:url's fileURLToPath (the same path, or both refuse)", () => {
  const part = fc.constantFrom(
    "a",
    "/",
    "//",
    "%2f",
    "%2F",
    "%20",
    "%C3%A9",
    "é",
    "%",
    "%zz",
    "..",
    ".",
    "?q",
    "#h",
    "host",
  );
  const outcome = (f: () => string) => {
    try {
      return f();
    } catch {
      return "(refused)";
    }
  };
  fc.assert(
    fc.property(fc.array(part, { maxLength: 8 }).map((ps) => "file:" + ps.join("")), (u) => {
      assert.equal(outcome(() => posixPath.fromFileUrl(u)), outcome(() => fileURLToPath(u)), u);
    }),
    RUNS,
  );
});

Deno.test("path: fromFileUrl decodes local file: URLs and refuses others", () => {
  assert.equal(posixPath.fromFileUrl("file:///tmp/a%20b/c%C3%A9.ts"), "/tmp/a b/cé.ts");
  assert.equal(posixPath.fromFileUrl(new URL("file:///x/y")), "/x/y");
  assert.throws(() => posixPath.fromFileUrl("https://example.com/x"), TypeError);
  assert.throws(() => posixPath.fromFileUrl("file://host/x"), TypeError);
  assert.throws(() => posixPath.fromFileUrl("file:///a%2Fb"), TypeError);
});

Deno.test({
  name: "path: `server list` and `run` start without Deno's Node compatibility layer, npm or sync's graph",
  ignore: Deno.build.os === "windows",
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "mcp-nexus-path-" });
    const env = { HOME: home, MCP_NEXUS_HOME: `${home}/nexus`, XDG_CONFIG_HOME: `${home}/.config` };
    const cwd = new URL("..", import.meta.url);
    try {
      const add = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "-P=nexus", "main.ts", "server", "add", "echo", "--", "true"],
        cwd,
        env,
      }).output();
      assert.ok(add.success, new TextDecoder().decode(add.stderr));
      for (
        const [args, loads] of [
          [["server", "list"], /src\/core\/io\/path\.ts/],
          [["run", "echo"], /src\/core\/launch\/launcher\.ts/],
        ] as const
      ) {
        // --log-level=debug names every module Deno evaluates, internal ones (ext:deno_node/…) too
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-prompt", "-P=nexus", "--log-level=debug", "main.ts", ...args],
          cwd,
          env,
          stdout: "null",
          stderr: "piped",
        }).output();
        const log = new TextDecoder().decode(out.stderr);
        assert.ok(out.success, log.slice(-2000));
        assert.match(log, loads, "the debug log names the modules it loads");
        const node = log.split("\n").filter((l) => l.includes("ext:deno_node/"));
        assert.deepEqual(node, [], `${args.join(" ")} loaded Node compatibility modules`);
        // nor does it build the module graph of what it never runs (a literal `import()` does that):
        // sync's modules, or zod and the npm resolution that comes with any npm package
        const graph = log.split("\n").filter((l) =>
          /npm_installer::resolution|src\/(cli\/sync|core\/sync\/)/.test(l)
        );
        assert.deepEqual(graph, [], `${args.join(" ")} built the graph of modules it does not use`);
      }
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
