/**
 * Shared by the fast accept paths' tests (registry_fast_test.ts, ledger_fast_test.ts): each compares a
 * hand-written reader with its zod schema on the same input, and the inputs they share.
 */
import assert from "node:assert/strict";

/** Whether any object in `v` has an own key `__proto__` (the fast paths leave those to zod). */
export function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v && typeof v === "object") {
    return Object.entries(v).some(([k, x]) => k === "__proto__" || hasProtoKey(x));
  }
  return false;
}

/**
 * The fast path's verdict against zod's on `raw`: the fast one says null (zod decides), or gives
 * zod's very result (the same fields, defaults and key order). `slow` is null where zod refuses.
 */
export function agreeWith(raw: unknown, fast: unknown, slow: unknown): "accepted" | "rejected" {
  if (fast === null) {
    assert.ok(slow === null || hasProtoKey(raw), `the fast path refused valid input: ${JSON.stringify(raw)}`);
    return "rejected";
  }
  assert.ok(slow !== null, `the fast path accepted what zod refuses: ${JSON.stringify(raw)}`);
  assert.equal(JSON.stringify(fast), JSON.stringify(slow));
  assert.deepEqual(fast, slow);
  return "accepted";
}

/** `obj` with an own key `key` (an assignment of `__proto__` would set the prototype instead). */
export function withOwnKey(
  obj: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

/** The plain JSON values every field of a state file is tried with (each mutation test's first values). */
export const SCALARS: unknown[] = [undefined, null, 0, 1, 2, true, "", "x"];

/** Values that break the usual assumptions: huge and odd numbers, control characters, prototype names. */
export const HOSTILE_VALUES: unknown[] = [
  1e308,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
  "\u0000",
  "a\nb",
  "\u001b[31m",
  "\u2028",
  "__proto__",
  "constructor",
];

/** Keys that name Object.prototype's members, and ones with control characters. */
export const HOSTILE_KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "a\nb", "\u0000"];
