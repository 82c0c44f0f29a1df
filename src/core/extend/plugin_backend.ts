/**
 * Third-party secret backends: a trusted plugin of kind "backend" (a manifest and one JavaScript
 * module), run in a Worker with exactly the permissions its manifest declares (shown at `plugin add`
 * and locked by its hash). The module exports async `get`, `set`, `delete`, `list` and `probe`; it
 * sees the secrets it stores (that is its job) and nothing else the manifest does not name.
 *
 * `selectBackend` asks here for an id that is not built-in. The trust file is read synchronously (it
 * is small); the plugin's files are verified against their hashes and the Worker started on first use.
 */
import { load } from "../model/load.ts";
import { join } from "../io/path.ts";
import { ExitCode, NexusError, usageError } from "../model/errors.ts";
import { MANIFEST_FILE, readTrustSync, trustPath, verifyPlugin } from "./plugin_trust.ts";
import { Sandbox, type SandboxPermissions } from "./sandbox.ts";
import type { BackendHealth, BackendPlugin, SecretBackend } from "../secrets/secrets.ts";
import { homeDir } from "../io/paths.ts";

export interface BackendManifest {
  $schema?: string;
  kind: "backend";
  id: string;
  label: string;
  description: string;
  platforms: Array<"linux" | "darwin" | "windows">;
  /** `./backend.js`: the module, next to the manifest. */
  module: string;
  /** What the module may touch: paths (`~/` allowed), hosts, variable names, commands. */
  permissions?: SandboxPermissions;
  /** Per call. @default 10000 */
  timeoutMs?: number;
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const OSES = ["linux", "darwin", "windows"];

/** The problems with a would-be backend manifest (empty: valid). */
export function backendManifestProblems(v: unknown): string[] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return ["the manifest is not an object"];
  const m = v as Record<string, unknown>;
  const problems: string[] = [];
  const need = (ok: boolean, msg: string) => ok || problems.push(msg);
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === "string" && s !== "");
  need(m.kind === "backend", 'kind: must be "backend"');
  need(typeof m.id === "string" && ID.test(m.id), "id: lower-case words joined by dashes");
  need(typeof m.label === "string" && m.label.trim() !== "", "label: a non-empty string");
  need(typeof m.description === "string", "description: a string");
  need(
    strings(m.platforms) && (m.platforms as string[]).every((p) => OSES.includes(p)),
    "platforms: a list of linux, darwin, windows",
  );
  need(
    typeof m.module === "string" && /^\.\/[A-Za-z0-9._-]+\.(js|mjs)$/.test(m.module),
    "module: a sibling file, ./backend.js",
  );
  if (m.permissions !== undefined) {
    const p = m.permissions as Record<string, unknown>;
    need(typeof p === "object" && p !== null && !Array.isArray(p), "permissions: an object");
    for (const [k, val] of Object.entries(p ?? {})) {
      need(
        ["read", "write", "net", "env", "run"].includes(k),
        `permissions.${k}: not a permission (read, write, net, env, run)`,
      );
      need(strings(val), `permissions.${k}: a list of non-empty strings`);
    }
  }
  need(
    m.timeoutMs === undefined || (Number.isInteger(m.timeoutMs) && (m.timeoutMs as number) > 0 &&
      (m.timeoutMs as number) <= 120_000),
    "timeoutMs: 1–120000",
  );
  const known = [
    "$schema",
    "kind",
    "id",
    "label",
    "description",
    "platforms",
    "module",
    "permissions",
    "timeoutMs",
  ];
  for (const k of Object.keys(m)) need(known.includes(k), `${k}: unknown field`);
  return problems;
}

/** `~/x` → the home directory's x; everything else as written. */
export function expandPermissions(p: SandboxPermissions = {}): SandboxPermissions {
  const home = (s: string) => s === "~" ? homeDir() : s.startsWith("~/") ? join(homeDir(), s.slice(2)) : s;
  return {
    ...(p.read ? { read: p.read.map(home) } : {}),
    ...(p.write ? { write: p.write.map(home) } : {}),
    ...(p.net ? { net: [...p.net] } : {}),
    ...(p.env ? { env: [...p.env] } : {}),
    ...(p.run ? { run: [...p.run] } : {}),
  };
}

/** A backend whose every call goes to the plugin's Worker, started (and verified) on first use. */
export function sandboxedBackend(
  info: { id: string; label: string },
  load: () => Promise<{ manifest: BackendManifest; code: string }>,
): SecretBackend {
  let started: Promise<Sandbox> | undefined;
  const sandbox = () =>
    started ??= load().then(({ manifest, code }) =>
      Sandbox.start(code, {
        label: `backend plugin '${info.id}'`,
        permissions: expandPermissions(manifest.permissions),
        allowDeno: true,
        timeoutMs: manifest.timeoutMs ?? 10_000,
      })
    );
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    try {
      return await (await sandbox()).call(method, args);
    } catch (err) {
      const e = err as NexusError;
      throw new NexusError("E_BACKEND_UNAVAILABLE", e.message ?? String(err), {
        exitCode: ExitCode.BACKEND,
        hint: e.hint ??
          `Check the plugin: mcp-nexus plugin list (or remove it: mcp-nexus plugin rm ${info.id})`,
        details: { backend: info.id, status: "unavailable" },
      });
    }
  };
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    id: info.id,
    label: info.label,
    writable: true,
    usesKeysIndex: false,
    get: async (name) => str(await call("get", [name])),
    set: async (name, value) => void await call("set", [name, value]),
    delete: async (name) => (await call("delete", [name])) === true,
    list: async (candidates) => {
      const r = await call("list", [candidates]);
      return Array.isArray(r) ? r.filter((n): n is string => typeof n === "string") : [];
    },
    probe: async (): Promise<BackendHealth> => {
      try {
        const r = (await call("probe", [])) as Partial<BackendHealth> | null;
        return r && r.ok === true
          ? { ok: true, status: "ok", message: String(r.message ?? `${info.label} is available.`) }
          : {
            ok: false,
            status: "unavailable",
            message: String(r?.message ?? `${info.label} is not available.`),
            ...(r?.hint ? { hint: String(r.hint) } : {}),
          };
      } catch (err) {
        return {
          ok: false,
          status: "unavailable",
          message: (err as Error).message,
          hint: (err as NexusError).hint,
        };
      }
    },
  };
}

/** Parses a backend manifest's JSON/JSONC text (the fs editors' parser, loaded on demand) and checks it. */
export async function parseBackendManifest(text: string, source: string): Promise<BackendManifest> {
  const { parseDocument } = await load<typeof import("../formats/mod.ts")>(
    import.meta.url,
    "../formats/mod.ts",
  );
  const value = (await parseDocument("jsonc", text, source)).get([]);
  const problems = backendManifestProblems(value);
  if (problems.length) {
    throw usageError("E_PLUGIN_INVALID", `${source} is not a valid backend plugin: ${problems.join("; ")}`, {
      hint: "Fix the manifest and add it again: mcp-nexus plugin add PATH",
    });
  }
  return value as BackendManifest;
}

/**
 * The trusted backend plugin with this id, or null. What `selectBackend` needs now (label, platforms)
 * was recorded in trust.json when it was added; its files are verified, and its manifest read, on
 * first use, before any of its code runs.
 */
export function trustedBackendPlugin(id: string): BackendPlugin | null {
  const trust = readTrustSync().find((p) => p.id === id && p.kind === "backend");
  if (!trust) return null;
  const info = trust.backend;
  if (!info) {
    throw usageError(
      "E_PLUGIN_INVALID",
      `Backend plugin '${id}' has no recorded description in ${trustPath()}.`,
      {
        hint: `Add it again: mcp-nexus plugin add ${trust.source || "PATH"}`,
      },
    );
  }
  return {
    id,
    label: info.label,
    platforms: info.platforms,
    description: `${info.description} (plugin)`,
    create: () =>
      sandboxedBackend({ id, label: info.label }, async () => {
        const v = await verifyPlugin(trust); // a changed file is refused here, before any code runs
        const manifest = await parseBackendManifest(v.texts[MANIFEST_FILE], `${v.dir}/${MANIFEST_FILE}`);
        const code = v.texts[manifest.module.slice(2)];
        if (manifest.id !== id || code === undefined) {
          throw usageError("E_PLUGIN_INVALID", `Backend plugin '${id}' does not match what was added.`, {
            hint: `Add it again: mcp-nexus plugin add ${trust.source || "PATH"}`,
          });
        }
        return { manifest, code };
      }),
  };
}
