/** What every command action gets: output contract, backend choice, and the error → exit-code wrapper. */
import { colorEnabled, Output } from "../core/io/output.ts";
import { ExitCode } from "../core/model/errors.ts";

export interface GlobalOptions {
  json?: boolean;
  color?: boolean;
  backend?: string;
}

export interface Ctx {
  out: Output;
  backendFlag?: string;
}

export function makeCtx(opts: GlobalOptions): Ctx {
  return {
    out: new Output({
      json: !!opts.json,
      color: !opts.json && colorEnabled(opts.color, "stdout"),
      errColor: colorEnabled(opts.color, "stderr"),
    }),
    backendFlag: opts.backend,
  };
}

/** The exit code the program will end with (set by actions). */
export const exit = { code: ExitCode.OK as number };

/**
 * Wraps an action: builds the context from the global options, runs it, and turns any error into
 * the output contract's error form and exit code.
 */
// deno-lint-ignore no-explicit-any
export function action<A extends any[]>(fn: (ctx: Ctx, ...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    // commander passes (...positionals, options, command): the command is last
    const cmd = args[args.length - 1] as { optsWithGlobals(): GlobalOptions };
    const ctx = makeCtx(cmd.optsWithGlobals());
    try {
      const code = await fn(ctx, ...args);
      exit.code = code ?? ExitCode.OK;
    } catch (err) {
      exit.code = ctx.out.error(err).exitCode;
    }
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
