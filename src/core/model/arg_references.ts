/**
 * `${keychain:…}` in `args` puts the secret on the server's command line, which every local user can
 * read (`ps`, /proc/PID/cmdline). This finds those references and builds the env-variable form of the
 * same server: the exact `server add … --replace` command that passes the secret in the environment.
 */
import type { ServerDef } from "./registry_schema.ts";
import { parseValue } from "./references.ts";

export interface ArgReferenceWarning {
  field: string;
  secrets: string[];
  message: string;
  /** The `server add` command of the env-variable form. */
  command: string;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function envName(raw: string): string {
  const n = raw.replace(/^-+/, "").toUpperCase().replace(/[^A-Z0-9_]+/g, "_").replace(/^([0-9])/, "_$1");
  return n || "SECRET";
}

/** Warnings (one per argument holding references) with the env-variable form of the server. */
export function argReferenceWarnings(name: string, server: ServerDef): ArgReferenceWarning[] {
  if (server.transport !== "stdio") return [];
  const refsOf = (a: string) => {
    try {
      return parseValue(a).flatMap((s) => s.kind === "ref" ? [s.name] : []);
    } catch {
      return [];
    }
  };
  const hits = server.args.map((a, i) => ({ i, refs: refsOf(a) })).filter((h) => h.refs.length);
  if (!hits.length) return [];
  const args = [...server.args];
  const env: Record<string, string> = { ...server.env };
  const drop = new Set<number>();
  for (const { i } of hits) {
    const a = server.args[i];
    const prev = i > 0 ? server.args[i - 1] : "";
    const assign = /^(--?[A-Za-z][\w-]*=)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
    if (assign && (assign[1] || /^(-e|--env)$/.test(prev) || server.command.split(/[\\/]/).pop() === "env")) {
      // docker -e K=V, --env=K=V, env K=V: the variable is passed by name; its value comes from our env
      env[assign[2]] = assign[3];
      if (server.command.split(/[\\/]/).pop() === "env" && !assign[1] && !/^(-e|--env)$/.test(prev)) {
        drop.add(i);
      } else args[i] = `${assign[1] ?? ""}${assign[2]}`;
      continue;
    }
    const flagEq = /^(--?[A-Za-z][\w-]*)=(.*)$/s.exec(a);
    if (flagEq) {
      env[envName(flagEq[1])] = flagEq[2];
      drop.add(i);
    } else if (/^--?[A-Za-z][\w-]*$/.test(prev) && !drop.has(i - 1)) {
      env[envName(prev)] = a;
      drop.add(i - 1).add(i);
    } else {
      env[envName(refsOf(a)[0])] = a;
      drop.add(i);
    }
  }
  const newArgs = args.filter((_, i) => !drop.has(i));
  const words = ["mcp-nexus", "server", "add", name, "--replace"];
  for (const [k, v] of Object.entries(env)) words.push("--env", `${k}=${v}`);
  if (server.cwd) words.push("--cwd", server.cwd);
  words.push("--", server.command, ...newArgs);
  const command = words.map(shellQuote).join(" ");
  return hits.map(({ i, refs }) => ({
    field: `args[${i}]`,
    secrets: refs,
    message:
      `server '${name}' args[${i}] puts secret ${
        refs.map((r) => `'${r}'`).join(", ")
      } on the server's command line, where every local user can read it (ps). ` +
      `If the server reads it from its environment, pass it there instead: ${command}`,
    command,
  }));
}
