/** `version` (build, permission set, backends) and `completion SHELL`. */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action } from "./context.ts";
import { usageError } from "../core/model/errors.ts";

const PERMISSIONS = ["read", "write", "run", "ffi", "env", "sys", "net"] as const;

export function registerVersion(program: Command): void {
  program.command("version")
    .description("Version, build target, secret backends and schedulers available here, permissions in force")
    .addHelpText("after", "\nExamples:\n  mcp-nexus version\n  mcp-nexus version --json")
    .action(action(async (ctx) => {
      const [
        { VERSION },
        { runningFromSource, selfCommand },
        backends,
        sched,
        { currentOS, keychainService },
      ] = await Promise
        .all([
          load<typeof import("../version.ts")>(import.meta.url, "../version.ts"),
          load<typeof import("../core/launch/launcher_command.ts")>(
            import.meta.url,
            "../core/launch/launcher_command.ts",
          ),
          load<typeof import("../host/services.ts")>(import.meta.url, "../host/services.ts"),
          load<typeof import("../core/schedule/mod.ts")>(import.meta.url, "../core/schedule/mod.ts"),
          load<typeof import("../core/io/paths.ts")>(import.meta.url, "../core/io/paths.ts"),
        ]);
      // the set declared in deno.json (embedded in a compiled binary), and what is in force
      const config = (await import("../../deno.json", { with: { type: "json" } })).default as {
        permissions: { nexus: Record<string, boolean | string[]> };
      };
      const declared = config.permissions.nexus;
      const permissions: Record<string, string> = {};
      for (const name of PERMISSIONS) {
        const state = (await Deno.permissions.query({ name } as Deno.PermissionDescriptor)).state;
        // a list grants those entries only: the query without one reports "prompt" (and prompts are off)
        permissions[name] = state === "granted"
          ? "granted"
          : Array.isArray(declared[name])
          ? "listed"
          : "denied";
      }
      const secretBackends: Array<{ id: string; available: boolean; status: string; message: string }> = [];
      for (const p of await backends.listSecretBackends()) {
        if (!p.platforms.includes(currentOS())) continue;
        try {
          const h = await p.create({ service: keychainService() }).probe();
          secretBackends.push({ id: p.id, available: h.ok, status: h.status, message: h.message });
        } catch (err) {
          secretBackends.push({
            id: p.id,
            available: false,
            status: "unavailable",
            message: (err as Error).message,
          });
        }
      }
      const schedulers: Array<{ id: string; available: boolean; reason?: string }> = [];
      for (const id of sched.SCHEDULERS) {
        const why = await sched.getScheduler(id).unavailable();
        schedulers.push({ id, available: why === null, ...(why ? { reason: why } : {}) });
      }
      const info = {
        version: VERSION,
        target: Deno.build.target,
        deno: Deno.version.deno,
        compiled: !runningFromSource(),
        command: selfCommand(),
        permissionSet: { name: "nexus", ...declared },
        promptsDisabled: true,
        permissions,
        secretBackends,
        schedulers,
      };
      ctx.out.result(info, () =>
        [
          `mcp-nexus ${VERSION} (${info.target}, deno ${info.deno}, ${
            info.compiled ? "compiled" : "from source"
          })`,
          `command:     ${info.command.join(" ")}`,
          `permissions: ${
            PERMISSIONS.map((p) => `${p}=${permissions[p]}`).join(" ")
          } (set 'nexus'; listed = only the names in deno.json; no prompts)`,
          `secrets:     ${
            secretBackends.map((b) => `${b.id} ${b.available ? "✓" : `✗ (${b.message})`}`).join(", ")
          }`,
          `schedulers:  ${schedulers.map((s) => `${s.id} ${s.available ? "✓" : "✗"}`).join(", ")}`,
        ].join("\n"));
    }));

  program.command("completion")
    .argument("<shell>", "bash, zsh, fish or powershell")
    .description("Print the shell completion script")
    .addHelpText(
      "after",
      `
Examples:
  mcp-nexus completion bash > ~/.local/share/bash-completion/completions/mcp-nexus
  mcp-nexus completion zsh > "\${fpath[1]}/_mcp-nexus"
  mcp-nexus completion fish > ~/.config/fish/completions/mcp-nexus.fish
  mcp-nexus completion powershell >> $PROFILE`,
    )
    .action(action(async (ctx, shell: string) => {
      const c = await load<typeof import("../core/io/completion.ts")>(
        import.meta.url,
        "../core/io/completion.ts",
      );
      if (!c.isShell(shell)) {
        throw usageError("E_USAGE", `completion ${shell}: expected one of ${c.SHELLS.join(", ")}.`, {
          hint: "mcp-nexus completion bash",
        });
      }
      const { buildProgram } = await load<typeof import("./mod.ts")>(import.meta.url, "./mod.ts");
      const script = c.completionScript(
        shell,
        c.commandTree(buildProgram() as unknown as import("../core/io/completion.ts").CommanderLike),
      );
      // with --json, the one JSON document the contract promises: the script is a field
      ctx.out.result({ shell, script }, () => script);
    }));
}
