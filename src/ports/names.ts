/**
 * Port: validateSecretName, so a backend refuses exactly the secret names the store refuses; and
 * keychainServiceName, the keychain service every backend stores under.
 */
export { keychainServiceName, validateSecretName } from "../core/model/names.ts";
