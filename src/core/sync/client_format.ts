/**
 * Adapters as they apply to one file: the format version a file is in (`ClientAdapter.formats`),
 * and the project-scope view of an adapter (`ClientAdapter.project`). Both return a plain adapter
 * record, so the sync engine, import and doctor work on it unchanged.
 */
import { pathFor } from "../io/path.ts";
import type { ClientAdapter, PathContext } from "./clients.ts";

/** The adapter for a file whose whole data is `data`, and the id of the format version it is in. */
export function adapterForData(
  adapter: ClientAdapter,
  data: unknown,
): { adapter: ClientAdapter; format: string | null } {
  const version = adapter.formats?.find((f) => {
    try {
      return f.matches(data);
    } catch {
      return false;
    }
  });
  if (!version) return { adapter, format: null };
  return {
    adapter: {
      ...adapter,
      serversPath: version.serversPath ?? adapter.serversPath,
      storage: version.storage ?? adapter.storage,
      render: version.render ?? adapter.render,
      parse: version.parse ?? adapter.parse,
    },
    format: version.id,
  };
}

/** The project directory as given, made absolute for the context's OS. */
export function absoluteProjectDir(ctx: PathContext, dir: string, cwd: string): string {
  const path = pathFor(ctx.os);
  return path.resolve(cwd, dir);
}

/**
 * The adapter for a project's file, or null when the client has no project file. Its path is the
 * declared one under `dir`; it is "detected" when the user-level client is, or the file exists.
 */
export function projectAdapter(adapter: ClientAdapter, dir: string, ctx: PathContext): ClientAdapter | null {
  const project = adapter.project;
  if (!project) return null;
  const path = pathFor(ctx.os).join(dir, ...project.path);
  return {
    ...adapter,
    format: project.format ?? adapter.format,
    paths: () => [path],
    serversPath: project.serversPath ?? adapter.serversPath,
    emptyFile: project.emptyFile ??
      (project.format && project.format !== adapter.format ? undefined : adapter.emptyFile),
    detect: (c) => c.exists(path) || adapter.detect(c),
    projectDir: dir,
  };
}
