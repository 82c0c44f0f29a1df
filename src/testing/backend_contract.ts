/**
 * The secret-backend contract: every backend plugin, built-in or third-party, runs this against
 * itself. Usage in a Deno test:
 *
 *   Deno.test("my backend", async (t) => {
 *     await backendContract(t, myPlugin.create({ service: "my-test-service" }));
 *   });
 *
 * It stores, reads, updates, lists and deletes items named `contract-*` and removes them afterwards.
 */
import assert from "node:assert/strict";
import type { SecretBackend } from "../core/secrets/secrets.ts";
import { NexusError } from "../core/model/errors.ts";

export async function backendContract(t: Deno.TestContext, backend: SecretBackend): Promise<void> {
  const tag = crypto.randomUUID().slice(0, 8);
  const name = `contract-${tag}.A_b-9`;
  const other = `contract-${tag}-other`;

  await t.step("probe reports a healthy store", async () => {
    const h = await backend.probe();
    assert.equal(h.ok, true, `${h.status}: ${h.message}`);
  });

  await t.step("an absent secret reads as null, not an error", async () => {
    assert.equal(await backend.get(`contract-${tag}-never-set`), null);
  });

  if (!backend.writable) {
    await t.step("a read-only backend refuses set and delete with exit code 4", async () => {
      for (const op of [() => backend.set(name, "x"), () => backend.delete(name)]) {
        await assert.rejects(op, (e: unknown) => e instanceof NexusError && e.exitCode === 4);
      }
    });
    return;
  }

  try {
    await t.step("set then get returns the same value (unicode, spaces, 4 KiB)", async () => {
      for (const value of ["plain", "with spaces and ünïcødé ✓", "x".repeat(4096), "line1\nline2"]) {
        await backend.set(name, value);
        assert.equal(await backend.get(name), value);
      }
    });

    await t.step("set again overwrites", async () => {
      await backend.set(name, "first");
      await backend.set(name, "second");
      assert.equal(await backend.get(name), "second");
    });

    await t.step("list names what is stored, and only names", async () => {
      await backend.set(other, "other-value");
      const names = await backend.list([]);
      assert.ok(names.includes(name), `list lacks ${name}: ${names}`);
      assert.ok(names.includes(other));
      assert.ok(!names.some((n) => n.includes("second") || n.includes("other-value")));
    });

    await t.step("items are separate", async () => {
      assert.equal(await backend.get(other), "other-value");
      assert.equal(await backend.get(name), "second");
    });

    await t.step("delete removes; a second delete reports false", async () => {
      assert.equal(await backend.delete(name), true);
      assert.equal(await backend.get(name), null);
      assert.equal(await backend.delete(name), false);
      assert.ok(!(await backend.list([])).includes(name));
    });
  } finally {
    await backend.delete(name).catch(() => {});
    await backend.delete(other).catch(() => {});
  }
}
