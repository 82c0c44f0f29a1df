/**
 * The winget manifest (multi-file, schema 1.6.0: version, installer, defaultLocale) for a release,
 * from its SHA256SUMS. The Windows binary installs as a portable command `mcp-nexus`.
 * `deno run -A scripts/release/winget.ts --version X.Y.Z --sums SHA256SUMS --out DIR`
 */
import { join } from "node:path";
import { stringify } from "yaml";
import { flags, need, parseSums, releaseUrl, SEMVER } from "./sums.ts";

export const PACKAGE_ID = "McpNexus.McpNexus";
export const MANIFEST_VERSION = "1.6.0";
const SCHEMA = "https://aka.ms/winget-manifest";

export function wingetManifests(version: string, sums: Map<string, string>): Record<string, string> {
  if (!SEMVER.test(version)) throw new Error(`not a version: ${version}`);
  const file = "mcp-nexus-x86_64-pc-windows-msvc.exe";
  const base = { PackageIdentifier: PACKAGE_ID, PackageVersion: version };
  const doc = (kind: string, data: Record<string, unknown>) =>
    `# yaml-language-server: $schema=${SCHEMA}.${kind}.${MANIFEST_VERSION}.schema.json\n` +
    stringify({ ...base, ...data, ManifestType: kind, ManifestVersion: MANIFEST_VERSION });
  return {
    [`${PACKAGE_ID}.yaml`]: doc("version", { DefaultLocale: "en-US" }),
    [`${PACKAGE_ID}.installer.yaml`]: doc("installer", {
      InstallerType: "portable",
      Commands: ["mcp-nexus"],
      ReleaseDate: new Date().toISOString().slice(0, 10),
      Installers: [{
        Architecture: "x64",
        InstallerUrl: releaseUrl(version, file),
        InstallerSha256: need(sums, file).toUpperCase(),
      }],
    }),
    [`${PACKAGE_ID}.locale.en-US.yaml`]: doc("defaultLocale", {
      PackageLocale: "en-US",
      Publisher: "mcp-nexus",
      PublisherUrl: "https://github.com/mcp-nexus",
      PackageName: "mcp-nexus",
      PackageUrl: "https://github.com/mcp-nexus/mcp-nexus",
      License: "MIT",
      ShortDescription: "One list of MCP servers, secrets in the OS keychain, synced into every AI client.",
      Moniker: "mcp-nexus",
      Tags: ["mcp", "ai", "cli", "keychain"],
    }),
  };
}

if (import.meta.main) {
  const f = flags(Deno.args);
  if (!f.version || !f.sums || !f.out) {
    console.error("usage: winget.ts --version X.Y.Z --sums SHA256SUMS --out DIR");
    Deno.exit(2);
  }
  await Deno.mkdir(f.out, { recursive: true });
  const files = wingetManifests(f.version.replace(/^v/, ""), parseSums(await Deno.readTextFile(f.sums)));
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(f.out, name), text);
  console.log(Object.keys(files).map((n) => join(f.out, n)).join("\n"));
}
