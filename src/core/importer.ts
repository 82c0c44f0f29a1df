/**
 * Import: a client's entry → a registry definition, with plaintext secrets moved into the keychain
 * and replaced by `${keychain:NAME}` references. Used by `import` and `adopt`.
 */
import type { ClientServer } from "./clients.ts";
import { isPlaintextSecret, looksLikeSecretKey, looksLikeSecretValue } from "./secret_detect.ts";

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

const AUTH_SCHEME = /^(Bearer|Basic|token|Token)\s+(\S.*)$/;

/** Converts a parsed client entry into a registry server definition, moving secrets out. */
export async function convertClientServer(
  server: string,
  cs: ClientServer,
  sink: SecretSink,
): Promise<ConvertedServer> {
  const moved: ConvertedServer["moved"] = [];
  const take = async (field: string, key: string, value: string) => {
    const name = await sink(`${slug(server)}.${slug(key)}`, value);
    moved.push({ field, secret: name });
    return `\${keychain:${name}}`;
  };
  if (cs.transport === "stdio") {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(cs.env)) {
      env[k] = isPlaintextSecret(k, v) ? await take(`env.${k}`, k, v) : v;
    }
    const args: string[] = [];
    for (let i = 0; i < cs.args.length; i++) {
      const a = cs.args[i];
      const flag = i > 0 && /^--?[A-Za-z]/.test(cs.args[i - 1]) ? cs.args[i - 1].replace(/^-+/, "") : "";
      const eq = /^(--?[A-Za-z][\w-]*)=(.+)$/.exec(a);
      if (eq && isPlaintextSecret(eq[1].replace(/^-+/, ""), eq[2])) {
        args.push(`${eq[1]}=${await take(`args[${i}]`, eq[1].replace(/^-+/, ""), eq[2])}`);
      } else if (
        looksLikeSecretValue(a) || (flag && looksLikeSecretKey(flag) && isPlaintextSecret(flag, a))
      ) {
        args.push(await take(`args[${i}]`, flag || `arg${i}`, a));
      } else args.push(a);
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
  for (const [k, v] of Object.entries(cs.headers)) {
    if (!isPlaintextSecret(k, v)) headers[k] = v;
    else {
      const m = AUTH_SCHEME.exec(v);
      headers[k] = m ? `${m[1]} ${await take(`headers.${k}`, k, m[2])}` : await take(`headers.${k}`, k, v);
    }
  }
  let url = cs.url;
  try {
    const u = new URL(cs.url);
    for (const [k, v] of [...u.searchParams]) {
      if (isPlaintextSecret(k, v) || looksLikeSecretValue(v)) {
        u.searchParams.set(k, "__NEXUS_REF__");
        url = u.toString().replace("__NEXUS_REF__", await take(`url?${k}`, k, v));
      }
    }
  } catch { /* not a URL we can read: left as is */ }
  return { def: { transport: cs.transport, url, headers, enabled: true }, moved };
}
