/**
 * `sync --project DIR`: the project's servers (the registry's `projects[DIR].servers`, or the
 * `--server` names given, which are then remembered there) written into the project's client files
 * that the adapters declare (`.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, …).
 */
import { load } from "../core/model/load.ts";
import type { ClientAdapter, PathContext } from "../core/sync/clients.ts";
import type { RegistryData } from "../core/model/registry.ts";
import { NexusError, usageError } from "../core/model/errors.ts";

export interface ProjectScope {
  dir: string;
  adapters: ClientAdapter[];
  registry: RegistryData;
  servers: string[];
  /** Remembers `--server` names as the project's servers; call only once the sync is applied. */
  remember(): Promise<void>;
}

/**
 * The adapters and registry view for a project. `--server` names become the project's servers through
 * `remember()`, which the caller runs only when the sync is applied (never on --dry-run or a decline).
 */
export async function projectScope(
  dirArg: string,
  serverNames: string[],
  clientIds: string[],
  adapters: ClientAdapter[],
  pathCtx: PathContext,
  registry: RegistryData,
): Promise<ProjectScope> {
  const [{ absoluteProjectDir, projectAdapter }, reg] = await Promise.all([
    load<typeof import("../core/sync/client_format.ts")>(import.meta.url, "../core/sync/client_format.ts"),
    load<typeof import("../core/model/registry.ts")>(import.meta.url, "../core/model/registry.ts"),
  ]);
  const dir = absoluteProjectDir(pathCtx, dirArg, Deno.cwd());
  let isDir = false;
  try {
    isDir = (await Deno.stat(dir)).isDirectory;
  } catch { /* missing */ }
  if (!isDir) {
    throw new NexusError("E_NOT_FOUND", `--project ${dirArg}: ${dir} is not a directory.`, {
      exitCode: 3,
      hint: "Give the repository's directory: mcp-nexus sync --project . --server NAME",
    });
  }
  let servers: string[];
  let remember = () => Promise.resolve();
  if (serverNames.length) {
    servers = [...new Set(serverNames)].sort();
    for (const s of servers) reg.getServer(registry, s);
    remember = async () => {
      await reg.updateRegistry((data) => {
        data.projects = { ...(data.projects ?? {}), [dir]: { servers } };
      });
    };
  } else {
    const saved = registry.projects && Object.hasOwn(registry.projects, dir)
      ? registry.projects[dir]
      : undefined;
    if (!saved) {
      throw usageError("E_USAGE", `No servers are set for the project ${dir}.`, {
        hint: `Name them once (they are remembered): mcp-nexus sync --project '${dirArg}' --server NAME`,
        details: { project: dir },
      });
    }
    servers = saved.servers;
  }
  const missing = servers.filter((s) => !Object.hasOwn(registry.servers, s));
  if (missing.length) {
    throw new NexusError(
      "E_SERVER_NOT_FOUND",
      `The project ${dir} lists server(s) no longer in the registry: ${missing.join(", ")}.`,
      {
        exitCode: 3,
        hint: `Set its servers again: mcp-nexus sync --project '${dirArg}' --server NAME`,
        details: { project: dir, missing },
      },
    );
  }
  const projected: ClientAdapter[] = [];
  for (const a of adapters) {
    const p = projectAdapter(a, dir, pathCtx);
    if (p) projected.push(p);
    else if (clientIds.includes(a.id)) {
      throw usageError("E_USAGE", `${a.name} has no project file mcp-nexus knows.`, {
        hint: "Leave out that --client, or run: mcp-nexus client list",
        details: { client: a.id },
      });
    }
  }
  const picked = Object.fromEntries(servers.map((s) => [s, registry.servers[s]]));
  return { dir, adapters: projected, registry: { ...registry, servers: picked }, servers, remember };
}
