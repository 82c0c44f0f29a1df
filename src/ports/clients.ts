/** Port: the client-adapter contract (types only: importing it loads nothing). */
export type {
  ClientAdapter,
  ClientFormatVersion,
  ClientPlugin,
  ClientServer,
  ConfigFormat,
  PathContext,
} from "../core/sync/clients.ts";
