/**
 * The client manifest's schema (zod): what `plugin add` / `plugin validate` check, and the source of
 * the published JSON Schema (schemas/client-manifest.schema.json, written by
 * `deno run -A scripts/gen_schemas.ts`; a test keeps the two in step).
 */
import { z } from "zod";
import type { ClientManifest } from "./manifest.ts";

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const Transport = z.enum(["stdio", "http", "sse"]);
const PathList = z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]));
const PathSpec = z.union([
  PathList,
  z.object({
    linux: PathList.optional(),
    darwin: PathList.optional(),
    windows: PathList.optional(),
    default: PathList.optional(),
  }).strict(),
]).describe(
  "Candidate paths, most preferred first (or one list per OS). `~`/{home}, {xdgConfig}, {appData}, " +
    "{localAppData}, ${VAR} (unset: candidate dropped), `*` in one segment; an inner list = first that resolves.",
);
const Key = z.string().min(1).max(64);

export const ClientManifestSchema = z.object({
  $schema: z.string().optional(),
  kind: z.literal("client").optional(),
  id: z.string().regex(ID, "lower-case words joined by dashes (`my-client`)").max(64),
  name: z.string().trim().min(1).max(80),
  format: z.enum(["json", "jsonc", "toml", "yaml"]),
  paths: PathSpec,
  servers: z.object({
    path: z.array(Key).min(1).describe('Where the servers live: ["mcpServers"]'),
    storage: z.enum(["map", "array"]).optional(),
  }).strict(),
  transports: z.array(Transport).min(1),
  entry: z.object({
    stdioType: z.string().min(1).optional(),
    remote: z.object({
      http: z.string().min(1).nullable().optional(),
      sse: z.string().min(1).nullable().optional(),
    }).strict().optional(),
    typeAliases: z.record(z.string().min(1), Transport).optional(),
    typeKeys: z.array(Key).min(1).optional(),
    urlKey: Key.optional(),
    urlAliases: z.array(Key).optional(),
    cwd: z.boolean().optional(),
    command: z.enum(["string", "array"]).optional(),
    envKey: Key.optional(),
    argsKey: Key.optional(),
    headersKey: Key.optional(),
    fixed: z.record(Key, z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  }).strict().optional(),
  interpolation: z.object({
    template: z.string().includes("NAME", { message: "the template must contain NAME" }),
    scope: z.enum(["anywhere", "whole-value"]).optional(),
  }).strict().optional(),
  detect: z.object({
    paths: PathSpec.optional(),
    commands: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/)).optional(),
    apps: z.array(z.string().regex(/^[^/\\]+\.app$/)).optional(),
    windowsPrograms: z.array(z.string().regex(/^[^/\\]+$/)).optional(),
    desktopEntries: z.array(z.string().regex(/^[^/\\]+\.desktop$/)).optional(),
  }).strict().optional(),
  checked: z.object({ version: z.string(), docs: z.string(), date: z.string() }).strict().optional()
    .describe("What the manifest was last checked against (shown by `client list --json`)"),
  project: z.object({
    path: z.array(z.string().min(1).regex(/^[^/\\]+$/).refine((x) => x !== "..", "no `..`")).min(1),
    serversPath: z.array(Key).min(1).optional(),
    format: z.enum(["json", "jsonc", "toml", "yaml"]).optional(),
    emptyFile: z.string().max(10000).optional(),
  }).strict().optional().describe("The per-repository file (`sync --project DIR`), relative to the project"),
  docs: z.string().url().optional(),
  notes: z.string().max(2000).optional(),
  emptyFile: z.string().max(10000).optional(),
  hooks: z.string().regex(/^\.\/[A-Za-z0-9._-]+\.(js|mjs)$/, "a sibling file: ./hooks.js").optional(),
}).strict();

/** The problems with a would-be manifest, one line each (empty: valid). */
export function manifestProblems(value: unknown): string[] {
  const r = ClientManifestSchema.safeParse(value);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`);
}

/** The manifest, checked; throws nothing, returns problems instead. */
export function checkManifest(value: unknown): { manifest?: ClientManifest; problems: string[] } {
  const problems = manifestProblems(value);
  return problems.length ? { problems } : { manifest: value as ClientManifest, problems };
}

/** The published JSON Schema. */
export function clientManifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ClientManifestSchema, { io: "input" }),
    $id: "https://github.com/mcp-nexus/mcp-nexus/schemas/client-manifest.schema.json",
    title: "mcp-nexus client manifest",
  };
}
