/**
 * What the core asks of the program around it (dependency injection): the core never picks a secret
 * backend or loads a plugin itself; the composition root (src/host/services.ts) implements these and
 * hands them in. Types only: importing this file loads nothing.
 */
import type { SecretStore } from "./secrets.ts";
import type { ReferenceFields } from "../model/references.ts";

/** The secrets of one command: its selected backend, opened on first use. */
export interface SecretServices {
  /** The store for `--backend` / MCP_NEXUS_BACKEND / the registry setting / the OS keychain. */
  store(): Promise<SecretStore>;
  /**
   * Values for these names (null when absent); every value found is registered with the redactor,
   * so no output path can print it.
   */
  resolveSecrets(names: string[]): Promise<Map<string, string | null>>;
  /**
   * The server with its secret references replaced by their values (registered for masking). A
   * missing secret is E_REFERENCE_MISSING (exit 3) with the way to store it for the selected backend.
   */
  resolveServer<T extends ReferenceFields>(name: string, server: T): Promise<T>;
}

/** A secret store as the launcher reads it: the selected backend's name and one batch read. */
export interface LaunchStore {
  readonly backend: { readonly id: string; readonly label: string };
  /** Each name's value, or null if it is not stored. Throws exit-4 errors for an unusable store. */
  getMany(names: string[]): Promise<Map<string, string | null>>;
}

/**
 * What `run` asks for: the store, opened the lightest way there is (src/host/services.ts: on Linux
 * with the OS keychain, the Secret Service fast path before the backend registry and the keyring).
 */
export interface LaunchSecrets {
  open(): Promise<LaunchStore>;
}
