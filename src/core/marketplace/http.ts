/**
 * The marketplace's one HTTP client: every request to PulseMCP, the MCP Registry, npm and PyPI goes
 * through `getJson`. It sends a versioned User-Agent (PulseMCP answers 410 to a bare one) and
 * `Accept: application/json`, gives up after a timeout (30 s, `MCP_NEXUS_HTTP_TIMEOUT_MS`), caps the
 * body size (`MCP_NEXUS_HTTP_MAX_BYTES`), and turns every failure into a FetchError that names the
 * URL and host: timeout, offline, an HTTP status (with Retry-After), not JSON, too large, or a host
 * outside the permission set. No request carries a secret; base URLs with credentials are refused.
 */
import { PROJECT_URL, VERSION } from "../../version.ts";
import { ExitCode, NexusError, type NexusErrorOptions, usageError } from "../model/errors.ts";
import { env } from "../io/paths.ts";
import { cleanText as clip } from "./types.ts";

/** Sent with every request. PulseMCP answers 410 to an empty or unversioned User-Agent. */
export const USER_AGENT = `mcp-nexus/${VERSION} (+${PROJECT_URL})`;

/** @default 30 s; `MCP_NEXUS_HTTP_TIMEOUT_MS` overrides (tests use a short one). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** @default 8 MiB; `MCP_NEXUS_HTTP_MAX_BYTES` overrides. A search page is ~100 KiB. */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** The only hosts the marketplace client may reach (checked before each request and redirect). */
export const ALLOWED_HOSTS = [
  "api.pulsemcp.com",
  "registry.modelcontextprotocol.io",
  "registry.npmjs.org",
  "pypi.org",
  "127.0.0.1",
  "localhost",
];

/** A remote API and the environment variable that points it at a mirror. */
export interface Endpoint {
  /** For messages: "PulseMCP", "the MCP Registry", … */
  label: string;
  envVar: string;
  defaultUrl: string;
}

export const PULSEMCP: Endpoint = {
  label: "PulseMCP",
  envVar: "MCP_NEXUS_PULSEMCP_URL",
  defaultUrl: "https://api.pulsemcp.com/v0beta",
};
export const REGISTRY: Endpoint = {
  label: "the MCP Registry",
  envVar: "MCP_NEXUS_REGISTRY_URL",
  defaultUrl: "https://registry.modelcontextprotocol.io",
};
export const NPM: Endpoint = {
  label: "the npm registry",
  envVar: "MCP_NEXUS_NPM_REGISTRY_URL",
  defaultUrl: "https://registry.npmjs.org",
};
export const PYPI: Endpoint = { label: "PyPI", envVar: "MCP_NEXUS_PYPI_URL", defaultUrl: "https://pypi.org" };

/**
 * `base + path + ?query` for an endpoint, honouring its environment override. `path` segments must
 * already be encoded. Empty or undefined query values are left out.
 */
export function endpointUrl(
  ep: Endpoint,
  path: string,
  query: Record<string, string | number | undefined> = {},
): URL {
  const raw = env(ep.envVar) ?? ep.defaultUrl;
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw usageError("E_BAD_BASE_URL", `${ep.envVar} is not a URL: ${JSON.stringify(raw.slice(0, 100))}.`, {
      hint: `Set it to an http(s) URL such as ${ep.defaultUrl}, or unset it.`,
    });
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw usageError("E_BAD_BASE_URL", `${ep.envVar} must be an http(s) URL, not ${base.protocol}.`, {
      hint: `For example ${ep.defaultUrl}.`,
    });
  }
  if (base.username || base.password) {
    throw usageError("E_BAD_BASE_URL", `${ep.envVar} must not contain a user name or password.`, {
      hint: "mcp-nexus keeps URLs in its cache and messages; use a mirror that needs no credentials.",
    });
  }
  const url = new URL(base.href.replace(/\/+$/, "") + path);
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
  }
  return url;
}

/** What went wrong with a request. */
export type FailureKind =
  | "not-allowed"
  | "timeout"
  | "offline"
  | "status"
  | "not-json"
  | "too-large"
  | "shape";

/** A failed request. `staleOk` says whether a cached copy may stand in for the answer. */
export class FetchError extends NexusError {
  readonly kind: FailureKind;
  readonly status?: number;
  /** From a 429's Retry-After header, in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(
    kind: FailureKind,
    code: string,
    message: string,
    opts: NexusErrorOptions & { status?: number; retryAfterMs?: number } = {},
  ) {
    super(code, message, opts);
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }

  /** Throttling, server trouble, a timeout, no network or a garbled answer: old data beats none. */
  get staleOk(): boolean {
    if (this.kind === "not-allowed") return false;
    if (this.kind !== "status") return true;
    const s = this.status ?? 0;
    return s === 429 || s === 410 || s === 408 || s >= 500;
  }
}

function timeoutMs(): number {
  const v = Number(env("MCP_NEXUS_HTTP_TIMEOUT_MS"));
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_TIMEOUT_MS;
}

function maxBytes(): number {
  const v = Number(env("MCP_NEXUS_HTTP_MAX_BYTES"));
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX_BYTES;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from now, capped at one hour. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(secs)) return undefined;
  return Math.min(Math.max(secs, 0), 3600_000);
}

/** Reads a body up to `limit` bytes; returns null if it is larger (and cancels the rest). */
async function readCapped(res: Response, limit: number): Promise<Uint8Array | null> {
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The upstream's own error message, if the body is `{"error": {"message": …}}` or similar. */
function upstreamMessage(body: string): string {
  try {
    const j = JSON.parse(body);
    const m = j?.error?.message ?? j?.message ?? j?.detail ?? j?.title ?? j?.error;
    if (typeof m === "string") return clip(m, 200);
  } catch {
    // not JSON: fall through
  }
  return "";
}

function statusError(ep: Endpoint, url: URL, res: Response, body: string): FetchError {
  const s = res.status;
  const said = upstreamMessage(body);
  const base = `${ep.label} answered ${s}${res.statusText ? ` ${res.statusText}` : ""} to GET ${url.href}`;
  const details = { url: url.href, host: url.host, status: s };
  if (s === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    const wait = retryAfterMs === undefined ? "" : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
    return new FetchError("status", "E_RATE_LIMITED", `${base}: too many requests${wait}.`, {
      status: s,
      retryAfterMs,
      details: { ...details, retryAfterMs },
      hint: `Wait a little and try again; mcp-nexus will not ask ${url.host} again before then.`,
    });
  }
  if (s === 410) {
    return new FetchError("status", "E_UPSTREAM_GONE", `${base}${said ? `: ${said}` : ""}.`, {
      status: s,
      details,
      hint: `${ep.label} answers 410 when it throttles clients (and to requests without a versioned ` +
        `User-Agent; mcp-nexus sends '${USER_AGENT}'). Try again later.`,
    });
  }
  if (s >= 500) {
    return new FetchError("status", "E_UPSTREAM_DOWN", `${base}${said ? `: ${said}` : ""}.`, {
      status: s,
      details,
      hint: `${ep.label} is having trouble; try again later.`,
    });
  }
  return new FetchError(
    "status",
    s === 404 ? "E_UPSTREAM_NOT_FOUND" : "E_UPSTREAM_REFUSED",
    `${base}${said ? `: ${said}` : ""}.`,
    {
      status: s,
      details,
      hint: s === 404
        ? `Check the name, or ${ep.envVar} if you point it at a mirror.`
        : `Check the request; if ${ep.envVar} points at a mirror, check the mirror.`,
    },
  );
}

/**
 * GETs `url` and parses the body as JSON (shape checks are the caller's: see cache.ts). Every
 * failure is a FetchError naming the URL and host.
 */
export async function getJson(ep: Endpoint, url: URL): Promise<unknown> {
  const ms = timeoutMs();
  const signal = AbortSignal.timeout(ms);
  const details = { url: url.href, host: url.host };
  const failed = (err: unknown): FetchError => {
    if (err instanceof FetchError) return err;
    if (err instanceof Deno.errors.NotCapable) {
      // "Requires net access to "host:port"": a redirect may have led elsewhere than `url`
      const denied = /net access to "([^"]+)"/.exec(String((err as Error).message))?.[1]?.replace(
        /:\d+$/,
        "",
      );
      const host = denied ?? url.hostname;
      const redirected = host !== url.hostname;
      return new FetchError(
        "not-allowed",
        "E_HOST_NOT_ALLOWED",
        `Cannot reach ${host} (${ep.label}${
          redirected ? `, redirected from ${url.host}` : ""
        }): that host is ` +
          `not in mcp-nexus's network permission set (${ALLOWED_HOSTS.join(", ")}).`,
        {
          exitCode: ExitCode.USAGE,
          details: { ...details, denied: host },
          hint: env(ep.envVar) && !redirected
            ? `${ep.envVar} points at ${host}. Unset it, or point it at a mirror on 127.0.0.1 or localhost.`
            : `${url.host} redirected there. ${
              env(ep.envVar) ? `Point ${ep.envVar} at a mirror that does not.` : ""
            }`
              .trim(),
        },
      );
    }
    const e = err as Error;
    if (e?.name === "TimeoutError" || signal.aborted) {
      return new FetchError(
        "timeout",
        "E_TIMEOUT",
        `${ep.label} did not answer GET ${url.href} within ${ms / 1000} s.`,
        { details, hint: "Check your connection, or try again later." },
      );
    }
    return new FetchError(
      "offline",
      "E_NETWORK",
      `Cannot reach ${url.host} (${ep.label}): ${clip(String(e?.message ?? e), 160)}.`,
      { details, hint: "Check your network connection (or proxy), then try again." },
    );
  };
  try {
    // The permission set grants `net` broadly (the launcher's bridge Worker needs any host), so the
    // marketplace hosts are enforced here: each hop, redirects included, before any connection.
    let res: Response;
    for (let at = url, hops = 0;; hops++) {
      if (!ALLOWED_HOSTS.includes(at.hostname) || (at.protocol !== "https:" && at.protocol !== "http:")) {
        throw new Deno.errors.NotCapable(`Requires net access to "${at.host}"`);
      }
      res = await fetch(at, {
        headers: { "User-Agent": USER_AGENT, "Accept": "application/json" },
        signal,
        redirect: "manual",
      });
      const location = res.headers.get("location");
      if (res.status < 300 || res.status > 399 || location === null) break;
      await res.body?.cancel();
      if (hops >= 10) throw new TypeError(`too many redirects from ${url.href}`);
      at = new URL(location, at);
    }
    const limit = maxBytes();
    if (!res.ok) {
      const bytes = await readCapped(res, 4096).catch(() => null);
      throw statusError(ep, url, res, bytes ? new TextDecoder().decode(bytes) : "");
    }
    const declared = Number(res.headers.get("content-length"));
    const bytes = declared > limit ? (await res.body?.cancel(), null) : await readCapped(res, limit);
    if (bytes === null) {
      throw new FetchError(
        "too-large",
        "E_UPSTREAM_TOO_LARGE",
        `${ep.label}'s answer to GET ${url.href} is larger than ${limit} bytes; it was not read.`,
        { details, hint: "The API may have changed, or a mirror misbehaves; try again later." },
      );
    }
    const text = new TextDecoder().decode(bytes);
    try {
      return JSON.parse(text);
    } catch {
      throw new FetchError(
        "not-json",
        "E_UPSTREAM_NOT_JSON",
        `${ep.label}'s answer to GET ${url.href} is not JSON (it starts ${JSON.stringify(clip(text, 40))}).`,
        { details, hint: "A proxy or captive portal may be in the way; try again later." },
      );
    }
  } catch (err) {
    throw failed(err);
  }
}
