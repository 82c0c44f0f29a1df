/** `mcp-nexus server …`: the central list of MCP servers (the registry). */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action, collect, type Ctx } from "./context.ts";
import { usageError } from "../core/model/errors.ts";
import { ENV_KEY_RE, HEADER_NAME_RE, secretSlug, validateServerName } from "../core/model/names.ts";
import type { RegistryData, ServerDef } from "../core/model/registry.ts";
import { clientsOf, listServers } from "./server_list.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

function parsePairs(pairs: string[], kind: "env" | "header"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    const key = i > 0 ? p.slice(0, i) : "";
    const re = kind === "env" ? ENV_KEY_RE : HEADER_NAME_RE;
    if (!key || !re.test(key)) {
      throw usageError("E_INVALID_PAIR", `--${kind} ${JSON.stringify(p.slice(0, 40))}: expected KEY=VALUE.`, {
        hint: kind === "env"
          ? "For example --env API_KEY='${keychain:my-api-key}' (quote it so the shell leaves ${…} alone)."
          : "For example --header Authorization='Bearer ${keychain:my-token}'.",
      });
    }
    out[key] = p.slice(i + 1);
  }
  return out;
}

/** Refuses plaintext secrets on the command line (whole or embedded): they belong in the keychain. */
async function refusePlaintext(
  name: string,
  def: { env: Record<string, string>; headers: Record<string, string>; args: string[]; url?: string },
): Promise<void> {
  const { serverSecretFields, spliceSpans } = await load<typeof import("../core/secrets/secret_detect.ts")>(
    import.meta.url,
    "../core/secrets/secret_detect.ts",
  );
  const found = serverSecretFields(def).map((f) => ({
    ...f,
    flag: f.field.startsWith("env.")
      ? `--env ${f.key}`
      : f.field.startsWith("headers.")
      ? `--header ${f.key}`
      : f.field === "url"
      ? "--url"
      : `argument ${f.index! + 1} of the command`,
    key: f.index === undefined ? f.key : f.key || `arg${f.index + 1}`,
  }));
  if (!found.length) return;
  const f = found[0];
  const secret = f.field.startsWith("env.") || f.field.startsWith("headers.")
    ? secretSlug(f.key)
    : `${secretSlug(name)}.${secretSlug(f.spans[0].key || f.key) || "secret"}`;
  // the same value with each secret replaced by a reference: shows where the reference goes, never the secret
  const rewritten = spliceSpans(f.value, f.spans, (_, n) => `\${keychain:${secret}${n ? `-${n + 1}` : ""}}`);
  const whole = f.spans.length === 1 && f.spans[0].start === 0 && f.spans[0].end === f.value.length;
  const shown = f.field.startsWith("env.") || f.field.startsWith("headers.")
    ? `${f.flag.split(" ")[0]} ${f.key}='${rewritten}'`
    : f.field === "url"
    ? `--url '${rewritten}'`
    : `'${rewritten}' as ${f.flag}`;
  throw usageError(
    "E_PLAINTEXT_SECRET",
    `${f.flag}: the value looks like a secret${whole ? "" : " (a part of it)"}; nothing was saved.${
      found.length > 1 ? ` (also: ${found.slice(1).map((x) => x.field).join(", ")})` : ""
    }`,
    {
      hint:
        `Store it in the keychain: mcp-nexus secret set ${secret} (the value comes from a hidden prompt ` +
        `or stdin), then give ${shown}. If it is not a secret, add --allow-plaintext.`,
      details: { field: f.field, fields: found.map((x) => x.field) },
    },
  );
}

/** Options of `server add` that take a value as the next argument. */
const ADD_VALUE_OPTIONS = new Set([
  "--url",
  "--transport",
  "--env",
  "--header",
  "--client",
  "--cwd",
  "--description",
]);

/**
 * True when `server add`'s first operand came after `--` (`server add -- npx x`): then the "name" is
 * really the command. Commander hides `--`, so the raw arguments are read back.
 */
function nameCameAfterDoubleDash(cmd: unknown): boolean {
  let root = cmd as { parent?: unknown; rawArgs?: string[] };
  while (root.parent) root = root.parent as typeof root;
  const raw = root.rawArgs ?? [];
  const dd = raw.indexOf("--");
  const add = raw.indexOf("add");
  if (dd < 0 || add < 0 || add > dd) return false;
  for (let i = add + 1; i < dd; i++) {
    const a = raw[i];
    if (a.startsWith("-")) {
      if (ADD_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return false; // an operand before `--`: the name
  }
  return true;
}

/** A server name made from a command (`npx -y @scope/server-github@1` → `server-github`). */
function suggestName(command: string[]): string {
  const last = [...command].reverse().find((a) => !a.startsWith("-")) ?? "";
  const base = (last.split(/[\\/]/).pop() ?? "").replace(/@[^@]*$/, "").replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 64);
  return base || "my-server";
}

function validUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function describeServer(name: string, s: ServerDef): string {
  const lines = [`${name}`, `  transport: ${s.transport}`];
  if (s.description) lines.push(`  description: ${s.description}`);
  if (s.transport === "stdio") {
    lines.push(`  command: ${s.command}`);
    if (s.args.length) lines.push(`  args: ${JSON.stringify(s.args)}`);
    if (s.cwd) lines.push(`  cwd: ${s.cwd}`);
    for (const [k, v] of Object.entries(s.env)) lines.push(`  env ${k}=${v}`);
  } else {
    lines.push(`  url: ${s.url}`);
    for (const [k, v] of Object.entries(s.headers)) lines.push(`  header ${k}: ${v}`);
  }
  lines.push(`  enabled: ${s.enabled ? "yes" : "no"}`, `  clients: ${clientsOf(s)}`);
  if (s.source) lines.push(`  source: ${JSON.stringify(s.source)}`);
  return lines.join("\n");
}

async function reg() {
  const m = await load<typeof import("../core/model/registry.ts")>(
    import.meta.url,
    "../core/model/registry.ts",
  );
  m.allowNexusHome();
  return m;
}

async function warnMissingSecrets(ctx: Ctx, name: string, server: ServerDef): Promise<void> {
  const { collectReferences } = await load<typeof import("../core/model/references.ts")>(
    import.meta.url,
    "../core/model/references.ts",
  );
  const refs = collectReferences(server, name);
  if (refs.length === 0) return;
  try {
    const { registrySecretServices } = await load<typeof import("../host/services.ts")>(
      import.meta.url,
      "../host/services.ts",
    );
    const secrets = registrySecretServices(ctx.backendFlag, terminalPrompt);
    const found = await secrets.resolveSecrets(refs.map((r) => r.name));
    for (const r of refs) {
      if (found.get(r.name) == null) {
        ctx.out.warn(
          `server '${name}' ${r.field} refers to secret '${r.name}', which is not stored yet. ` +
            `Store it with: mcp-nexus secret set ${r.name}`,
        );
      }
    }
  } catch {
    // The keychain may be unavailable here (CI); `sync` and `run` check references for real.
  }
}

export function registerServer(program: Command): void {
  const server = program.command("server").description("Manage the central list of MCP servers");

  server.command("add").argument("<name>", "server name: letters, digits, '_' or '-'")
    .argument("[command...]", "for a stdio server: the command and its arguments, after --")
    .description("Add a server: a stdio command (after --) or a remote --url")
    .option("--url <url>", "a remote server's URL (streamable HTTP, or SSE with --transport sse)")
    .option("--transport <kind>", "remote transport: http or sse", "http")
    .option("--env <KEY=VALUE>", "environment variable for a stdio server (repeatable)", collect, [])
    .option("--header <KEY=VALUE>", "HTTP header for a remote server (repeatable)", collect, [])
    .option("--client <id>", "only write it to this client (repeatable; default: all)", collect, [])
    .option("--disable-client <id>", "never write it to this client (repeatable)", collect, [])
    .option("--disable", "add it disabled: written to no client until 'mcp-nexus server enable NAME'")
    .option("--cwd <dir>", "working directory for a stdio server")
    .option("--description <text>", "what the server is for")
    .option("--replace", "replace an existing server of that name")
    .option("--allow-plaintext", "accept values that look like secrets (not recommended)")
    .addHelpText(
      "after",
      `
Values may refer to secrets in the keychain: keychain:NAME or \${keychain:NAME} (also inside a string).

Examples:
  mcp-nexus server add everything -- npx -y @modelcontextprotocol/server-everything
  mcp-nexus server add github --env GITHUB_PERSONAL_ACCESS_TOKEN='\${keychain:github-token}' \\
      -- npx -y @modelcontextprotocol/server-github
  mcp-nexus server add linear --url https://mcp.linear.app/mcp --header Authorization='Bearer \${keychain:linear}'
  mcp-nexus server add linear --replace --url https://mcp.linear.app/mcp --disable-client zed

--replace replaces the whole definition: give --client, --disable-client and --disable again to keep them.`,
    )
    .action(action(async (ctx, name: string, command: string[], opts, cmd) => {
      if (nameCameAfterDoubleDash(cmd)) {
        const all = [name, ...command];
        const { shellQuote } = await load<typeof import("../core/model/arg_references.ts")>(
          import.meta.url,
          "../core/model/arg_references.ts",
        );
        throw usageError(
          "E_USAGE",
          `'mcp-nexus server add' needs a server name before --; without one, '${
            name.slice(0, 64)
          }' would have become the name. Nothing was added.`,
          { hint: `mcp-nexus server add ${suggestName(all)} -- ${all.map(shellQuote).join(" ")}` },
        );
      }
      validateServerName(name);
      const env = parsePairs(opts.env, "env");
      const headers = parsePairs(opts.header, "header");
      let def: Record<string, unknown>;
      if (opts.url && command.length) {
        throw usageError("E_USAGE", "Give either a command (after --) or --url, not both.");
      }
      if (opts.url) {
        if (Object.keys(env).length) {
          throw usageError("E_USAGE", "--env applies to stdio servers; a remote server takes --header.");
        }
        if (opts.transport !== "http" && opts.transport !== "sse") {
          throw usageError("E_USAGE", `--transport ${opts.transport}: expected http or sse.`);
        }
        if (!validUrl(opts.url)) {
          throw usageError(
            "E_INVALID_URL",
            `--url ${JSON.stringify(opts.url.slice(0, 80))}: expected an http(s) URL.`,
            { hint: `For example: mcp-nexus server add ${name} --url https://mcp.example.com/mcp` },
          );
        }
        def = { transport: opts.transport, url: opts.url, headers };
      } else if (command.length) {
        if (Object.keys(headers).length) {
          throw usageError(
            "E_USAGE",
            "--header applies to remote servers (--url); a stdio server takes --env.",
          );
        }
        def = { transport: "stdio", command: command[0], args: command.slice(1), env };
        if (opts.cwd) def.cwd = opts.cwd;
      } else {
        throw usageError("E_USAGE", `Server '${name}' needs a command (after --) or --url.`, {
          hint:
            "mcp-nexus server add NAME -- npx -y some-mcp-server   or   mcp-nexus server add NAME --url https://…",
        });
      }
      if (opts.description) def.description = opts.description;
      if (opts.client.length || opts.disableClient.length) {
        const { resolveClientIds } = await load<typeof import("./clients.ts")>(
          import.meta.url,
          "./clients.ts",
        );
        if (opts.client.length) def.clients = (await resolveClientIds(opts.client)).map((a) => a.id);
        if (opts.disableClient.length) {
          def.disabledClients = (await resolveClientIds(opts.disableClient)).map((a) => a.id).sort();
        }
      }
      if (opts.disable) def.enabled = false;
      if (!opts.allowPlaintext) {
        await refusePlaintext(name, { env, headers, args: command.slice(1), url: opts.url });
      }
      const now = new Date().toISOString();
      def.createdAt = now;
      def.updatedAt = now;
      const { Server, formatIssues } = await load<typeof import("../core/model/registry_schema.ts")>(
        import.meta.url,
        "../core/model/registry_schema.ts",
      );
      const parsed = Server.safeParse(def);
      if (!parsed.success) {
        throw usageError(
          "E_INVALID_SERVER",
          `Server '${name}' is not valid: ${formatIssues(parsed.error).join("; ")}.`,
        );
      }
      const r = await reg();
      const replaced = await r.updateRegistry((data: RegistryData) => {
        const existed = Object.hasOwn(data.servers, name);
        if (existed && !opts.replace) {
          throw usageError("E_EXISTS", `A server named '${name}' already exists.`, {
            hint: `Use --replace to overwrite it, or 'mcp-nexus server rm ${name}' first.`,
          });
        }
        if (existed) parsed.data.createdAt = data.servers[name].createdAt ?? now;
        data.servers[name] = parsed.data;
        return existed;
      });
      await warnMissingSecrets(ctx, name, parsed.data);
      const { argReferenceWarnings } = await load<typeof import("../core/model/arg_references.ts")>(
        import.meta.url,
        "../core/model/arg_references.ts",
      );
      const argWarnings = argReferenceWarnings(name, parsed.data);
      for (const w of argWarnings) ctx.out.warn(w.message);
      ctx.out.result(
        {
          name,
          replaced,
          server: parsed.data,
          ...(argWarnings.length
            ? { warnings: argWarnings.map(({ field, secrets, command }) => ({ field, secrets, command })) }
            : {}),
        },
        () => `${replaced ? "Replaced" : "Added"} server '${name}' (${parsed.data.transport}).`,
      );
    }));

  server.command("list").alias("ls").description("List the servers")
    .action(action((ctx) => listServers(ctx)));

  server.command("show").argument("<name>").description("Show one server")
    .action(action(async (ctx, name: string) => {
      const r = await reg();
      const s = r.getServer(await r.loadRegistry(), name);
      ctx.out.result({ name, ...s }, () => describeServer(name, s));
    }));

  server.command("rm").alias("remove").argument("<name>").description("Remove a server from the registry")
    .action(action(async (ctx, name: string) => {
      const r = await reg();
      await r.updateRegistry((data) => {
        r.getServer(data, name);
        delete data.servers[name];
      });
      ctx.out.result({ name, removed: true }, () => `Removed server '${name}'.`);
    }));

  for (const verb of ["enable", "disable"] as const) {
    server.command(verb).argument("<name>")
      .description(`${verb === "enable" ? "Enable" : "Disable"} a server, everywhere or for one client`)
      .option("--client <id>", `${verb} it only for this client (repeatable)`, collect, [])
      .action(action(async (ctx, name: string, opts: { client: string[] }) => {
        const r = await reg();
        if (opts.client.length) {
          await (await load<typeof import("./clients.ts")>(import.meta.url, "./clients.ts")).resolveClientIds(
            opts.client,
          );
        }
        const s = await r.updateRegistry((data) => {
          const s = r.getServer(data, name);
          if (!opts.client.length) s.enabled = verb === "enable";
          for (const c of opts.client) {
            if (!/^[a-z0-9][a-z0-9-]*$/.test(c)) {
              throw usageError("E_USAGE", `--client ${c}: client ids are lower-case, like 'claude-code'.`);
            }
            const disabled = new Set(s.disabledClients ?? []);
            if (verb === "enable") {
              disabled.delete(c);
              if (s.clients && !s.clients.includes(c)) s.clients = [...s.clients, c];
            } else disabled.add(c);
            s.disabledClients = disabled.size ? [...disabled].sort() : undefined;
            if (!s.disabledClients) delete s.disabledClients;
          }
          s.updatedAt = new Date().toISOString();
          return s;
        });
        const scope = opts.client.length ? ` for ${opts.client.join(", ")}` : "";
        ctx.out.result(
          { name, enabled: s.enabled, clients: s.clients ?? null, disabledClients: s.disabledClients ?? [] },
          () => `${verb === "enable" ? "Enabled" : "Disabled"} server '${name}'${scope}.`,
        );
      }));
  }
}
