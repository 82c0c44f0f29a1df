/** `mcp-nexus secret …`: store, list and remove secrets in the OS keychain (names only in output). */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action, type Ctx } from "./context.ts";
import { table, writeAll } from "../core/io/output.ts";
import type { SecretStore } from "../core/secrets/secrets.ts";
import { openSecretStore } from "./store.ts";
import { ExitCode, usageError } from "../core/model/errors.ts";
import { validateSecretName } from "../core/model/names.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

function store(ctx: Ctx): Promise<SecretStore> {
  return openSecretStore(ctx.backendFlag);
}

/** Names referenced anywhere in the registry (so read-only backends can list them). */
async function referencedSecretNames(): Promise<string[]> {
  const { loadRegistry } = await load<typeof import("../core/model/registry.ts")>(
    import.meta.url,
    "../core/model/registry.ts",
  );
  const { collectReferences } = await load<typeof import("../core/model/references.ts")>(
    import.meta.url,
    "../core/model/references.ts",
  );
  const reg = await loadRegistry();
  return Object.entries(reg.servers).flatMap(([n, s]) => collectReferences(s, n).map((r) => r.name));
}

/**
 * `secret set NAME VALUE` or `secret set NAME=VALUE`: refused without echoing the value (argv is
 * readable by every local user and lands in shell history), saying how to pipe it instead.
 */
function refuseValueInArgv(name: string, args: string[]): void {
  const eq = name.indexOf("=");
  if (args.length <= 1 && eq < 0) return;
  const shown = eq >= 0 ? name.slice(0, eq) : name;
  const safe = /^[A-Za-z0-9._-]{1,256}$/.test(shown) ? shown : "NAME";
  throw usageError(
    "E_SECRET_IN_ARGV",
    "A secret value is never taken from the command line (other local users can read it, and it stays " +
      `in your shell history); nothing was stored. Pipe it in, or run 'mcp-nexus secret set ${safe}' ` +
      "on a terminal and type it at the hidden prompt.",
    { hint: `printf %s "$TOKEN" | mcp-nexus secret set ${safe}` },
  );
}

/** Servers whose references name `secret` (none when the registry cannot be read: rm still works). */
async function serversReferring(secret: string): Promise<string[]> {
  try {
    const { loadRegistry } = await load<typeof import("../core/model/registry.ts")>(
      import.meta.url,
      "../core/model/registry.ts",
    );
    const { collectReferences } = await load<typeof import("../core/model/references.ts")>(
      import.meta.url,
      "../core/model/references.ts",
    );
    const reg = await loadRegistry();
    return Object.entries(reg.servers)
      .filter(([n, srv]) => {
        try {
          return collectReferences(srv, n).some((r) => r.name === secret);
        } catch {
          return false;
        }
      })
      .map(([n]) => n).sort();
  } catch {
    return [];
  }
}

export function registerSecret(program: Command): void {
  const secret = program.command("secret").description("Store, list and remove secrets in the OS keychain");

  secret.command("set").argument("<name>", "secret name: 1–256 of A-Z a-z 0-9 . _ -")
    .description(
      "Store a secret. The value comes from a hidden prompt, or stdin when piped; never from argv.",
    )
    .option("--stdin", "read the value from stdin even on a terminal")
    // a value given as an argument (the commonest mistake) is refused here, never echoed by commander
    .allowExcessArguments()
    .addHelpText(
      "after",
      `\nExamples:\n  mcp-nexus secret set github-token            # prompts, input hidden\n  printf %s "$TOKEN" | mcp-nexus secret set github-token`,
    )
    .action(action(async (ctx, name: string, opts: { stdin?: boolean }, cmd: { args: string[] }) => {
      refuseValueInArgv(name, cmd.args);
      validateSecretName(name);
      const s = await store(ctx);
      const { readSecretValue } = await load<typeof import("./prompt.ts")>(import.meta.url, "./prompt.ts");
      const value = await readSecretValue(name, opts.stdin);
      const r = await s.set(name, value);
      ctx.out.result(
        { name, backend: s.backend.id, updated: r.updated },
        () => `${r.updated ? "Updated" : "Stored"} secret '${name}' in ${s.backend.label}.`,
      );
    }));

  secret.command("get").argument("<name>")
    .description("Show whether a secret is stored; print its value only with --reveal")
    .option("--reveal", "print the secret's value to stdout")
    .action(action(async (ctx, name: string, opts: { reveal?: boolean }) => {
      const s = await store(ctx);
      const value = await s.get(name);
      if (opts.reveal) {
        // deliberate: the one place a value is printed, so it bypasses the redactor
        const text = ctx.out.json
          ? JSON.stringify({ name, backend: s.backend.id, value }) + "\n"
          : value + "\n";
        writeAll(Deno.stdout, new TextEncoder().encode(text));
        return;
      }
      ctx.out.result(
        { name, backend: s.backend.id, stored: true },
        () => `Secret '${name}' is stored in ${s.backend.label}. Add --reveal to print its value.`,
      );
    }));

  secret.command("list").alias("ls").description("List secret names (never values)")
    .action(action(async (ctx) => {
      const s = await store(ctx);
      const items = await s.list(s.backend.usesKeysIndex ? [] : await referencedSecretNames());
      const partial = !!s.backend.listsCandidatesOnly;
      const only =
        `The ${s.backend.id} backend lists only the secret names the registry refers to (it cannot ` +
        `list the whole environment); check any other one (read from MCP_NEXUS_SECRET_<NAME>) with: ` +
        `mcp-nexus --backend ${s.backend.id} secret exists NAME`;
      ctx.out.result({ backend: s.backend.id, secrets: items, complete: !partial }, () => {
        if (items.length === 0 && partial) return `No known secrets found. ${only}`;
        if (items.length === 0 && !s.backend.writable) {
          // a read-only backend: `secret set` would fail; say which variable to set instead
          return `No secrets in ${s.backend.label}. Set one in the environment of the command that ` +
            `needs it, for example: MCP_NEXUS_SECRET_GITHUB_TOKEN="$TOKEN" mcp-nexus --backend ${s.backend.id} ` +
            "secret exists github-token   (secret 'github-token' is read from MCP_NEXUS_SECRET_GITHUB_TOKEN)";
        }
        if (items.length === 0) {
          return `No secrets in ${s.backend.label}. Add one with: mcp-nexus secret set NAME`;
        }
        const rows = items.map((
          i,
        ) => [i.name, i.stored ? "stored" : "missing (listed in the keys index only)"]);
        return `${table(["NAME", "STATUS"], rows)}\n\n${items.length} secret(s) in ${s.backend.label}.` +
          (partial ? `\n${only}` : "");
      });
    }));

  secret.command("rm").alias("remove").argument("<name>").description("Remove a secret")
    .action(action(async (ctx, name: string) => {
      const s = await store(ctx);
      await s.delete(name);
      const users = await serversReferring(name);
      if (users.length) {
        ctx.out.warn(
          `secret '${name}' is still referred to by server${users.length > 1 ? "s" : ""} ${
            users.map((u) => `'${u}'`).join(", ")
          }: ${
            users.length > 1 ? "they" : "it"
          } will fail to start until it is stored again (mcp-nexus secret set ${name}).`,
        );
      }
      ctx.out.result(
        { name, backend: s.backend.id, removed: true, referredToBy: users },
        () => `Removed secret '${name}'.`,
      );
    }));

  secret.command("exists").argument("<name>")
    .description("Exit 0 if the secret is stored, 3 if not (for scripts)")
    .action(action(async (ctx, name: string) => {
      const s = await store(ctx);
      const exists = await s.exists(name);
      ctx.out.result(
        { name, backend: s.backend.id, exists },
        () => exists ? `Secret '${name}' exists.` : `No secret named '${name}'.`,
      );
      return exists ? ExitCode.OK : ExitCode.NOT_FOUND;
    }));

  secret.command("backends").alias("status")
    .description("List the secret backends and check the selected one (locked? reachable?)")
    .action(action(async (ctx) => {
      const { listSecretBackends, selectSecretBackend } = await load<typeof import("../host/services.ts")>(
        import.meta.url,
        "../host/services.ts",
      );
      const s = await store(ctx).catch(() => null);
      const selected = s?.backend ?? await selectSecretBackend(ctx.backendFlag, undefined, terminalPrompt);
      const health = await selected.probe();
      const all = (await listSecretBackends()).map((b) => ({
        id: b.id,
        label: b.label,
        description: b.description,
        selected: b.id === selected.id,
      }));
      ctx.out.result({ selected: selected.id, health, backends: all }, () => {
        const rows = all.map((b) => [b.selected ? `* ${b.id}` : `  ${b.id}`, b.description]);
        const state = health.ok
          ? ctx.out.style(`ok: ${health.message}`, "green")
          : `${ctx.out.style(`${health.status}: ${health.message}`, "red")}\n  fix: ${health.hint ?? ""}`;
        return `${table(["BACKEND", "WHAT"], rows)}\n\nSelected: ${selected.label}\n${state}`;
      });
      return health.ok ? ExitCode.OK : ExitCode.BACKEND;
    }));
}
