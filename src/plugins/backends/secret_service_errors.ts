/**
 * What the Secret Service's errors mean to the user (a type import only: the launcher's fast path
 * and the libsecret plugin share it).
 */
import type { BackendHealth } from "../../ports/secrets.ts";

const ALTERNATIVES =
  "Or choose another backend: --backend env reads MCP_NEXUS_SECRET_<NAME> variables (CI, cron).";

/** Maps the Secret Service's native errors to what the user should know and do. */
export function classifyLinux(message: string): Omit<BackendHealth, "ok"> {
  if (
    /DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect|Connection refused|No such file/i.test(message)
  ) {
    return {
      status: "unavailable",
      message: "No D-Bus session bus, so no Secret Service (keyring) can be reached.",
      hint:
        "Run mcp-nexus inside your desktop session, or install a keyring: sudo apt install gnome-keyring dbus-user-session " +
        "(Fedora: gnome-keyring; Arch: gnome-keyring), then log in again. " + ALTERNATIVES,
    };
  }
  if (/ServiceUnknown|org\.freedesktop\.secrets|not provided by any \.service/i.test(message)) {
    return {
      status: "unavailable",
      message: "No Secret Service is running on the session bus.",
      hint:
        "Install and start GNOME Keyring (sudo apt install gnome-keyring), or enable KeePassXC's Secret Service " +
        "integration. " + ALTERNATIVES,
    };
  }
  if (/prompt was dismissed|is locked|locked/i.test(message)) {
    return {
      status: "locked",
      message: "The Secret Service keyring is locked.",
      hint: "Unlock it (log in to the desktop, or open Passwords and Keys / seahorse); on a headless box: " +
        "gnome-keyring-daemon --unlock. " + ALTERNATIVES,
    };
  }
  if (/no result found|no such object|collection/i.test(message)) {
    return {
      status: "no-collection",
      message: "The Secret Service has no default keyring to store secrets in.",
      hint: "Create a default 'login' keyring (Passwords and Keys / seahorse); on a headless box: " +
        "printf '%s' \"$PASSWORD\" | gnome-keyring-daemon --unlock. " + ALTERNATIVES,
    };
  }
  return { status: "unavailable", message: `The Secret Service failed: ${message}`, hint: ALTERNATIVES };
}
