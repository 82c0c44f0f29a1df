/**
 * Port: registerSecret, so a backend that hands values past SecretStore (the launcher's fast path)
 * registers them for masking itself.
 */
export { registerSecret } from "../core/secrets/redact.ts";
