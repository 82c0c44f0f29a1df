/**
 * The ledger's fast accept path (`fastLedger`) against its zod schema (`zodLedger`): on every single
 * change to a full ledger, fast gives zod's very ledger or null (zod then words the problem).
 */
import assert from "node:assert/strict";
import { fastLedger, type Ledger, zodLedger } from "../src/core/io/ledger.ts";

const H = "a".repeat(64);
const base = {
  version: 1,
  files: {
    "/home/u/.cursor/mcp.json": {
      client: "cursor",
      entries: {
        github: { sha256: H, writtenAt: "2026-01-01T00:00:00.000Z" },
        linear: { sha256: H, writtenAt: "t", pending: "b".repeat(64), inline: true },
      },
    },
    "/home/u/.codex/config.toml": { client: "codex", entries: {} },
  },
};

async function zod(raw: unknown): Promise<Ledger | null> {
  try {
    return await zodLedger(JSON.stringify(raw), "/ledger.json");
  } catch (err) {
    assert.equal((err as { code?: string }).code, "E_LEDGER_INVALID");
    return null;
  }
}

function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v && typeof v === "object") {
    return Object.entries(v).some(([k, x]) => k === "__proto__" || hasProtoKey(x));
  }
  return false;
}

Deno.test("fastLedger agrees with the zod schema on every single change to a ledger", async () => {
  const values: unknown[] = [
    undefined,
    null,
    0,
    1,
    2,
    true,
    "",
    "x",
    H,
    H.toUpperCase(),
    "a".repeat(63),
    [H],
    [],
    {},
    { sha256: H, writtenAt: "t" },
    { sha256: H },
    { client: "x", entries: {} },
  ];
  let accepted = 0, rejected = 0;
  const check = async (raw: unknown) => {
    const fast = fastLedger(structuredClone(raw));
    const slow = await zod(raw);
    if (fast === null) {
      assert.ok(slow === null || hasProtoKey(raw), `fast refused a valid ledger: ${JSON.stringify(raw)}`);
      rejected++;
    } else {
      assert.ok(slow !== null, `fast accepted what zod refuses: ${JSON.stringify(raw)}`);
      assert.equal(JSON.stringify(fast), JSON.stringify(slow));
      assert.deepEqual(fast, slow);
      accepted++;
    }
  };
  await check(base);
  await check(JSON.parse('{"version":1,"files":{"__proto__":{"client":"x","entries":{}}}}'));
  const visit = async (path: string[], node: unknown) => {
    for (const v of values) {
      const copy = structuredClone(base) as Record<string, unknown>;
      let parent = copy;
      for (const k of path.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
      if (v === undefined) delete parent[path[path.length - 1]];
      else parent[path[path.length - 1]] = v;
      await check(copy);
    }
    if (node && typeof node === "object" && !Array.isArray(node)) {
      const copy = structuredClone(base) as Record<string, unknown>;
      let at = copy;
      for (const k of path) at = at[k] as Record<string, unknown>;
      at.extra = "x";
      at[""] = { client: "c", entries: {} };
      await check(copy);
      for (const [k, v] of Object.entries(node)) await visit([...path, k], v);
    }
  };
  for (const [k, v] of Object.entries(base)) await visit([k], v);
  assert.ok(accepted > 10 && rejected > 50, `accepted ${accepted}, rejected ${rejected}`);
});
