/**
 * The ledger's fast accept path (`fastLedger`) against its zod schema (`zodLedger`): on every single
 * change to a full ledger, fast gives zod's very ledger or null (zod then words the problem).
 */
import assert from "node:assert/strict";
import { fastLedger, type Ledger, zodLedger } from "../src/core/io/ledger.ts";
import { agreeWith, HOSTILE_KEYS, HOSTILE_VALUES, SCALARS, withOwnKey } from "./fast_path_helpers.ts";

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

Deno.test("fastLedger agrees with the zod schema on every single change to a ledger", async () => {
  const values: unknown[] = [
    ...SCALARS,
    H,
    H.toUpperCase(),
    "a".repeat(63),
    [H],
    [],
    {},
    { sha256: H, writtenAt: "t" },
    { sha256: H },
    { client: "x", entries: {} },
    ...HOSTILE_VALUES,
  ];
  let accepted = 0, rejected = 0;
  const check = async (raw: unknown) => {
    // a JSON round trip: what loadLedger hands it
    const input = JSON.parse(JSON.stringify(raw));
    const verdict = agreeWith(input, fastLedger(structuredClone(input)), await zod(input));
    verdict === "accepted" ? accepted++ : rejected++;
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
      // keys that name Object.prototype's members (own keys, as JSON.parse makes them)
      for (const key of HOSTILE_KEYS) {
        const c = structuredClone(base) as Record<string, unknown>;
        let a = c;
        for (const k of path) a = a[k] as Record<string, unknown>;
        withOwnKey(a, key, structuredClone(Object.values(node)[0] ?? { sha256: H, writtenAt: "t" }));
        await check(c);
      }
      for (const [k, v] of Object.entries(node)) await visit([...path, k], v);
    }
  };
  for (const [k, v] of Object.entries(base)) await visit([k], v);
  assert.ok(accepted > 10 && rejected > 50, `accepted ${accepted}, rejected ${rejected}`);
});

Deno.test("fastLedger agrees with zod on duplicate keys and prototype names in the file's text", async () => {
  const texts = [
    `{"version":1,"version":1,"files":{}}`,
    `{"version":2,"version":1,"files":{}}`,
    `{"version":1,"files":{"/f":{"client":"a","client":"b","entries":{}}}}`,
    `{"version":1,"files":{"/f":{"client":"a","entries":{"x":{"sha256":"${H}","writtenAt":"t","sha256":"bad"}}}}}`,
    `{"version":1,"files":{"/f":{"client":"a","entries":{"constructor":{"sha256":"${H}","writtenAt":"t"}}}}}`,
    `{"version":1,"files":{"/f":{"client":"a","entries":{"__proto__":{"sha256":"${H}","writtenAt":"t"}}}}}`,
    `{"version":1,"files":{"toString":{"client":"a","entries":{}}}}`,
    `{"version":1e0,"files":{}}`,
    `{"version":1.0000000000000001,"files":{}}`,
  ];
  for (const t of texts) agreeWith(JSON.parse(t), fastLedger(JSON.parse(t)), await zod(JSON.parse(t)));
});
