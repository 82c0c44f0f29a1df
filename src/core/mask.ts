/** Masking for diffs and reports: secret-looking values are shown as •••••• (names stay visible). */
import { MASK, redact } from "./redact.ts";
import { isPlaintextSecret, looksLikeSecretValue } from "./secret_detect.ts";

/** A deep copy of a client entry with every secret-looking string masked. */
export function maskEntry(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (redact(value) !== value || looksLikeSecretValue(value) || isPlaintextSecret(key, value)) return MASK;
    return value;
  }
  if (Array.isArray(value)) {
    // `--api-key VALUE`: the value after a secret-looking flag is masked too
    return value.map((v, i) => {
      const prev = typeof value[i - 1] === "string" ? String(value[i - 1]).replace(/^-+/, "") : "";
      return maskEntry(v, /^-/.test(String(value[i - 1] ?? "")) ? prev : "");
    });
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEntry(v, k)]));
  }
  return value;
}
