/** The program's version. Kept in a module of its own so `--version` loads nothing else. */
export const VERSION = "0.1.0";
/** Where users report problems and read docs (sent in the marketplace User-Agent). */
export const PROJECT_URL = "https://github.com/mcp-nexus/mcp-nexus";
