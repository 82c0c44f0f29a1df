/**
 * The one secret detector: used to refuse plaintext secrets on `server add` and `install`, to move
 * plaintext secrets into the keychain on `import`/`adopt`, by `doctor` to find ones left in client
 * files, and by diff masking. It looks at whole values and at secrets embedded in a value:
 * - `NAME=VALUE` (`-e GITHUB_PERSONAL_ACCESS_TOKEN=ghp_…`, `env KEY=sk-…`, `--env=K=V`, `--api-key=…`),
 * - `Name: value` (`--header "Authorization: Bearer …"`),
 * - credentials in URLs: the userinfo password (`postgres://u:pw@…`), query and fragment parameters,
 * - well-known token shapes anywhere in a string,
 * - an `Authorization`-style `Bearer|Basic|token VALUE`.
 * A client's own interpolation (`${X}`, `${env:X}`, `{env:X}`, `$X`, `${{ secrets.X }}`) and our
 * `${keychain:NAME}` references are never secrets: they name where the value comes from.
 */

/** Names of env vars / headers / flags that usually hold secrets. */
const SECRET_KEY_RE =
  /(^|[_.-])(API[_-]?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|AUTH|AUTHORIZATION|COOKIE|SESSION|PRIVATE[_-]?KEY|ACCESS[_-]?KEY|CLIENT[_-]?SECRET|BEARER|PAT|SIG|SIGNATURE)([_.-]|$)|APIKEY|ACCESSTOKEN|AUTHTOKEN|PASSWORD|SECRET/i;

/** Names that match the above but usually are not secret (a path, a URL, a variable's name…). */
const NOT_SECRET_KEY_RE =
  /(_|-|^)(PATH|FILE|DIR|URL|URI|HOST|PORT|ID|NAME|USER|USERNAME|EMAIL|LIMIT|TYPE|MODE|HEADER|ENV[_-]?VARS?|VAR|VARS|KEYS|LENGTH|TTL|EXPIRY|EXPIRES|TIMEOUT)$/i;

/** Shapes of well-known tokens (found anywhere in a string, bounded by non-token characters). */
const TOKEN_SHAPES = [
  String.raw`sk-(?:ant-|proj-|or-)?[A-Za-z0-9_-]{16,}`, // OpenAI, Anthropic (sk-ant-), OpenRouter, …
  String.raw`(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}`, // GitHub
  String.raw`github_pat_[A-Za-z0-9_]{20,}`,
  String.raw`xox[abprs]-[A-Za-z0-9-]{10,}`, // Slack
  String.raw`glpat-[A-Za-z0-9_-]{16,}`, // GitLab
  String.raw`AKIA[0-9A-Z]{16}`, // AWS access key id
  String.raw`AIza[0-9A-Za-z_-]{30,}`, // Google API key
  String.raw`(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}`, // Stripe
  String.raw`npm_[A-Za-z0-9]{30,}`,
  String.raw`hf_[A-Za-z0-9]{30,}`, // Hugging Face
  String.raw`lin_api_[A-Za-z0-9]{20,}`, // Linear
  String.raw`pplx-[A-Za-z0-9]{20,}`, // Perplexity
  String.raw`ntn_[A-Za-z0-9]{20,}|secret_[A-Za-z0-9]{30,}`, // Notion
  String.raw`dop_v1_[a-f0-9]{40,}`, // DigitalOcean
  String.raw`eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*`, // a JWT
];
const TOKEN_ANYWHERE = new RegExp(`(?<![A-Za-z0-9_])(?:${TOKEN_SHAPES.join("|")})`, "g");
const TOKEN_WHOLE = new RegExp(`^(?:${TOKEN_SHAPES.join("|")})`);
const AUTH_SCHEME = /^(Bearer|Basic|token|Token|Bot|Digest)(\s+)(\S.*)$/s;
const AUTH_WHOLE = /^(Bearer|Basic|token)\s+\S{12,}/i;

/** A value that names where the real value comes from: a client's interpolation or our reference. */
const INTERPOLATION_RES = [
  /^\$\{[^{}]+\}$/, // ${X}, ${env:X}, ${VAR:-default}, ${keychain:NAME}, ${input:id}
  /^\{env:[^{}]+\}$/, // OpenCode
  /^\{file:[^{}]+\}$/,
  /^\$[A-Za-z_][A-Za-z0-9_]*$/, // $X (Zed, shells)
  /^%[A-Za-z_][A-Za-z0-9_]*%$/, // %X% (Windows)
  /^\$\{\{\s*[A-Za-z_][\w.-]*\s*\}\}$/, // ${{ secrets.X }} (Continue)
  /^keychain:[A-Za-z0-9._-]+$/,
  /^MCP_NEXUS_SECRET_[A-Za-z0-9_.-]+$/, // the variable mcp-nexus itself writes (Codex's *_env_var fields)
];

/** True if the whole value is an interpolation or reference (a pointer to a value, not a value). */
export function isInterpolation(value: string): boolean {
  const v = value.trim();
  return INTERPOLATION_RES.some((re) => re.test(v));
}

/** The variable a client interpolation names (`${env:X}`, `${X}`, `{env:X}`, `$X` → X), or null. */
export function interpolatedVariable(value: string): string | null {
  const m =
    /^(?:\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}|\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)|%([A-Za-z_][A-Za-z0-9_]*)%)$/
      .exec(value.trim());
  return m ? (m[1] ?? m[2] ?? m[3] ?? m[4]) : null;
}

/** True if the string holds an interpolation or a reference anywhere (`${…}`, `{env:…}`, `${{…}}`). */
function hasInterpolation(value: string): boolean {
  return /\$\{[^{}]+\}|\{env:[^{}]+\}|\$\{\{[^}]*\}\}/.test(value);
}

/** True if the value's shape is a well-known token format (the whole value, or as it starts). */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  return TOKEN_WHOLE.test(v) || AUTH_WHOLE.test(v) && !isInterpolation(v.replace(/^\S+\s+/, ""));
}

/** True if the key's name suggests a secret. */
export function looksLikeSecretKey(key: string): boolean {
  const k = key.replace(/^-+/, "");
  return SECRET_KEY_RE.test(k) && !NOT_SECRET_KEY_RE.test(k);
}

/** A secret found inside a value: `value.slice(start, end)` is the secret. */
export interface SecretSpan {
  start: number;
  end: number;
  /** The name it was found under (env var, header, flag, URL parameter), or "" for a bare token. */
  key: string;
  kind:
    | "value"
    | "assignment"
    | "url-password"
    | "url-user"
    | "url-query"
    | "url-fragment"
    | "token"
    | "auth";
}

/** A whole (non-embedded) value under `key` that is a secret by its key's name or its shape. */
function wholeIsSecret(key: string, v: string): boolean {
  if (v.trim() === "" || isInterpolation(v) || hasInterpolation(v)) return false;
  if (TOKEN_WHOLE.test(v.trim())) return true;
  return looksLikeSecretKey(key) && v.length >= 8 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) &&
    !/^[./~]/.test(v) && !/^(true|false|yes|no|on|off|none|null|\d+)$/i.test(v);
}

/** Secret spans in a URL found at `offset` of the containing value. */
function urlSpans(url: string, offset: number): SecretSpan[] {
  const out: SecretSpan[] = [];
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)/i.exec(url);
  if (!m) return out;
  const authority = m[2];
  const at = authority.lastIndexOf("@");
  if (at > 0) {
    const userinfo = authority.slice(0, at);
    const base = offset + m[1].length;
    const colon = userinfo.indexOf(":");
    if (colon >= 0) {
      const pw = userinfo.slice(colon + 1);
      if (pw && !isInterpolation(decodeSafe(pw)) && !hasInterpolation(pw)) {
        out.push({ start: base + colon + 1, end: base + at, key: "password", kind: "url-password" });
      }
    } else if (looksLikeSecretValue(decodeSafe(userinfo))) {
      // https://ghp_xxx@github.com/…: a token as the user name
      out.push({ start: base, end: base + at, key: "user", kind: "url-user" });
    }
  }
  const rest = url.slice(m[0].length);
  const q = /\?([^#\s]*)/.exec(rest);
  const h = /#(\S*)/.exec(rest);
  const params = (text: string, start: number, kind: "url-query" | "url-fragment") => {
    let i = 0;
    for (const part of text.split("&")) {
      const eq = part.indexOf("=");
      if (eq > 0) {
        const k = decodeSafe(part.slice(0, eq));
        const raw = part.slice(eq + 1);
        const v = decodeSafe(raw);
        if (
          raw && !isInterpolation(v) && !hasInterpolation(raw) &&
          (wholeIsSecret(k, v) || looksLikeSecretValue(v))
        ) {
          out.push({ start: start + i + eq + 1, end: start + i + part.length, key: k, kind });
        }
      }
      i += part.length + 1;
    }
  };
  const restStart = offset + m[0].length;
  if (q) params(q[1], restStart + q.index + 1, "url-query");
  if (h) params(h[1], restStart + h.index + 1, "url-fragment");
  return out;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function spansAt(key: string, value: string, offset: number, depth: number): SecretSpan[] {
  if (value === "" || depth > 4 || isInterpolation(value)) return [];
  // NAME=VALUE (also --flag=VALUE and --env=K=V): the value is judged under its name
  const assign = /^(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(value);
  if (assign && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const name = assign[1];
    const inner = spansAt(name.replace(/^-+/, ""), assign[2], offset + name.length + 1, depth + 1);
    if (inner.length) return inner.map((s) => s.kind === "value" ? { ...s, kind: "assignment" } : s);
    return tokenSpans(value, offset);
  }
  // Name: value (an HTTP header given as one argument)
  const header = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(\S.*)$/s.exec(value);
  if (header && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const start = value.length - header[2].length;
    const inner = spansAt(header[1], header[2], offset + start, depth + 1);
    return inner.length ? inner : tokenSpans(value, offset);
  }
  // Bearer VALUE: the token part
  const auth = AUTH_SCHEME.exec(value);
  if (auth) {
    const tok = auth[3];
    const start = auth[1].length + auth[2].length;
    if (isInterpolation(tok) || hasInterpolation(tok)) return [];
    if (looksLikeSecretKey(key) || looksLikeSecretValue(value) || TOKEN_WHOLE.test(tok)) {
      return [{ start: offset + start, end: offset + value.length, key, kind: "auth" }];
    }
  }
  // a URL: credentials in userinfo, query, fragment; anywhere in the value (`DATABASE_URL=…` handled above)
  const urls: SecretSpan[] = [];
  for (const m of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/\S+/gi)) {
    urls.push(...urlSpans(m[0], offset + m.index!));
  }
  if (urls.length) return [...urls, ...tokenSpans(value, offset)]; // findSecrets merges
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return tokenSpans(value, offset);
  if (wholeIsSecret(key, value)) return [{ start: offset, end: offset + value.length, key, kind: "value" }];
  return tokenSpans(value, offset);
}

function tokenSpans(value: string, offset: number): SecretSpan[] {
  const out: SecretSpan[] = [];
  for (const m of value.matchAll(TOKEN_ANYWHERE)) {
    out.push({ start: offset + m.index!, end: offset + m.index! + m[0].length, key: "", kind: "token" });
  }
  return out;
}

/** Sorted, non-overlapping (the first, then the longest, wins). */
function merge(spans: SecretSpan[]): SecretSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SecretSpan[] = [];
  for (const s of sorted) if (!out.length || s.start >= out[out.length - 1].end) out.push(s);
  return out;
}

/**
 * Every secret in `value` (under `key`: an env var, a header, a flag name or ""): whole values and
 * embedded ones. References and a client's interpolations are never returned.
 */
export function findSecrets(key: string, value: string): SecretSpan[] {
  return merge(spansAt(key, value, 0, 0)).filter((s) => {
    const text = value.slice(s.start, s.end);
    return text.trim() !== "" && !isInterpolation(text) && !text.includes("${keychain:");
  });
}

/**
 * Secrets in an argument list. An argument after a flag (`--api-key VALUE`) is judged under the flag's
 * name. Returns `index → spans`.
 */
export function findSecretsInArgs(
  args: readonly string[],
): Array<{ index: number; key: string; spans: SecretSpan[] }> {
  const out: Array<{ index: number; key: string; spans: SecretSpan[] }> = [];
  args.forEach((a, i) => {
    const prev = i > 0 ? args[i - 1] : "";
    const flag = /^--?[A-Za-z][\w.-]*$/.test(prev) ? prev.replace(/^-+/, "") : "";
    const key = flag && !/^(e|env)$/i.test(flag) && !a.startsWith("-") ? flag : "";
    const spans = findSecrets(key, a);
    if (spans.length) out.push({ index: i, key, spans });
  });
  return out;
}

/** A value of a server (an env value, a header, its url or an argument) that holds plaintext secrets. */
export interface SecretField {
  /** `env.KEY`, `headers.NAME`, `url`, `args[i]`. */
  field: string;
  /** The name the value is judged under (the env key, header name, flag before the argument, or ""). */
  key: string;
  value: string;
  spans: SecretSpan[];
  /** For `args[i]`: i. */
  index?: number;
}

/**
 * Every value of a server that holds plaintext secrets, whole or embedded, in the order env, headers,
 * url, args: the one walk for `server add`'s refusal, doctor's registry check and the keychain fix.
 */
export function serverSecretFields(def: {
  env?: Record<string, string>;
  headers?: Record<string, string>;
  url?: string;
  args?: readonly string[];
}): SecretField[] {
  const out: SecretField[] = [];
  const look = (field: string, key: string, value: string, finderKey = key) => {
    const spans = findSecrets(finderKey, value);
    if (spans.length) out.push({ field, key, value, spans });
  };
  for (const [k, v] of Object.entries(def.env ?? {})) look(`env.${k}`, k, v);
  for (const [k, v] of Object.entries(def.headers ?? {})) look(`headers.${k}`, k, v);
  if (def.url !== undefined) look("url", "url", def.url, "");
  for (const { index, key, spans } of findSecretsInArgs(def.args ?? [])) {
    out.push({ field: `args[${index}]`, key, value: def.args![index], spans, index });
  }
  return out;
}

/** True if a value (under `key`) holds a plaintext secret, whole or embedded. */
export function containsSecret(key: string, value: string): boolean {
  return findSecrets(key, value).length > 0;
}

/** `value` with each span (sorted, non-overlapping, as `findSecrets` returns them) replaced by `by`. */
export function spliceSpans(
  value: string,
  spans: readonly SecretSpan[],
  by: (span: SecretSpan, index: number) => string,
): string {
  let out = "";
  let i = 0;
  spans.forEach((s, n) => {
    out += value.slice(i, s.start) + by(s, n);
    i = s.end;
  });
  return out + value.slice(i);
}

/** The value with every secret span replaced by `mask`. */
export function maskSecrets(key: string, value: string, mask: string): string {
  return spliceSpans(value, findSecrets(key, value), () => mask);
}

/**
 * Replaces every secret span of `value` with what `replace` returns (e.g. `${keychain:NAME}` after
 * storing the secret). Returns the new value; unchanged if nothing was found. `spans` are the value's
 * `findSecrets` result when the caller already has them.
 */
export async function replaceSecrets(
  key: string,
  value: string,
  replace: (secret: string, span: SecretSpan) => Promise<string>,
  spans: readonly SecretSpan[] = findSecrets(key, value),
): Promise<string> {
  const subs: string[] = [];
  for (const s of spans) subs.push(await replace(value.slice(s.start, s.end), s));
  return spliceSpans(value, spans, (_, n) => subs[n]);
}

/**
 * True if a literal (non-reference) value under `key` should be treated as a secret: as a whole, or
 * embedded in it (kept for callers that only need yes/no).
 */
export function isPlaintextSecret(key: string, value: string): boolean {
  return containsSecret(key, value);
}
