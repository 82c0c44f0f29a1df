/**
 * `mcp-nexus server list`: its own small module, so the lean dispatch (src/cli/fast.ts) runs it
 * without commander; `server.ts` registers the same function.
 */
import { load } from "../core/model/load.ts";
import type { Ctx } from "./context.ts";
import { table } from "../core/io/output.ts";
import type { ServerDef } from "../core/model/registry.ts";

export function target(s: ServerDef): string {
  return s.transport === "stdio" ? [s.command, ...s.args].join(" ") : s.url;
}

export function clientsOf(s: ServerDef): string {
  const base = s.clients ? s.clients.join(",") : "all";
  return s.disabledClients?.length ? `${base} (not ${s.disabledClients.join(",")})` : base;
}

/** Lists the servers (the action of `server list` / `server ls`). */
export async function listServers(ctx: Ctx): Promise<void> {
  const r = await load<typeof import("../core/model/registry.ts")>(
    import.meta.url,
    "../core/model/registry.ts",
  );
  r.allowNexusHome();
  const data = await r.loadRegistry();
  const names = Object.keys(data.servers).sort();
  ctx.out.result({ servers: names.map((n) => ({ name: n, ...data.servers[n] })) }, () => {
    if (!names.length) return "No servers yet. Add one with: mcp-nexus server add NAME -- COMMAND ARGS…";
    return table(
      ["NAME", "TRANSPORT", "ENABLED", "CLIENTS", "TARGET"],
      names.map((n) => {
        const s = data.servers[n];
        return [n, s.transport, s.enabled ? "yes" : "no", clientsOf(s), target(s)];
      }),
    );
  });
}
