/**
 * Heuristics for "this looks like a secret": used to refuse plaintext secrets on `server add`, to move
 * plaintext secrets into the keychain on import, and by doctor to find ones left in client files.
 */

/** Names of env vars / headers that usually hold secrets. */
const SECRET_KEY_RE =
  /(^|[_-])(API[_-]?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|AUTH|AUTHORIZATION|COOKIE|SESSION|PRIVATE[_-]?KEY|ACCESS[_-]?KEY|CLIENT[_-]?SECRET|BEARER|PAT)([_-]|$)|APIKEY|ACCESSTOKEN|AUTHTOKEN/i;

/** Names that match the above but usually are not secret. */
const NOT_SECRET_KEY_RE =
  /(_|^)(PATH|FILE|DIR|URL|URI|HOST|PORT|ID|NAME|USER|USERNAME|EMAIL|LIMIT|TYPE|MODE|HEADER)$/i;

/** Shapes of well-known tokens. */
const SECRET_VALUE_RES: RegExp[] = [
  /^sk-[A-Za-z0-9_-]{16,}/, // OpenAI, Anthropic (sk-ant-), many others
  /^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/, // GitHub
  /^github_pat_[A-Za-z0-9_]{20,}/,
  /^xox[abprs]-[A-Za-z0-9-]{10,}/, // Slack
  /^glpat-[A-Za-z0-9_-]{16,}/, // GitLab
  /^AKIA[0-9A-Z]{16}$/, // AWS access key id
  /^AIza[0-9A-Za-z_-]{30,}/, // Google API key
  /^(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}/, // Stripe
  /^npm_[A-Za-z0-9]{30,}/,
  /^hf_[A-Za-z0-9]{30,}/, // Hugging Face
  /^(Bearer|Basic|token)\s+\S{12,}/i, // an Authorization header value
  /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, // a JWT
];

/** True if the value's shape is a well-known token format. */
export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE_RES.some((re) => re.test(value.trim()));
}

/** True if the key's name suggests a secret. */
export function looksLikeSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key) && !NOT_SECRET_KEY_RE.test(key);
}

/**
 * True if a literal (non-reference) value under `key` should be treated as a secret. Empty values,
 * references and the client's own interpolations (`${VAR}`, `${env:VAR}`, `{env:VAR}`) are not.
 */
export function isPlaintextSecret(key: string, value: string): boolean {
  const v = value.trim();
  if (v === "" || /^\$?\{[^}]+\}$/.test(v) || /^keychain:/.test(v) || v.includes("${keychain:")) return false;
  if (looksLikeSecretValue(v)) return true;
  return looksLikeSecretKey(key) && v.length >= 8 && !/^https?:\/\//.test(v) && !/^[./~]/.test(v);
}
