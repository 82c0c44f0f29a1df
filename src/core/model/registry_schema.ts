/**
 * The registry's zod schema: the declared state (what the user wants), one file, never a secret value.
 * `mcp-nexus schema` prints it as JSON Schema for editors.
 */
import { z } from "zod";
import { ENV_KEY_RE, HEADER_NAME_RE, SERVER_NAME_RE } from "./names.ts";
import { parseValue } from "./references.ts";

/** A string that may hold secret references; malformed references are schema errors. */
const refString = z.string().superRefine((v, ctx) => {
  try {
    parseValue(v);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^value: /, "") });
  }
});

/** Control characters (CR, LF, ESC, NUL, DEL, C1): a header or env value holding one is refused. */
// deno-lint-ignore no-control-regex
export const CONTROL_CHAR_RE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** A value for env, headers or url: references allowed, control characters (tab aside) refused. */
const plainLine = (what: string) =>
  refString.refine((v) => !CONTROL_CHAR_RE.test(v), {
    message: `${what} must not contain control characters (CR, LF, ESC…): they would split or forge lines`,
  });

const clientList = z.array(
  z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "client ids are lower-case, like 'claude-code'"),
);

const common = {
  description: z.string().max(1000).optional().describe("What the server is for."),
  enabled: z.boolean().default(true).describe(
    "Written to clients at all. `server disable NAME` sets it to false.",
  ),
  clients: clientList.optional().describe("If set, only these clients get the server. Absent: every client."),
  disabledClients: clientList.optional().describe("Clients that never get the server."),
  source: z.object({
    type: z.enum(["npm", "pypi", "oci", "nuget", "remote", "local", "manual"]),
    package: z.string().optional(),
    version: z.string().optional(),
    registry: z.string().optional().describe("The marketplace it was installed from."),
    id: z.string().optional().describe("The marketplace's id for it."),
  }).strict().optional().describe("Where the server came from (set by install/import)."),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
};

export const StdioServer = z.object({
  transport: z.literal("stdio"),
  command: z.string().min(1, "the command must not be empty").refine(
    (c) => !/\$\{keychain:|^keychain:/.test(c),
    {
      message: "the command cannot be a secret reference; put secrets in args or env",
    },
  ).describe("The program to start (no shell is involved)."),
  args: z.array(refString).default([]),
  env: z.record(
    z.string().regex(ENV_KEY_RE, "environment variable names are letters, digits and '_'"),
    plainLine("an environment value"),
  )
    .default({}),
  cwd: z.string().optional(),
  ...common,
}).strict();

export const RemoteServer = z.object({
  transport: z.enum(["http", "sse"]).describe("http = streamable HTTP; sse = the older HTTP+SSE transport."),
  url: plainLine("a URL").refine((u) => {
    try {
      const parsed = new URL(u.replace(/\$\{keychain:[^}]*\}|^keychain:.*/g, "x"));
      return parsed.protocol === "https:" || parsed.protocol === "http:";
    } catch {
      return false;
    }
  }, { message: "expected an http(s) URL" }),
  headers: z.record(
    z.string().regex(HEADER_NAME_RE, "not a valid HTTP header name"),
    plainLine("a header value"),
  ).default({}),
  ...common,
}).strict();

export const Server = z.discriminatedUnion("transport", [StdioServer, RemoteServer]);

export const Registry = z.object({
  $schema: z.string().optional(),
  version: z.literal(1).describe("The file format version."),
  settings: z.object({
    secretBackend: z.string().optional().describe(
      "auto, libsecret, macos-keychain, windows-credential-manager, env or age-file.",
    ),
    interpolateClients: clientList.optional().describe(
      "Clients whose remote secret headers are written as the client's own environment placeholder " +
        "(${env:MCP_NEXUS_SECRET_X}: export it where the client starts) instead of the launcher bridge (the " +
        "default, which needs no variable). Set with `mcp-nexus client remote-secrets ID interpolate`.",
    ),
    plugins: z.array(z.string().min(1)).optional().describe(
      "No longer loaded (they ran unsandboxed): add plugins with `mcp-nexus plugin add PATH`. Each entry " +
        "here is reported with that command.",
    ),
  }).strict().default({}),
  servers: z.record(
    z.string().regex(SERVER_NAME_RE, "server names are 1–64 letters, digits, '_' or '-'"),
    Server,
  )
    .default({}),
  projects: z.record(
    z.string().min(1).describe("The project directory, an absolute path."),
    z.object({
      servers: z.array(z.string().regex(SERVER_NAME_RE, "server names are 1–64 letters, digits, '_' or '-'"))
        .describe("The registry's servers written into this project's client files."),
    }).strict(),
  ).optional().describe(
    "Per-repository servers: `mcp-nexus sync --project DIR` writes them into the project's client files " +
      "(.mcp.json, .cursor/mcp.json, .vscode/mcp.json, …) as launcher entries, never a secret.",
  ),
}).strict();

export type ServerDef = z.infer<typeof Server>;
export type StdioServerDef = z.infer<typeof StdioServer>;
export type RemoteServerDef = z.infer<typeof RemoteServer>;
export type RegistryData = z.infer<typeof Registry>;

/** Formats zod issues as `at servers.github.env.API_KEY: message` lines. */
export function formatIssues(error: z.ZodError): string[] {
  const seg = (p: PropertyKey) =>
    typeof p === "number"
      ? `[${p}]`
      : /^[A-Za-z0-9_$-]+$/.test(String(p))
      ? `.${String(p)}`
      : `[${JSON.stringify(String(p))}]`;
  return error.issues.map((i) => {
    const path = i.path.map(seg).join("").replace(/^\./, "");
    // zod reports a bad record key as "Invalid key in record"; say which rule the key broke
    const nested = i.code === "invalid_key"
      ? (i as { issues?: Array<{ message: string }> }).issues
      : undefined;
    const message = nested?.length ? `invalid name: ${nested.map((n) => n.message).join("; ")}` : i.message;
    return `${path || "(top level)"}: ${message}`;
  });
}

/** The JSON Schema for editors. */
export function jsonSchema(): unknown {
  return {
    ...z.toJSONSchema(Registry, { io: "input" }),
    title: "mcp-nexus registry",
  };
}
