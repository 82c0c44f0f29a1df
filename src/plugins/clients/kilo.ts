/**
 * Kilo Code CLI (an opencode fork): `$XDG_CONFIG_HOME/kilo/kilo.json` or `kilo.jsonc`
 * (`~/.config/kilo`, on every OS as opencode does), key `mcp`, in opencode's entry shapes and format
 * versions (v1 `mcp.<name>`, v2 `mcp.servers.<name>`). Not opencode's file: Kilo keeps its own.
 */
import type { ClientAdapter, PathContext } from "../../ports/clients.ts";
import { installed, joiner } from "./common.ts";
import { opencodeEntries, opencodeFormats, opencodeUnknownFormat } from "./opencode.ts";
import { remoteSecrets } from "./remote_secrets.ts";

const configDir = (ctx: PathContext) => joiner(ctx)(ctx.xdgConfigHome, "kilo");

export const kilo: ClientAdapter = {
  id: "kilo",
  name: "Kilo Code CLI",
  format: "jsonc",
  paths: (ctx) => [joiner(ctx)(configDir(ctx), "kilo.json"), joiner(ctx)(configDir(ctx), "kilo.jsonc")],
  serversPath: ["mcp"],
  transports: ["stdio", "http"],
  ...opencodeEntries("Kilo Code CLI", false),
  formats: opencodeFormats("Kilo Code CLI"),
  unknownFormat: opencodeUnknownFormat,
  ...remoteSecrets("kilo"),
  detect: (ctx) => installed(ctx, { paths: [configDir(ctx)], commands: ["kilo"] }),
  docs: "https://kilo.ai/docs/automate/mcp/using-in-kilo-code",
  checked: {
    version: "@kilocode/cli 7.8.1 (npm)",
    docs: "https://kilo.ai/docs/automate/mcp/using-in-kilo-code (kilo.json[c], top-level `mcp`)",
    date: "2026-12-02",
  },
  emptyFile: '{\n  "$schema": "https://kilo.ai/config.json"\n}\n',
  // project scope: `.kilo/kilo.json` (Kilo also reads `kilo.json[c]` at the root)
  project: { path: [".kilo", "kilo.json"] },
  notes: "opencode's format in Kilo's own ~/.config/kilo/kilo.json (not opencode's file). " +
    "The command is one array; remote servers are streamable HTTP. No cwd.",
};
export default kilo;
