/**
 * The full commands that move a server's plaintext secrets (in the registry) into the keychain:
 * one `mcp-nexus secret set NAME` per secret (the value comes from a hidden prompt or stdin, never
 * argv), then the `server add NAME --replace …` that puts `${keychain:NAME}` where each value was.
 * The secret values are never part of the commands.
 */
import { findSecrets, findSecretsInArgs, type SecretSpan, spliceSpans } from "./secret_detect.ts";
import type { ServerDef } from "./registry.ts";
import { shellQuote as quote } from "./arg_references.ts";

const slug = (x: string) =>
  x.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);

/** Null when the server holds no plaintext secret the detector sees. */
export function keychainFixCommands(name: string, def: ServerDef): string[] | null {
  const names: string[] = [];
  const rewrite = (value: string, key: string, spans: SecretSpan[]): string =>
    spliceSpans(value, spans, (sp) => {
      const base = `${slug(name)}.${slug(sp.key || key) || "secret"}`;
      let secret = base;
      for (let n = 2; names.includes(secret); n++) secret = `${base}-${n}`;
      names.push(secret);
      return `\${keychain:${secret}}`;
    });
  const parts: string[] = [];
  if (def.transport === "stdio") {
    for (const [k, v] of Object.entries(def.env)) {
      parts.push("--env", quote(`${k}=${rewrite(v, k, findSecrets(k, v))}`));
    }
    if (def.cwd) parts.push("--cwd", quote(def.cwd));
  } else {
    if (def.transport !== "http") parts.push("--transport", def.transport);
    parts.push("--url", quote(rewrite(def.url, "url", findSecrets("", def.url))));
    for (const [k, v] of Object.entries(def.headers)) {
      parts.push("--header", quote(`${k}=${rewrite(v, k, findSecrets(k, v))}`));
    }
  }
  for (const c of def.clients ?? []) parts.push("--client", quote(c));
  if (def.description) parts.push("--description", quote(def.description));
  if (def.transport === "stdio") {
    const hits = new Map(findSecretsInArgs(def.args).map((h) => [h.index, h]));
    const args = def.args.map((a, i) => {
      const h = hits.get(i);
      return quote(h ? rewrite(a, h.key || `arg${i + 1}`, h.spans) : a);
    });
    parts.push("--", quote(def.command), ...args);
  }
  if (!names.length) return null;
  return [
    ...names.map((n) => `mcp-nexus secret set ${n}`),
    `mcp-nexus server add ${name} --replace ${parts.join(" ")}`,
  ];
}
