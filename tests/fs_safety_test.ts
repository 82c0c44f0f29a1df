/** The fs gateway's data-safety rules, unit by unit: compare-and-swap, special files, fault switch. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { allowWritesUnder, readTextIfExists, writeFileAtomic } from "../src/core/io/fs.ts";
import { parseDocument } from "../src/core/formats/mod.ts";
import { NexusError } from "../src/core/model/errors.ts";
import { expectCode, withSandbox } from "./helpers.ts";

const posix = Deno.build.os !== "windows";

async function tmp(): Promise<string> {
  const d = await Deno.makeTempDir({ prefix: "nexus-fs-safety-" });
  allowWritesUnder(d);
  return d;
}

Deno.test("a write that expects other contents replaces nothing and leaves no temp file", async () => {
  const d = await tmp();
  const f = join(d, "c.json");
  await Deno.writeTextFile(f, "client's newer text");
  await assert.rejects(
    () => writeFileAtomic(f, "ours", { expect: "what we read earlier" }),
    (e) => e instanceof NexusError && e.code === "E_CHANGED_DURING_WRITE",
  );
  assert.equal(await Deno.readTextFile(f), "client's newer text");
  assert.deepEqual([...Deno.readDirSync(d)].map((e) => e.name), ["c.json"]);
  await assert.rejects(
    () => writeFileAtomic(join(d, "new.json"), "ours", { expect: "something" }),
    (e) => e instanceof NexusError && e.code === "E_CHANGED_DURING_WRITE",
    "a file expected but gone is a change too",
  );
  await writeFileAtomic(f, "ours", { expect: "client's newer text" });
  assert.equal(await Deno.readTextFile(f), "ours");
  assert.deepEqual([...Deno.readDirSync(d)].map((e) => e.name), ["c.json"]);
  await Deno.remove(d, { recursive: true });
});

Deno.test({
  name: "FIFOs and devices are refused before being opened, for reading and for writing",
  ignore: !posix,
  fn: async () => {
    const d = await tmp();
    const fifo = join(d, "pipe.json");
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    await assert.rejects(() => readTextIfExists(fifo), /is a FIFO \(named pipe\), not a regular file/);
    await assert.rejects(() => writeFileAtomic(fifo, "x"), /is a FIFO/);
    const link = join(d, "null.json");
    await Deno.symlink("/dev/null", link);
    await assert.rejects(() => writeFileAtomic(link, "x"), /is a device/);
    assert.ok((await Deno.stat("/dev/null")).isCharDevice);
    await Deno.remove(d, { recursive: true });
  },
});

Deno.test("a BOM is kept only when asked (client files), dropped for our own JSON", async () => {
  const d = await tmp();
  const f = join(d, "bom.json");
  await Deno.writeTextFile(f, "\uFEFF{}");
  assert.equal(await readTextIfExists(f), "{}");
  assert.equal(await readTextIfExists(f, { keepBom: true }), "\uFEFF{}");
  await Deno.remove(d, { recursive: true });
});

Deno.test("YAML: strings libyaml readers reject or read as line breaks are written escaped", async () => {
  const value = "a\u0085b\u2028c\u2029d\u0007e\u009bf\u007fg\uFEFFh\ti";
  const doc = await parseDocument("yaml", "# mine\u2028 comment\nx: 1\n", "f.yaml");
  doc.set(["extensions", "s"], { cmd: value, args: [value] });
  const out = doc.toString();
  assert.ok(out.startsWith("# mine\u2028 comment\nx: 1\n"), "the user's lines are kept byte for byte");
  const ours = out.slice(out.indexOf("extensions"));
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\uFEFF]/.test(ours), JSON.stringify(ours));
  const back = await parseDocument("yaml", out, "f.yaml");
  assert.equal(back.get(["extensions", "s", "cmd"]) as string, value);
});

Deno.test({
  name: "fault injection cannot be switched on by the variable alone",
  ignore: !posix,
  fn: async () => {
    const add = ["server", "add", "alpha", "--", "npx", "-y", "alpha"];
    const spec = "kill@tmp:registry.json#1";
    // without the marker file in HOME
    await withSandbox(async (sb) => {
      expectCode(await sb.run(add, { env: { MCP_NEXUS_TEST_FAULT: spec } }), 0);
    });
    // with a marker that says something else
    await withSandbox(async (sb) => {
      await Deno.writeTextFile(join(sb.home, ".mcp-nexus-test-fault"), "fail@tmp:ledger.json#1");
      expectCode(await sb.run(add, { env: { MCP_NEXUS_TEST_FAULT: spec } }), 0);
    });
    // with the marker, but HOME outside /tmp
    const home = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "mcp-nexus-test-" });
    try {
      await withSandbox(async (sb) => {
        await Deno.writeTextFile(join(home, ".mcp-nexus-test-fault"), spec);
        const r = await sb.run(add, {
          env: { MCP_NEXUS_TEST_FAULT: spec, HOME: home, MCP_NEXUS_HOME: join(home, "nexus") },
        });
        expectCode(r, 0);
      });
    } finally {
      await Deno.remove(home, { recursive: true });
    }
    // and the same run in a test HOME with the marker does stop there (the switch works)
    await withSandbox(async (sb) => {
      await Deno.writeTextFile(join(sb.home, ".mcp-nexus-test-fault"), spec);
      const r = await sb.run(add, { env: { MCP_NEXUS_TEST_FAULT: spec } });
      assert.notEqual(r.code, 0);
    });
  },
});
