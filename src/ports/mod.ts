/**
 * The plugin contracts: all a plugin (or an embedder writing one in TypeScript) imports. A plugin for
 * users is a manifest plus, optionally, one sandboxed JavaScript file (README: "Writing a plugin");
 * these are the shapes the core works with and the few functions a built-in plugin calls, re-exported
 * from where they live so the core can move without changing what plugins import
 * (tests/architecture_test.ts: plugins import src/ports only).
 *
 * Each port is also a module of its own (./errors.ts, ./fs.ts, ...): a plugin on a hot path (the
 * launcher's store) imports the one it needs, so that loading it loads nothing else. Importing this
 * file loads every port's core module.
 */
export * from "./clients.ts";
export * from "./secrets.ts";
export * from "./errors.ts";
export * from "./paths.ts";
export * from "./names.ts";
export * from "./redact.ts";
export * from "./fs.ts";
export type { ClientManifest, EntrySpec, ManifestHooks, PathSpec } from "../plugins/clients/manifest.ts";
export type { BackendManifest } from "../core/extend/plugin_backend.ts";
export type { SandboxPermissions } from "../core/extend/sandbox.ts";
