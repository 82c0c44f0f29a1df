/** Reads a `sha256sum` listing (SHA256SUMS): file name → lower-case hex digest. */
export function parseSums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-fA-F]{64}) [ *](\S+)\s*$/.exec(line);
    if (m) out.set(m[2].replace(/^.*\//, ""), m[1].toLowerCase());
  }
  return out;
}

/** The lower-case hex SHA-256 of a file, as `sha256sum` prints it. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function need(sums: Map<string, string>, file: string): string {
  const s = sums.get(file);
  if (!s) throw new Error(`SHA256SUMS has no line for ${file}`);
  return s;
}

export const REPO_URL = "https://github.com/mcp-nexus/mcp-nexus";

export function releaseUrl(version: string, file: string): string {
  return `${REPO_URL}/releases/download/v${version}/${file}`;
}

/** `--name value` arguments. */
export function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith("--") && i + 1 < args.length) out[args[i].slice(2)] = args[++i];
  }
  return out;
}

export const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
