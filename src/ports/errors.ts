/** Port: NexusError, the one error type every layer throws and the CLI renders with its exit code. */
export { ExitCode, NexusError, usageError } from "../core/model/errors.ts";
export type { ExitCodeValue, NexusErrorOptions } from "../core/model/errors.ts";
