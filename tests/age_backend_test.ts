/**
 * The `age-file` backend (an age-encrypted file, for machines without a keychain): the backend
 * contract every backend passes, nothing in plaintext on disk, a passphrase store, and the CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { backendContract } from "../src/testing/backend_contract.ts";
import { ageFileStore, ageKeyPath, ageStorePath } from "../src/plugins/backends/age_file.ts";
import { NexusError } from "../src/core/model/errors.ts";
import { expectCode, modeOf, walkFiles, withSandbox } from "./helpers.ts";

async function withHome(fn: (home: string) => Promise<void>) {
  const home = await Deno.makeTempDir({ prefix: "mcp-nexus-age-" });
  const saved = Deno.env.get("MCP_NEXUS_HOME");
  Deno.env.set("MCP_NEXUS_HOME", home);
  try {
    await fn(home);
  } finally {
    saved === undefined ? Deno.env.delete("MCP_NEXUS_HOME") : Deno.env.set("MCP_NEXUS_HOME", saved);
    await Deno.remove(home, { recursive: true });
  }
}

const CANARY = "canary-Zq8xW3-age-secret";

Deno.test("age-file: passes the backend contract with a key file made on first write; no plaintext on disk", () =>
  withHome(async (home) => {
    const backend = ageFileStore({ prompt: null });
    await backend.set("canary", CANARY);
    assert.equal((await modeOf(ageKeyPath().path)) & 0o777, 0o600);
    assert.equal((await modeOf(ageStorePath())) & 0o777, 0o600);
    for (const f of await walkFiles(home)) {
      assert.ok(!(await Deno.readTextFile(f)).includes(CANARY), `${f} holds the value in plaintext`);
    }
    assert.equal(await ageFileStore({ prompt: null }).get("canary"), CANARY, "a new instance reads it back");
  }));

Deno.test("age-file contract", async (t) => {
  const home = await Deno.makeTempDir({ prefix: "mcp-nexus-age-" });
  const saved = Deno.env.get("MCP_NEXUS_HOME");
  Deno.env.set("MCP_NEXUS_HOME", home);
  try {
    await backendContract(t, ageFileStore({ prompt: null }));
  } finally {
    saved === undefined ? Deno.env.delete("MCP_NEXUS_HOME") : Deno.env.set("MCP_NEXUS_HOME", saved);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("age-file: a passphrase store needs its passphrase; a wrong one or none is exit 4", () =>
  withHome(async () => {
    const asked: string[] = [];
    const store = ageFileStore({ prompt: (m) => (asked.push(m), Promise.resolve("correct horse")) });
    await store.set("token", CANARY);
    assert.equal(asked.length, 1, "asked once per process");
    assert.equal(await ageFileStore({ prompt: () => Promise.resolve("correct horse") }).get("token"), CANARY);
    for (
      const other of [
        ageFileStore({ prompt: () => Promise.resolve("wrong") }),
        ageFileStore({ prompt: null }),
      ]
    ) {
      await assert.rejects(other.get("token"), (e: unknown) => {
        assert.ok(e instanceof NexusError);
        assert.equal(e.exitCode, 4);
        assert.ok(!e.message.includes(CANARY));
        return true;
      });
    }
  }));

Deno.test("age-file from the CLI: secret set / list with --backend age-file", () =>
  withSandbox(async (sb) => {
    expectCode(await sb.run(["--backend", "age-file", "secret", "set", "gh-token"], { stdin: CANARY }), 0);
    const list = await sb.json<{ secrets: { name: string }[] }>(["--backend", "age-file", "secret", "list"]);
    assert.deepEqual(list.data.secrets.map((s) => s.name), ["gh-token"]);
    assert.ok((await Deno.stat(join(sb.nexusHome, "secrets.age"))).isFile);
    for (const f of await walkFiles(sb.home)) {
      const text = await Deno.readTextFile(f).catch(() => "");
      assert.ok(!text.includes(CANARY), `${f} holds the value in plaintext`);
    }
  }));
