#!/usr/bin/env bash
# The whole test suite (README's test command: `deno task test`).
#
# On Linux it starts a private D-Bus session with an unlocked GNOME Keyring whose HOME is a temp dir,
# so the libsecret backend is tested against a real Secret Service and never against the user's own
# keychain. It ends with one plain line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
# Keep Deno's cache where it is: the tests move HOME to a temp dir.
DENO_DIR="${DENO_DIR:-$(deno info --json 2>/dev/null | sed -n 's/.*"denoDir": *"\([^"]*\)".*/\1/p')}"
export DENO_DIR
deno install -q || { echo "deno install failed"; echo "0 passed, 1 failed"; exit 1; }
bash scripts/test-deps.sh || { echo "test dependencies (.test-deps/) could not be installed"; echo "0 passed, 1 failed"; exit 1; }

TEST_HOME="$(mktemp -d)"
LOG="$(mktemp)"
cleanup() { rm -rf "$TEST_HOME" "$LOG"; }
trap cleanup EXIT
export MCP_NEXUS_TEST_REAL_HOME="$HOME"

# `deno task test` runs everything; `deno task test tests/x_test.ts` runs one file.
# (Running the fault and real-client files in a second lane beside the rest took 9m → 6m, but once left
# the shared test keyring locked for every later keychain test; until that is understood, one lane.)
run_tests() {
  if [ "$#" -eq 0 ]; then set -- tests/; fi
  deno test -A --no-prompt "$@"
}

if [ "$(uname -s)" = "Linux" ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  export MCP_NEXUS_TEST_SECRET_SERVICE=1
  export -f run_tests
  HOME="$TEST_HOME" dbus-run-session -- bash -c '
    eval "$(printf "test-keyring-password" | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
    export GNOME_KEYRING_CONTROL
    run_tests "$@"' bash "$@" 2>&1 | grep --line-buffered -v "Failed to set fd limit" | tee "$LOG"
  status=${PIPESTATUS[0]}
else
  echo "note: no D-Bus/GNOME Keyring here (Linux: apt install gnome-keyring dbus-x11 libsecret-tools);" \
    "the Secret Service tests will fail."
  run_tests "$@" 2>&1 | tee "$LOG"
  status=${PIPESTATUS[0]}
fi

# Deno's summary: "ok | 12 passed (3 steps) | 0 failed | 1 ignored (2s)" or "FAILED | 10 passed | 2 failed (3s)";
# one per `deno test` run: they are added up.
summaries="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$LOG")"
expected_runs=1
count() { sed -n "s/.*| \([0-9]*\) $1.*/\1/p" <<<"$summaries" | awk '{ s += $1 } END { print s + 0 }'; }
passed="$(count passed)"
failed="$(count failed)"
skipped="$(count ignored)"
runs="$(grep -c . <<<"$summaries" || true)"
if [ "${runs:-0}" -lt "$expected_runs" ]; then
  failed=$(( failed + expected_runs - ${runs:-0} )) # a run broke before Deno summarised it
fi
# Deno counts a test marked `ignore` as "ignored": CI's closing line calls it skipped (never hidden).
# Each skipped test names its reason (the tool this machine lacks): list them above that line.
if [ "${skipped:-0}" != "0" ]; then grep -E ' \.\.\. ignored' "$LOG" | sed 's/^/skipped: /'; fi
echo "${passed} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then exit "$status"; fi
[ "${failed:-0}" -eq 0 ]
