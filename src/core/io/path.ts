/**
 * The path functions of src (tests/architecture_test.ts: no other module of src imports node:path or
 * node:url; plugins reach these through src/ports/path.ts).
 *
 * Why not node:path: importing it starts Deno's Node compatibility layer (56 internal modules: errors,
 * inspect, validators…), measured at 7–12 ms a start on Deno 2.9.6, a quarter of the floor the start-up
 * budgets are ratios of, paid by `run`, `server list` and every sync. On Linux and macOS these are
 * POSIX functions of our own with node:path's results: tests/path_test.ts compares them with
 * node:path's posix functions on random paths (separator runs, `.`, `..`, empty parts, trailing
 * separators). Windows' (drive letters, UNC shares, both separators, case-insensitive `relative`) are
 * node:path's win32 functions as they are, loaded on first use (on Windows, or for an adapter that
 * computes a Windows machine's paths: `pathFor("windows")`).
 */

export interface PathFunctions {
  readonly sep: string;
  join(...parts: string[]): string;
  dirname(path: string): string;
  /** The last part (no suffix removal). */
  basename(path: string): string;
  isAbsolute(path: string): boolean;
  /** Absolute, normalised; relative parts against the current directory. */
  resolve(...parts: string[]): string;
  /** From `from` to `to`, both resolved first; "" when they are the same place. */
  relative(from: string, to: string): string;
  normalize(path: string): string;
  /** The path of a `file:` URL. */
  fromFileUrl(url: URL | string): string;
}

/** The parts of a path, with `.` dropped and `..` applied (kept at the front when allowed). */
function parts(path: string, aboveRoot: boolean): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (aboveRoot) out.push("..");
      continue;
    }
    out.push(part);
  }
  return out;
}

function normalizePosix(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const body = parts(path, !absolute).join("/");
  if (body === "") return absolute ? "/" : trailing ? "./" : ".";
  return (absolute ? "/" : "") + body + (trailing ? "/" : "");
}

function resolvePosix(...paths: string[]): string {
  let joined = "";
  let absolute = false;
  for (let i = paths.length - 1; i >= -1 && !absolute; i--) {
    const p = i >= 0 ? paths[i] : Deno.cwd();
    if (p === "") continue;
    joined = `${p}/${joined}`;
    absolute = p.startsWith("/");
  }
  const body = parts(joined, !absolute).join("/");
  return absolute ? `/${body}` : body === "" ? "." : body;
}

/** POSIX: the same results as node:path's posix functions (tests/path_test.ts). */
export const posixPath: PathFunctions = {
  sep: "/",
  join(...paths) {
    const joined = paths.filter((p) => p !== "").join("/");
    return joined === "" ? "." : normalizePosix(joined);
  },
  dirname(path) {
    if (path === "") return ".";
    const rooted = path.startsWith("/");
    let end = path.length;
    while (end > 1 && path[end - 1] === "/") end--; // trailing separators are not a part
    const slash = path.lastIndexOf("/", end - 1);
    if (slash < 1) return rooted ? "/" : ".";
    // node:path keeps what precedes that separator as it is ("a//b" → "a/", "//a" → "//")
    return rooted && slash === 1 ? "//" : path.slice(0, slash);
  },
  basename(path) {
    let end = path.length;
    while (end > 0 && path[end - 1] === "/") end--;
    return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
  },
  isAbsolute: (path) => path.startsWith("/"),
  resolve: resolvePosix,
  relative(from, to) {
    if (from === to) return "";
    const a = parts(resolvePosix(from), false), b = parts(resolvePosix(to), false);
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
  },
  normalize: normalizePosix,
  fromFileUrl(url) {
    const u = typeof url === "string" ? new URL(url) : url;
    if (u.protocol !== "file:") throw new TypeError(`not a file: URL: ${u.href}`);
    if (u.hostname !== "") throw new TypeError(`a file: URL with a host is not a local path: ${u.href}`);
    if (/%2f/i.test(u.pathname)) throw new TypeError(`a file: URL path may not encode '/': ${u.href}`);
    return decodeURIComponent(u.pathname);
  },
};

/** A Node built-in, loaded on first use only (synchronously, without `import`). */
function builtin<T>(name: string): T {
  return (globalThis as unknown as { process: { getBuiltinModule(n: string): T } }).process
    .getBuiltinModule(name);
}

let win32Path: PathFunctions | undefined;

/** node:path's win32 functions, loaded on first use. */
function windowsPath(): PathFunctions {
  if (win32Path) return win32Path;
  const { win32 } = builtin<typeof import("node:path")>("node:path");
  const { fileURLToPath } = builtin<typeof import("node:url")>("node:url");
  return win32Path = {
    sep: win32.sep,
    join: win32.join,
    dirname: win32.dirname,
    basename: (p) => win32.basename(p),
    isAbsolute: win32.isAbsolute,
    resolve: win32.resolve,
    relative: win32.relative,
    normalize: win32.normalize,
    fromFileUrl: (u) => fileURLToPath(u),
  };
}

/**
 * The path functions of an OS: Windows' for "windows", POSIX ones for any other (adapters compute
 * the paths of a PathContext's OS, which tests set to each of the three).
 */
export function pathFor(os: string): PathFunctions {
  return os === "windows" ? windowsPath() : posixPath;
}

/** The `file:` URL of a path (resolved against the current directory first), as node:url makes it. */
export function toFileUrl(path: string): URL {
  return builtin<typeof import("node:url")>("node:url").pathToFileURL(path);
}

const path = pathFor(Deno.build.os);

export const sep = path.sep;
export const join = path.join;
export const dirname = path.dirname;
export const basename = path.basename;
export const isAbsolute = path.isAbsolute;
export const resolve = path.resolve;
export const relative = path.relative;
export const normalize = path.normalize;
export const fromFileUrl = path.fromFileUrl;
