/** `mcp-nexus secret …`: store, list and remove secrets in the OS keychain (names only in output). */
import type { Command } from "@commander-js/extra-typings";
import { action, type Ctx } from "./context.ts";
import { table, writeAll } from "../core/output.ts";
import type { SecretStore } from "../core/secrets.ts";
import { openSecretStore } from "./store.ts";
import { ExitCode } from "../core/errors.ts";
import { validateSecretName } from "../core/names.ts";

function store(ctx: Ctx): Promise<SecretStore> {
  return openSecretStore(ctx.backendFlag);
}

/** Names referenced anywhere in the registry (so read-only backends can list them). */
async function referencedSecretNames(): Promise<string[]> {
  const { loadRegistry } = await import("../core/registry.ts");
  const { collectReferences } = await import("../core/references.ts");
  const reg = await loadRegistry();
  return Object.entries(reg.servers).flatMap(([n, s]) => collectReferences(s, n).map((r) => r.name));
}

export function registerSecret(program: Command): void {
  const secret = program.command("secret").description("Store, list and remove secrets in the OS keychain");

  secret.command("set").argument("<name>", "secret name: 1–256 of A-Z a-z 0-9 . _ -")
    .description(
      "Store a secret. The value comes from a hidden prompt, or stdin when piped; never from argv.",
    )
    .option("--stdin", "read the value from stdin even on a terminal")
    .addHelpText(
      "after",
      `\nExamples:\n  mcp-nexus secret set github-token            # prompts, input hidden\n  printf %s "$TOKEN" | mcp-nexus secret set github-token`,
    )
    .action(action(async (ctx, name: string, opts: { stdin?: boolean }) => {
      validateSecretName(name);
      const s = await store(ctx);
      const { readSecretValue } = await import("./prompt.ts");
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
      ctx.out.result({ backend: s.backend.id, secrets: items }, () => {
        if (items.length === 0) {
          return `No secrets in ${s.backend.label}. Add one with: mcp-nexus secret set NAME`;
        }
        const rows = items.map((
          i,
        ) => [i.name, i.stored ? "stored" : "missing (listed in the keys index only)"]);
        return `${table(["NAME", "STATUS"], rows)}\n\n${items.length} secret(s) in ${s.backend.label}.`;
      });
    }));

  secret.command("rm").alias("remove").argument("<name>").description("Remove a secret")
    .action(action(async (ctx, name: string) => {
      const s = await store(ctx);
      await s.delete(name);
      ctx.out.result({ name, backend: s.backend.id, removed: true }, () => `Removed secret '${name}'.`);
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
      const { listBackends, selectBackend } = await import("../plugins/backends/mod.ts");
      const s = await store(ctx).catch(() => null);
      const selected = s?.backend ?? selectBackend(ctx.backendFlag);
      const health = await selected.probe();
      const all = listBackends().map((b) => ({
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
