/**
 * The permission set allows no remote imports. Deno's default import allow-list (jsr.io, deno.land,
 * esm.sh, cdn.jsdelivr.net, raw/gist.githubusercontent.com) applies whenever the set names no
 * `import` list, and a Worker created with `permissions: "none"` (the plugin hook sandbox) inherits
 * it: measured on Deno 2.9.6, such a Worker went to the network for `import("https://esm.sh/…")`.
 * `deno.json` therefore names an import list whose only host is under `.invalid` (RFC 2606: it can
 * never resolve), which replaces the default list. Here a program started with the same flags and
 * permission set as the CLI tries those hosts from the main thread and from a permissionless Worker;
 * every attempt must be refused by the permission check, before any download.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG } from "./helpers.ts";

const HOSTS = [
  "https://jsr.io/@std/path/1.0.0/mod.ts",
  "https://deno.land/std/path/mod.ts",
  "https://esm.sh/left-pad",
  "https://cdn.jsdelivr.net/npm/left-pad/+esm",
  "https://raw.githubusercontent.com/x/y/main/mod.ts",
];

const PROBE = `
const hosts = ${JSON.stringify(HOSTS)};
const attempt = async (u) => { try { await import(u); return "loaded"; } catch (e) { return String(e.message ?? e); } };
const results = { main: [], worker: [] };
for (const u of hosts) results.main.push(await attempt(u));
const src = "const hosts = " + JSON.stringify(hosts) + ";" +
  "self.onmessage = async () => { const out = []; for (const u of hosts) { try { await import(u); out.push('loaded'); }" +
  " catch (e) { out.push(String(e.message ?? e)); } } self.postMessage(out); };";
const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), {
  type: "module", deno: { permissions: "none" },
});
results.worker = await new Promise((res) => { w.onmessage = (e) => res(e.data); w.postMessage(0); });
w.terminate();
console.log(JSON.stringify(results));
`;

Deno.test("no remote import is allowed, from the main thread or a permissionless Worker", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-nexus-import-" });
  try {
    const probe = join(dir, "probe.js");
    await Deno.writeTextFile(probe, PROBE);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--no-lock", "--no-prompt", "-P=nexus", "--config", CONFIG, probe],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.doesNotMatch(stderr, /Download/, "nothing was fetched");
    const results = JSON.parse(new TextDecoder().decode(out.stdout)) as { main: string[]; worker: string[] };
    for (const where of ["main", "worker"] as const) {
      results[where].forEach((r, i) => {
        assert.match(r, /Requires import access/, `${where}: ${HOSTS[i]} → ${r}`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
