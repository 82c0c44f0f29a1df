/**
 * Port: path functions, the host OS's and any OS's (`pathFor(ctx.os)`), as the core computes them,
 * without node:path (whose import starts Deno's Node compatibility layer on every start).
 */
export {
  basename,
  dirname,
  isAbsolute,
  join,
  pathFor,
  posixPath,
  relative,
  resolve,
  toFileUrl,
} from "../core/io/path.ts";
export type { PathFunctions } from "../core/io/path.ts";
