// A secret backend: async get/set/delete/list/probe. It runs sandboxed, allowed only what plugin.json
// declares (here: run secret-tool, read three environment variables).

const service = () => Deno.env.get("MCP_NEXUS_KEYCHAIN_SERVICE") || "com.mcp-manager.credentials";
const attrs = (name) => ["service", service(), "account", name, "origin", "mcp-nexus-secret-tool-plugin"];

async function tool(args, input) {
  const child = new Deno.Command("secret-tool", {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

export async function get(name) {
  const r = await tool(["lookup", ...attrs(name)]);
  if (r.code === 0) return r.stdout;
  if (r.stderr.trim() === "") return null; // not found: secret-tool exits 1 quietly
  throw new Error(`secret-tool lookup failed: ${r.stderr.trim()}`);
}

export async function set(name, value) {
  const r = await tool(["store", "--label", `mcp-nexus: ${name}`, ...attrs(name)], value);
  if (r.code !== 0) throw new Error(`secret-tool store failed: ${r.stderr.trim()}`);
}

export async function remove(name) {
  if ((await get(name)) === null) return false;
  const r = await tool(["clear", ...attrs(name)]);
  if (r.code !== 0) throw new Error(`secret-tool clear failed: ${r.stderr.trim()}`);
  return true;
}

export async function list() {
  const r = await tool(["search", "--all", "service", service(), "origin", "mcp-nexus-secret-tool-plugin"]);
  const names = new Set();
  for (const line of (r.stdout + "\n" + r.stderr).split("\n")) {
    const m = /^attribute\.account = (.*)$/.exec(line.trim());
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

export async function probe() {
  const token = "probe-" + Math.random().toString(36).slice(2);
  try {
    await set(".probe", token);
    const back = await get(".probe");
    await remove(".probe");
    return back === token
      ? { ok: true, message: "The Secret Service answers through secret-tool." }
      : { ok: false, message: "secret-tool stored a value but did not return it." };
  } catch (err) {
    return {
      ok: false,
      message: String(err.message || err),
      hint: "Install libsecret-tools and unlock your keyring.",
    };
  }
}

export { remove as delete };
