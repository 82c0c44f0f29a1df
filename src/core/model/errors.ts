/**
 * Errors and exit codes: the one contract every command follows.
 *
 * A NexusError carries a stable machine `code`, the process `exitCode`, a message that names the
 * file / field / secret involved, and a `hint` telling the user how to fix it. Messages never
 * contain secret values: only names.
 */

/** Process exit codes (documented in README). */
export const ExitCode = {
  OK: 0,
  /** Something failed at run time (I/O, a client file we refused to touch, ...). */
  FAILURE: 1,
  /** Bad usage or invalid input: nothing was changed. */
  USAGE: 2,
  /** The named secret or server does not exist. */
  NOT_FOUND: 3,
  /** The secret store is unavailable, locked or read-only. */
  BACKEND: 4,
  /** Drift or conflict: something was skipped to protect the user's data. */
  CONFLICT: 5,
  /** Interrupted by the user (Ctrl-C). */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

export interface NexusErrorOptions {
  hint?: string;
  exitCode?: ExitCodeValue;
  /** Extra machine-readable facts (file, field, server, secret names: never values). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error the user is meant to see. */
export class NexusError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, opts: NexusErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "NexusError";
    this.code = code;
    this.exitCode = opts.exitCode ?? ExitCode.FAILURE;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Invalid input from the user: exit code 2, nothing changed. */
export function usageError(code: string, message: string, opts: Omit<NexusErrorOptions, "exitCode"> = {}) {
  return new NexusError(code, message, { ...opts, exitCode: ExitCode.USAGE });
}

/** Wraps anything thrown into a NexusError without leaking stack traces to users. */
export function toNexusError(err: unknown): NexusError {
  if (err instanceof NexusError) return err;
  if (err instanceof Deno.errors.PermissionDenied) {
    return new NexusError("E_PERMISSION", String((err as Error).message), {
      hint: "Check the file's owner and mode, or run as the user who owns it.",
    });
  }
  if (err instanceof Deno.errors.NotCapable) {
    return new NexusError("E_NOT_CAPABLE", String((err as Error).message), {
      hint: "This build's permission set does not allow that. Report it as a bug.",
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new NexusError("E_INTERNAL", message, { cause: err });
}
