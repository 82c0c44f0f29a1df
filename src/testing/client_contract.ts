/**
 * The client-adapter contract: what every adapter, built-in or third-party, must do. `mcp-nexus
 * plugin test PATH` runs it against a plugin; tests/plugins_test.ts runs it against every built-in.
 *
 * - config files: absolute, no `..`, under the user's home or the OS config roots, on each OS;
 * - round trip: every declared transport renders and parses back to the same server;
 * - unknown keys and comments kept: an entry written into a file with a comment, an unknown key and a
 *   foreign entry leaves all three as they were;
 * - malformed input rejected: entries of the wrong shape parse as null, and parse never throws;
 * - no permission escape: (plugins) the code runs in the permissionless sandbox; this is checked by
 *   the caller, which reports it as one more result.
 */
import { pathFor } from "../core/io/path.ts";
import { isDeepStrictEqual } from "node:util";
import type { ClientAdapter, ClientServer } from "../core/sync/clients.ts";
import { fakePathContext } from "../core/sync/client_context.ts";
import type { OS } from "../core/io/paths.ts";
import { parseDocument } from "../core/formats/mod.ts";

export interface ContractResult {
  check: string;
  ok: boolean;
  message: string;
}

const SAMPLES: ClientServer[] = [
  {
    transport: "stdio",
    command: "npx",
    args: ["-y", "@acme/server", "--port", "8080"],
    env: { API_KEY: "${X}" },
  },
  { transport: "stdio", command: "srv", args: [], env: {} },
  { transport: "http", url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer ${TOKEN}" } },
  { transport: "http", url: "https://mcp.example.com/mcp", headers: {} },
  { transport: "sse", url: "https://mcp.example.com/sse", headers: { "X-Key": "k" } },
];

const GARBAGE: unknown[] = [
  null,
  undefined,
  0,
  "npx",
  [],
  ["npx"],
  { command: 5 },
  { command: "" },
  { url: 7 },
  { args: "not-a-list", command: "x" },
  { command: "x", env: "nope" },
];

function machine(os: OS) {
  const home = os === "windows" ? "C:\\Users\\u" : os === "darwin" ? "/Users/u" : "/home/u";
  return fakePathContext({ os, home, env: {} });
}

function fileChecks(adapter: ClientAdapter): ContractResult {
  const bad: string[] = [];
  for (const os of ["linux", "darwin", "windows"] as OS[]) {
    const ctx = machine(os);
    const path = pathFor(os);
    const roots = [ctx.home, ctx.xdgConfigHome, ctx.appData, ctx.localAppData];
    let paths: string[];
    try {
      paths = adapter.paths(ctx);
    } catch (err) {
      bad.push(`${os}: paths() threw ${(err as Error)?.message ?? err}`);
      continue;
    }
    if (paths.length === 0) bad.push(`${os}: no config file`);
    for (const p of paths) {
      const normal = path.normalize(p);
      const under = roots.some((r) => {
        const rel = path.relative(r, normal);
        return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
      });
      if (!path.isAbsolute(p) || p.split(/[\\/]/).includes("..") || !under) bad.push(`${os}: ${p}`);
    }
  }
  return {
    check: "config files are absolute paths under the home or config directories",
    ok: bad.length === 0,
    message: bad.length ? `not allowed: ${bad.join("; ")}` : "ok on linux, darwin and windows",
  };
}

function samplesFor(adapter: ClientAdapter): ClientServer[] {
  return SAMPLES.filter((s) => adapter.transports.includes(s.transport)).map((s) =>
    s.transport === "stdio" && adapter.supportsCwd ? { ...s, cwd: "/srv/work" } : s
  );
}

function roundTrip(adapter: ClientAdapter): ContractResult {
  const bad: string[] = [];
  for (const s of samplesFor(adapter)) {
    try {
      const entry = adapter.render("sample", s);
      const back = adapter.parse("sample", JSON.parse(JSON.stringify(entry)));
      if (!isDeepStrictEqual(back, s)) {
        bad.push(`${s.transport}: ${JSON.stringify(s)} came back as ${JSON.stringify(back)}`);
      }
    } catch (err) {
      bad.push(`${s.transport}: threw ${(err as Error)?.message ?? err}`);
    }
  }
  return {
    check: "round trip: render then parse gives the same server",
    ok: bad.length === 0,
    message: bad.length
      ? bad.join("; ")
      : `${samplesFor(adapter).length} servers (${adapter.transports.join(", ")})`,
  };
}

const SEEDS: Record<string, (path: string[]) => string> = {
  json: (p) => `{\n  "userSetting": true,\n  ${nest(p, `{ "theirs": { "command": "keep-me" } }`)}\n}\n`,
  jsonc: (p) =>
    `{\n  // the user's comment\n  "userSetting": true,\n  ${
      nest(p, `{ "theirs": { "command": "keep-me" } }`)
    }\n}\n`,
  toml: (p) => `# the user's comment\nuserSetting = true\n\n[${p.join(".")}.theirs]\ncommand = "keep-me"\n`,
  yaml: (p) =>
    `# the user's comment\nuserSetting: true\n${p.map((k, i) => `${"  ".repeat(i)}${k}:`).join("\n")}\n${
      "  ".repeat(p.length)
    }theirs:\n${"  ".repeat(p.length + 1)}command: keep-me\n`,
};

function nest(path: string[], inner: string): string {
  return path.reduceRight((acc, k, i) => (i === 0 ? `"${k}": ${acc}` : `{ "${k}": ${acc} }`), inner);
}

async function keepsOthers(adapter: ClientAdapter): Promise<ContractResult> {
  const check = "unknown keys, comments and other entries are kept";
  if ((adapter.storage ?? "map") !== "map") {
    return { check, ok: true, message: "skipped: list storage is checked by the sync tests" };
  }
  try {
    const seed = SEEDS[adapter.format](adapter.serversPath);
    const doc = await parseDocument(adapter.format, seed, "contract");
    const before = JSON.stringify(doc.get([...adapter.serversPath, "theirs"]));
    const server = samplesFor(adapter)[0];
    const key = adapter.entryKey?.("ours") ?? "ours";
    doc.set([...adapter.serversPath, key], adapter.render("ours", server));
    const text = doc.toString();
    const again = await parseDocument(adapter.format, text, "contract");
    const problems: string[] = [];
    if (adapter.format !== "json" && !text.includes("the user's comment")) {
      problems.push("the comment was lost");
    }
    if (again.get(["userSetting"]) !== true) problems.push("the unknown key was lost");
    if (JSON.stringify(again.get([...adapter.serversPath, "theirs"])) !== before) {
      problems.push("the other entry changed");
    }
    if (!isDeepStrictEqual(adapter.parse("ours", again.get([...adapter.serversPath, key])), server)) {
      problems.push("our entry did not read back");
    }
    return { check, ok: problems.length === 0, message: problems.join("; ") || `${adapter.format}: ok` };
  } catch (err) {
    return { check, ok: false, message: `threw ${(err as Error)?.message ?? err}` };
  }
}

function rejectsGarbage(adapter: ClientAdapter): ContractResult {
  const bad: string[] = [];
  for (const g of GARBAGE) {
    try {
      const r = adapter.parse("x", g);
      if (r !== null) bad.push(`${JSON.stringify(g)} parsed as ${JSON.stringify(r)}`);
    } catch (err) {
      bad.push(`${JSON.stringify(g)} threw ${(err as Error)?.message ?? err}`);
    }
  }
  return {
    check: "malformed entries parse as null, and parse never throws",
    ok: bad.length === 0,
    message: bad.length ? bad.join("; ") : `${GARBAGE.length} malformed entries`,
  };
}

/** Runs the contract; every check is reported (none stops the others). */
export async function clientContract(adapter: ClientAdapter): Promise<ContractResult[]> {
  return [fileChecks(adapter), roundTrip(adapter), await keepsOthers(adapter), rejectsGarbage(adapter)];
}
