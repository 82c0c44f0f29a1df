/**
 * README's "What each command may touch" table, generated from COMMAND_POWERS (run, ffi, net: what
 * each command keeps) and the files each command reads and writes (below). tests/powers_doc_test.ts
 * fails when README's table is not this one, or when a command of the CLI is missing here.
 */
import { COMMAND_POWERS, type Power } from "./privileges.ts";

const HOME = "`<home>`";

/** What each command reads and writes (paths), and the network hosts it may reach. */
export const COMMAND_FILES: Record<string, { reads: string; writes: string; net?: string }> = {
  schema: { reads: "nothing", writes: "nothing (stdout)" },
  completion: { reads: "nothing", writes: "nothing (stdout)" },
  client: { reads: `registry, ledger, each client's config file`, writes: "nothing" },
  backup: {
    reads: `${HOME}/backups`,
    writes:
      "`restore`: only config files of known clients (never a path a manifest names), from a Worker granted only those files (as sync); a backup first",
  },
  server: { reads: "registry", writes: `registry (${HOME}/registry.json, .bak)` },
  secret: { reads: "registry, keys index", writes: `the keychain, the keys index in ${HOME}` },
  sync: {
    reads: "registry, ledger, each client's config file",
    writes:
      "client files from a Worker granted only each file's resolved target and its temp (no net, run, ffi, env); backups, ledger, lock in " +
      HOME,
  },
  adopt: { reads: "the client's config file, registry", writes: "registry, ledger, the keychain" },
  import: { reads: "client config files", writes: "registry, ledger, the keychain (never a client file)" },
  doctor: { reads: "registry, ledger, client files, backups, PATH", writes: "nothing" },
  search: {
    reads: "marketplace cache",
    writes: `${HOME}/cache`,
    net: "api.pulsemcp.com, registry.modelcontextprotocol.io",
  },
  show: {
    reads: "marketplace cache",
    writes: `${HOME}/cache`,
    net: "api.pulsemcp.com, registry.modelcontextprotocol.io",
  },
  outdated: { reads: "registry", writes: `${HOME}/cache`, net: "registry.npmjs.org, pypi.org" },
  install: { reads: "registry", writes: "registry, the keychain, cache", net: "the marketplace hosts" },
  update: { reads: "registry", writes: "registry, cache", net: "the marketplace hosts, npm, PyPI" },
  check: { reads: "registry", writes: "nothing", net: "a remote server's host:port, in its bridge Worker" },
  plugin: { reads: "the plugin file, trust file", writes: `${HOME}/plugins, the trust file` },
  schedule: { reads: "the unit files", writes: "the scheduler's unit / plist / task file" },
  version: { reads: "nothing", writes: "nothing" },
  run: {
    reads: "registry",
    writes: "nothing",
    net: "a remote server's host:port alone, in its bridge Worker",
  },
};

const mark = (keep: Power[], p: Power) => keep.includes(p) ? "yes" : "—";

/** The markdown table (README's block between the `powers` markers). */
export function powersTable(): string {
  const rows = Object.entries(COMMAND_POWERS).map(([cmd, { keep, why }]) => {
    const f = COMMAND_FILES[cmd] ?? { reads: "?", writes: "?" };
    const net = keep.includes("net") ? (f.net ?? "yes") : "—";
    return `| \`${cmd}\` | ${mark(keep, "run")} | ${
      mark(keep, "ffi")
    } | ${net} | ${f.reads} | ${f.writes} | ${why} |`;
  });
  return [
    "| Command | run | ffi | net | Reads | Writes | Why |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
