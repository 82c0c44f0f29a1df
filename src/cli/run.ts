/**
 * `mcp-nexus run <server>`: the launcher AI clients start stdio servers through (the entry that
 * `launcherEntry` writes). main.ts dispatches here before commander and zod are loaded; this file
 * parses its few options by hand. Errors are one line on stderr (stdout belongs to the MCP server),
 * naming the server, field and secret and how to fix it; never a secret value.
 */
import { ExitCode, toNexusError, usageError } from "../core/model/errors.ts";
import { SERVER_NAME_RE } from "../core/model/names.ts";
import { launch, loadLaunchDef, resolveLaunch } from "../core/launch/launcher.ts";
import { redact } from "../core/secrets/redact.ts";
import { sanitizeTerminal } from "../core/io/sanitize.ts";
import { isBuiltInBackend, launchSecrets, requestedBackend, secretServices } from "../host/services.ts";
import { terminalPrompt } from "./terminal_prompt.ts";

const HELP = `Usage: mcp-nexus run [--backend <id>] <server>

Starts a registered stdio server the way AI clients do: its secret references are resolved from the
keychain in one batch and handed to the server in its environment (or args), its stdin/stdout/stderr
are its own, and this process is replaced by it (Linux, macOS) or waits for it and exits with its code.

Options:
  --backend <id>  secret backend: auto, libsecret, macos-keychain, windows-credential-manager, env
  --json          errors as one JSON document on stdout
  -h, --help      this help

Exit codes: the server's own; before it starts: 1 failure (command not found, bad cwd), 2 invalid
registry or usage, 3 server or secret not found, 4 secret store unavailable or locked.
`;

const enc = new TextEncoder();

interface RunArgs {
  server?: string;
  backend?: string;
  json: boolean;
  help: boolean;
}

/** Parses `[globals…] run [options…] <server>` (globals as main.ts skips them). */
export function parseRunArgs(argv: string[]): RunArgs {
  const out: RunArgs = { json: false, help: false };
  let seenRun = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") out.json = true;
    else if (a === "--no-color") continue;
    else if (a === "-h" || a === "--help") out.help = true;
    else if (a === "--backend" || a.startsWith("--backend=")) {
      const v = a === "--backend" ? argv[++i] : a.slice("--backend=".length);
      if (!v) throw usageError("E_USAGE", "--backend needs a backend id.");
      out.backend = v;
    } else if (!seenRun && a === "run") seenRun = true;
    else if (a.startsWith("-") && a !== "-") {
      throw usageError("E_USAGE", `Unknown option ${a} for 'mcp-nexus run'.`, {
        hint: "See: mcp-nexus run --help",
      });
    } else if (out.server === undefined) out.server = a;
    else {
      throw usageError("E_USAGE", `'mcp-nexus run' takes one server name; got also '${a}'.`, {
        hint:
          "Arguments for the server belong in the registry: mcp-nexus server add NAME --replace -- COMMAND ARGS…",
      });
    }
  }
  return out;
}

function report(err: unknown, json: boolean): number {
  const e = toNexusError(err);
  if (json) {
    Deno.stdout.writeSync(
      enc.encode(sanitizeTerminal(redact(JSON.stringify({ error: e.toJSON() }, null, 2) + "\n"))),
    );
  } else {
    const message = e.message.replace(/:\n\s*/g, ": ").replace(/\n\s*/g, "; ");
    const line = `mcp-nexus run: error: ${message}${e.hint ? ` Fix: ${e.hint}` : ""}\n`;
    Deno.stderr.writeSync(enc.encode(sanitizeTerminal(redact(line))));
  }
  return e.exitCode;
}

/** Runs the launcher; returns the exit code (when the server was not exec'd into this process). */
export async function runCommand(argv: string[]): Promise<number> {
  let args: RunArgs = { json: argv.includes("--json"), help: false };
  try {
    args = parseRunArgs(argv);
    if (args.help) {
      Deno.stdout.writeSync(enc.encode(HELP));
      return ExitCode.OK;
    }
    const name = args.server;
    if (name === undefined) {
      throw usageError("E_USAGE", "Which server? 'mcp-nexus run NAME' needs a server name.", {
        hint: "mcp-nexus server list",
      });
    }
    if (!SERVER_NAME_RE.test(name)) {
      throw usageError("E_INVALID_NAME", `Invalid server name ${JSON.stringify(name.slice(0, 64))}.`, {
        hint: "Server names are 1–64 letters, digits, '_' or '-' (see: mcp-nexus server list).",
      });
    }
    let loaded;
    try {
      loaded = await loadLaunchDef(name);
    } catch (err) {
      if ((err as { code?: string }).code !== "E_NOT_STDIO") throw err;
      // a remote server: bridge stdio to it (loaded only on this path)
      const bridge: typeof import("../core/launch/bridge.ts") = await import(
        new URL("../core/launch/bridge.ts", import.meta.url).href
      );
      const { loadRegistry, getServer } = await import(
        new URL("../core/model/registry.ts", import.meta.url).href
      ) as typeof import("../core/model/registry.ts");
      const data = await loadRegistry();
      const server = getServer(data, name);
      if (server.transport === "stdio") throw err;
      return await bridge.bridgeRemote(
        name,
        server,
        secretServices({
          backendFlag: args.backend,
          setting: data.settings.secretBackend,
          prompt: terminalPrompt,
        }),
      );
    }
    const { def, setting } = loaded;
    // a stdio server needs no network here (the permission set grants it broadly, for the bridge's
    // Worker): drop it before the keychain and the exec. A third-party backend's Worker may need it.
    if (isBuiltInBackend(requestedBackend(args.backend, setting))) {
      await Deno.permissions.revoke({ name: "net" });
    }
    const probe = Deno.env.get("MCP_NEXUS_DEBUG_PERMISSIONS");
    if (probe) {
      let net = "allowed";
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: Number(probe) })).close();
      } catch (err) {
        if (err instanceof Deno.errors.NotCapable) net = "denied";
      }
      Deno.stderr.writeSync(enc.encode(`run permissions: ${JSON.stringify({ net })}\n`));
    }
    const plan = await resolveLaunch(
      name,
      def,
      launchSecrets({ backendFlag: args.backend, setting, prompt: terminalPrompt }),
    );
    return await launch(plan);
  } catch (err) {
    return report(err, args.json);
  }
}
