/**
 * PathContext: what client adapters may ask about the machine. `makePathContext` answers from the
 * real environment and file system; `fakePathContext` from a description, so adapter paths and
 * detection can be tested for every OS on any OS. Neither throws for missing files or directories.
 */
import { pathFor } from "../io/path.ts";
import type { PathContext } from "./clients.ts";
import { appData, currentOS, homeDir, type OS, xdgConfigHome } from "../io/paths.ts";

/** An environment variable, empty treated as unset; a variable we may not read is unset too. */
function readEnv(name: string): string | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined; // NotCapable: not in the permission set
  }
}

function isExecutable(path: string, windows: boolean): boolean {
  try {
    const st = Deno.statSync(path);
    if (!st.isFile) return false;
    return windows || st.mode === null || (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Finds a command on PATH (with PATHEXT on Windows), like `which`/`where`. */
export function findOnPath(command: string, os: OS): string | null {
  const windows = os === "windows";
  const path = pathFor(windows ? "windows" : "posix");
  const exts = windows
    ? [
      "",
      ...(readEnv("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean).map((e) => e.toLowerCase()),
    ]
    : [""];
  if (command.includes("/") || (windows && command.includes("\\"))) {
    for (const ext of exts) if (isExecutable(command + ext, windows)) return command + ext;
    return null;
  }
  for (const dir of (readEnv("PATH") ?? "").split(windows ? ";" : ":")) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutable(candidate, windows)) return candidate;
    }
  }
  return null;
}

/** The context of this machine: env from `Deno.env`, files from `Deno.statSync`/`readDirSync`. */
export function makePathContext(): PathContext {
  const os = currentOS();
  const home = homeDir();
  const join = pathFor(os).join;
  return {
    os,
    home,
    env: readEnv,
    xdgConfigHome: xdgConfigHome(),
    appData: appData(),
    localAppData: readEnv("LOCALAPPDATA") ?? join(home, "AppData", "Local"),
    exists(path) {
      try {
        Deno.statSync(path);
        return true;
      } catch {
        return false;
      }
    },
    list(dir) {
      try {
        return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      } catch {
        return [];
      }
    },
    which: (command) => findOnPath(command, os),
  };
}

/** A described machine, for tests. */
export interface FakeMachine {
  os: OS;
  /** The home directory (an absolute path in the OS's own form: `C:\Users\me` on Windows). */
  home: string;
  /** Environment variables (empty values count as unset). */
  env?: Record<string, string>;
  /** Files that exist; their parent directories exist too. */
  files?: string[];
  /** Directories that exist (with their parents). */
  dirs?: string[];
  /** Commands found on PATH. */
  onPath?: string[];
}

/** A PathContext answering from `machine` only: nothing on the real disk or in the real env is read. */
export function fakePathContext(machine: FakeMachine): PathContext {
  const { os, home } = machine;
  const path = pathFor(os);
  const norm = (p: string) => {
    const n = path.normalize(p);
    return n.length > 1 && (n.endsWith("/") || n.endsWith("\\")) && !/^[A-Za-z]:\\$/.test(n)
      ? n.slice(0, -1)
      : n;
  };
  const env = (name: string) => {
    const v = machine.env?.[name];
    return v === undefined || v === "" ? undefined : v;
  };
  // Every existing path, including all ancestors of the listed files and directories.
  const existing = new Set<string>();
  const files = new Set<string>();
  const addWithParents = (p: string) => {
    let current = norm(p);
    while (!existing.has(current)) {
      existing.add(current);
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
  };
  for (const f of machine.files ?? []) {
    files.add(norm(f));
    addWithParents(f);
  }
  for (const d of machine.dirs ?? []) addWithParents(d);
  const onPath = new Set(machine.onPath ?? []);
  return {
    os,
    home,
    env,
    xdgConfigHome: env("XDG_CONFIG_HOME") ?? path.join(home, ".config"),
    appData: env("APPDATA") ?? path.join(home, "AppData", "Roaming"),
    localAppData: env("LOCALAPPDATA") ?? path.join(home, "AppData", "Local"),
    exists: (p) => existing.has(norm(p)),
    list(dir) {
      const d = norm(dir);
      if (files.has(d)) return [];
      const names = new Set<string>();
      for (const p of existing) {
        if (p !== d && path.dirname(p) === d) names.add(path.basename(p));
      }
      return [...names].sort();
    },
    which: (command) =>
      onPath.has(command)
        ? (os === "windows" ? `C:\\Program Files\\bin\\${command}.exe` : `/usr/bin/${command}`)
        : null,
  };
}
