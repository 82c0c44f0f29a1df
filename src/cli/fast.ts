/**
 * The lean dispatch: the hot commands in their usual forms run without commander (~50 ms of start-up
 * for its CommonJS modules, every command group's module, and the program's construction):
 *
 *   server list | server ls                         (`mcp-nexus server list --json`)
 *   sync [--client ID]… [--yes|-y] [--dry-run] [--force] [--secrets MODE] [--unattended]
 *
 * with the global options --json, --no-color and --backend ID anywhere. They run the very action
 * functions commander runs (src/cli/server_list.ts, runSync in src/cli/sync.ts), through the same
 * context, least-privilege step and error → exit-code wrapper, so output and exit codes are the same.
 * Anything else (help, `--opt=value`, an option value that starts with '-', a repeated single option,
 * an unknown word) is not recognised here and goes to commander, which parses and reports it.
 */
import { load } from "../core/model/load.ts";
import { makeCtx } from "./context.ts";
import type { SyncCliOptions } from "./sync.ts";

interface Parsed {
  json: boolean;
  noColor: boolean;
  backend?: string;
  words: string[];
  /** `sync` options, by name: strings for values, true for flags. */
  values: Map<string, string[] | true>;
}

const SYNC_FLAGS: Record<string, string> = {
  "--yes": "yes",
  "-y": "yes",
  "--dry-run": "dryRun",
  "--force": "force",
  "--unattended": "unattended",
};
const SYNC_VALUES: Record<string, { key: string; repeatable: boolean }> = {
  "--client": { key: "client", repeatable: true },
  "--secrets": { key: "secrets", repeatable: false },
};

function parse(argv: readonly string[]): Parsed | null {
  const p: Parsed = { json: false, noColor: false, words: [], values: new Map() };
  const isSync = argv.find((a) => !a.startsWith("-")) === "sync";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json" || a === "--no-color") {
      if (a === "--json" ? p.json : p.noColor) return null;
      if (a === "--json") p.json = true;
      else p.noColor = true;
      continue;
    }
    if (a === "--backend") {
      const v = argv[i + 1];
      if (p.backend !== undefined || v === undefined || v.startsWith("-")) return null;
      p.backend = v;
      i++;
      continue;
    }
    if (!a.startsWith("-")) {
      p.words.push(a);
      continue;
    }
    if (!isSync) return null;
    if (Object.hasOwn(SYNC_FLAGS, a)) {
      const key = SYNC_FLAGS[a];
      if (p.values.has(key)) return null;
      p.values.set(key, true);
      continue;
    }
    if (Object.hasOwn(SYNC_VALUES, a)) {
      const { key, repeatable } = SYNC_VALUES[a];
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("-")) return null;
      const was = p.values.get(key);
      if (was !== undefined && !repeatable) return null;
      p.values.set(key, [...(Array.isArray(was) ? was : []), v]);
      i++;
      continue;
    }
    return null; // --help, --opt=value, an option of another form: commander's
  }
  // sync's options belong to sync alone (`--backend sync server list --yes` is commander's to refuse)
  if (p.values.size && p.words[0] !== "sync") return null;
  return p;
}

/**
 * Runs argv through the lean dispatch if it is one of its forms; returns the exit code, or
 * undefined when commander must handle it (nothing has been done then).
 */
export async function fastMain(argv: readonly string[]): Promise<number | undefined> {
  const p = parse(argv);
  if (!p) return undefined;
  const w = p.words.join(" ");
  let run: (ctx: ReturnType<typeof makeCtx>) => Promise<number | void>;
  if (w === "server list" || w === "server ls") {
    run = async (ctx) =>
      (await load<typeof import("./server_list.ts")>(import.meta.url, "./server_list.ts")).listServers(ctx);
  } else if (w === "sync") {
    const list = (k: string) => {
      const v = p.values.get(k);
      return Array.isArray(v) ? v : [];
    };
    const flag = (k: string) => p.values.get(k) === true ? { [k]: true as const } : {};
    const opts: SyncCliOptions = {
      client: list("client"),
      server: [],
      secrets: list("secrets")[0] ?? "launcher",
      ...flag("dryRun"),
      ...flag("yes"),
      ...flag("force"),
      ...flag("unattended"),
    };
    run = async (ctx) =>
      (await load<typeof import("./sync.ts")>(import.meta.url, "./sync.ts")).runSync(ctx, opts);
  } else return undefined;
  // what src/cli/mod.ts's main and its action wrapper do around an action
  const { leastPrivilege } = await load<typeof import("./least_privilege.ts")>(
    import.meta.url,
    "./least_privilege.ts",
  );
  try {
    await leastPrivilege([...argv]);
  } catch (err) {
    return makeCtx({ json: p.json }).out.error(err).exitCode;
  }
  const ctx = makeCtx({ json: p.json, color: !p.noColor, backend: p.backend });
  try {
    return (await run(ctx)) ?? 0;
  } catch (err) {
    return ctx.out.error(err).exitCode;
  }
}
