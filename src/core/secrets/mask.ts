/** Masking for diffs and reports: secret-looking values are shown as •••••• (names stay visible). */
import { MASK, redact } from "./redact.ts";
import { looksLikeSecretValue, maskSecrets } from "./secret_detect.ts";

/** Maps whose values are always masked in diffs (env vars and HTTP headers, in each client's spelling). */
const SECRET_MAPS = new Set(["env", "envs", "environment", "headers", "http_headers"]);
/** Values that are not secrets themselves: references, client interpolations (`${X}`, `{env:X}`), empty. */
const PLACEHOLDER =
  /^(|\$\{[^}]+\}|\{env:[^}]+\}|keychain:\S+|(Bearer|Basic|token) (\$\{[^}]+\}|\{env:[^}]+\}))$/;

/** A deep copy of a client entry with every secret-looking string masked. */
export function maskEntry(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (redact(value) !== value || looksLikeSecretValue(value)) return MASK;
    // embedded secrets (`TOKEN=ghp_…`, `postgres://u:pw@…`) are masked in place; the rest stays readable
    // (one detector pass: with no secret found, the value comes back as it was)
    return maskSecrets(key, value, MASK);
  }
  if (Array.isArray(value)) {
    // `--api-key VALUE`: the value after a secret-looking flag is masked too
    return value.map((v, i) => {
      const prev = typeof value[i - 1] === "string" ? String(value[i - 1]).replace(/^-+/, "") : "";
      return maskEntry(v, /^-/.test(String(value[i - 1] ?? "")) ? prev : "");
    });
  }
  if (value && typeof value === "object") {
    if (SECRET_MAPS.has(key)) {
      // env and header values may be secrets no heuristic recognises (a value already in a client
      // file, a DATABASE_URL with a password): shown masked, except placeholders and references
      return Object.fromEntries(
        Object.entries(value).map((
          [k, v],
        ) => [k, typeof v === "string" && !PLACEHOLDER.test(v) ? MASK : maskEntry(v, k)]),
      );
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEntry(v, k)]));
  }
  return value;
}
