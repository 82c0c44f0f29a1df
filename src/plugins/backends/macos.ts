/** macOS: the login Keychain (generic passwords), via @napi-rs/keyring. */
import type { BackendHealth, BackendPlugin } from "../../ports/secrets.ts";
import { keyringBackend } from "./keyring_store.ts";

function classify(message: string): Omit<BackendHealth, "ok"> {
  if (/interaction is not allowed|locked/i.test(message)) {
    return {
      status: "locked",
      message: "The macOS Keychain is locked or cannot prompt (e.g. over SSH).",
      hint:
        "Unlock it: security unlock-keychain ~/Library/Keychains/login.keychain-db. For cron, use --backend env.",
    };
  }
  return {
    status: "unavailable",
    message: `The macOS Keychain failed: ${message}`,
    hint: "Open Keychain Access to check it.",
  };
}

export const macosKeychain: BackendPlugin = {
  id: "macos-keychain",
  label: "macOS Keychain",
  platforms: ["darwin"],
  description: "the login Keychain (macOS)",
  create: (ctx) => keyringBackend({ id: "macos-keychain", label: "macOS Keychain", classify }, ctx),
};
export default macosKeychain;
