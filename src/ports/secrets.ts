/** Port: the secret-backend contract, and the helpers every backend shares. */
export { backendError, envVarFor } from "../core/secrets/secrets.ts";
export type { BackendContext, BackendHealth, BackendPlugin, SecretBackend } from "../core/secrets/secrets.ts";
