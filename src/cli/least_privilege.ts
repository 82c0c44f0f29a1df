/** Least privilege for every command (src/host/privileges.ts), shared by the full CLI and the lean dispatch. */
import { load } from "../core/model/load.ts";
import { writeErr } from "../core/io/output.ts";

/** Drops the powers this command does not need (src/host/privileges.ts), before anything untrusted loads. */
export async function leastPrivilege(argv: string[]): Promise<void> {
  const [{ dropPrivileges, probePowers, registryFacts }, { registryPath }] = await Promise.all([
    load<typeof import("../host/privileges.ts")>(import.meta.url, "../host/privileges.ts"),
    load<typeof import("../core/io/paths.ts")>(import.meta.url, "../core/io/paths.ts"),
  ]);
  let facts: ReturnType<typeof registryFacts> = {};
  try {
    facts = registryFacts(registryPath());
  } catch {
    // no HOME: the command reports that itself
  }
  const dropped = await dropPrivileges(argv, facts);
  const probe = Deno.env.get("MCP_NEXUS_DEBUG_PERMISSIONS");
  if (probe) {
    writeErr(`permissions: ${JSON.stringify({ dropped, probe: await probePowers(Number(probe)) })}\n`);
  }
}
