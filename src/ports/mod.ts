/**
 * The plugin contracts: the only types a plugin (or an embedder writing one in TypeScript) needs. A
 * plugin for users is a manifest plus, optionally, one sandboxed JavaScript file (README: "Writing a
 * plugin"); these are the shapes the core works with, re-exported from where they live today so the
 * files can move (the planned split of src/core into rooms) without changing what plugins import.
 */
export type {
  ClientAdapter,
  ClientPlugin,
  ClientServer,
  ConfigFormat,
  PathContext,
} from "../core/sync/clients.ts";
export type { BackendContext, BackendHealth, BackendPlugin, SecretBackend } from "../core/secrets/secrets.ts";
export type { ClientManifest, EntrySpec, ManifestHooks, PathSpec } from "../plugins/clients/manifest.ts";
export type { BackendManifest } from "../core/extend/plugin_backend.ts";
export type { SandboxPermissions } from "../core/extend/sandbox.ts";
