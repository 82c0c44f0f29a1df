/**
 * The full commands that move a server's plaintext secrets (in the registry) into the keychain:
 * one `mcp-nexus secret set NAME` per secret (the value comes from a hidden prompt or stdin, never
 * argv), then the `server add NAME --replace …` that puts `${keychain:NAME}` where each value was.
 * The secret values are never part of the commands.
 */
import { type SecretSpan, serverSecretFields, spliceSpans } from "./secret_detect.ts";
import { secretSlug as slug } from "../model/names.ts";
import type { ServerDef } from "../model/registry.ts";
import { shellQuote as quote } from "../model/arg_references.ts";

/** Null when the server holds no plaintext secret the detector sees. */
export function keychainFixCommands(name: string, def: ServerDef): string[] | null {
  const names: string[] = [];
  // the one walk over the server's values (the same `server add` and doctor use)
  const found = new Map(serverSecretFields(def).map((f) => [f.field, f]));
  const spansOf = (field: string) => found.get(field)?.spans ?? [];
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
      parts.push("--env", quote(`${k}=${rewrite(v, k, spansOf(`env.${k}`))}`));
    }
    if (def.cwd) parts.push("--cwd", quote(def.cwd));
  } else {
    if (def.transport !== "http") parts.push("--transport", def.transport);
    parts.push("--url", quote(rewrite(def.url, "url", spansOf("url"))));
    for (const [k, v] of Object.entries(def.headers)) {
      parts.push("--header", quote(`${k}=${rewrite(v, k, spansOf(`headers.${k}`))}`));
    }
  }
  for (const c of def.clients ?? []) parts.push("--client", quote(c));
  for (const c of def.disabledClients ?? []) parts.push("--disable-client", quote(c));
  if (def.enabled === false) parts.push("--disable");
  if (def.description) parts.push("--description", quote(def.description));
  if (def.transport === "stdio") {
    const args = def.args.map((a, i) => {
      const h = found.get(`args[${i}]`);
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
