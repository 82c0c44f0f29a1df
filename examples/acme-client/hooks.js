// Hooks for what the manifest cannot say. They run sandboxed, allowed nothing, with a time limit:
// plain functions, data in and data out (no modules loaded, no runtime APIs). Both are optional.

/** Acme Desk wants a timeout on remote servers; stdio entries are the manifest's shape. */
export function render(_name, server) {
  if (server.transport === "stdio") {
    return {
      command: [server.command, ...server.args],
      ...(Object.keys(server.env).length ? { environment: server.env } : {}),
      enabled: true,
    };
  }
  return { type: "http", url: server.url, headers: server.headers, timeout: 30, enabled: true };
}

/** Reads an entry back; null for anything that is not one of ours. */
export function parse(_name, entry) {
  if (typeof entry !== "object" || entry === null) return null;
  if (
    Array.isArray(entry.command) && entry.command.length > 0 &&
    entry.command.every((c) => typeof c === "string")
  ) {
    const env = entry.environment ?? {};
    if (typeof env !== "object" || Object.values(env).some((v) => typeof v !== "string")) return null;
    return { transport: "stdio", command: entry.command[0], args: entry.command.slice(1), env };
  }
  if (entry.type === "http" && typeof entry.url === "string" && entry.url !== "") {
    const headers = entry.headers ?? {};
    if (typeof headers !== "object" || Object.values(headers).some((v) => typeof v !== "string")) return null;
    return { transport: "http", url: entry.url, headers };
  }
  return null;
}
