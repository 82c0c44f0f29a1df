/**
 * Import: a client's entry → a registry definition, with plaintext secrets moved into the keychain
 * and replaced by `${keychain:NAME}` references. Used by `import` and `adopt`.
 */
import type { ClientServer } from "./clients.ts";
import { findSecretsInArgs, replaceSecrets, type SecretSpan } from "./secret_detect.ts";

/** Stores a value under a name like the suggested one; returns the name used. */
export type SecretSink = (suggested: string, value: string) => Promise<string>;

export interface ConvertedServer {
  def: Record<string, unknown>;
  /** `field → secret name` for every value moved to the keychain. */
  moved: Array<{ field: string; secret: string }>;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100) || "secret";
}

/** Converts a parsed client entry into a registry server definition, moving secrets out. */
export async function convertClientServer(
  server: string,
  cs: ClientServer,
  sink: SecretSink,
): Promise<ConvertedServer> {
  const moved: ConvertedServer["moved"] = [];
  // every secret (whole or embedded) becomes a reference; the rest of the string stays as it was
  const take = (field: string, key: string, value: string, spans?: readonly SecretSpan[]) =>
    replaceSecrets(key, value, async (secret, span) => {
      const name = await sink(`${slug(server)}.${slug(span.key || key)}`, secret);
      moved.push({ field, secret: name });
      return `\${keychain:${name}}`;
    }, spans);
  if (cs.transport === "stdio") {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(cs.env)) env[k] = await take(`env.${k}`, k, v);
    const args = [...cs.args];
    for (const { index, key, spans } of findSecretsInArgs(cs.args)) {
      args[index] = await take(`args[${index}]`, key || `arg${index}`, cs.args[index], spans);
    }
    return {
      def: {
        transport: "stdio",
        command: cs.command,
        args,
        env,
        ...(cs.cwd ? { cwd: cs.cwd } : {}),
        enabled: true,
      },
      moved,
    };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(cs.headers)) headers[k] = await take(`headers.${k}`, k, v);
  const url = await take("url", "url", cs.url);
  return { def: { transport: cs.transport, url, headers, enabled: true }, moved };
}
