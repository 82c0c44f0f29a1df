#!/usr/bin/env bash
# The whole test suite (README's test command: `deno task test`).
#
# On Linux each `deno test` run gets a private D-Bus session with an unlocked GNOME Keyring whose HOME
# is a temp dir, so the libsecret backend is tested against a real Secret Service and never against
# the user's own keychain. It ends with one plain line: "N passed, N failed, N skipped".
#
# The whole suite runs in two lanes at once (the machines have 2 cores; one `deno test` keeps about
# one busy): each lane is its own `deno test` process with its own HOME, D-Bus session and keyring
# daemon, so the lanes share nothing. The first lane prints as it goes, the second when it is done,
# and the closing line adds up both summaries.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
# Keep Deno's cache where it is: the tests move HOME to a temp dir.
DENO_DIR="${DENO_DIR:-$(deno info --json 2>/dev/null | sed -n 's/.*"denoDir": *"\([^"]*\)".*/\1/p')}"
export DENO_DIR
deno install -q || { echo "deno install failed"; echo "0 passed, 1 failed"; exit 1; }
# Test dependencies (.test-deps/: a real MCP server and the real AI clients, installed with npm, about
# 2 minutes on a clean clone): installed before the tests of one lane, or by the second lane while
# the first already runs (only the second lane's files use them).
deps() { bash scripts/test-deps.sh || { echo "test dependencies (.test-deps/) could not be installed"; return 1; }; }

WORK="$(mktemp -d)"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
export MCP_NEXUS_TEST_REAL_HOME="$HOME"

# The second lane: the files that use .test-deps/ (the real clients, the bridge's and `check`'s real
# server), after installing it, and enough others that both lanes take about as long (measured on a
# clean clone: install ~130 s, then these ~270 s; the first lane's files ~400 s). Every other file runs
# in the first lane, which starts at once.
LANE2=(
  tests/e2e_clients_test.ts
  tests/bridge_test.ts
  tests/check_test.ts
  tests/sync_test.ts
  tests/server_cli_test.ts
  tests/write_timeout_test.ts
  tests/hostile_test.ts
)

KEYRING=0
if [ "$(uname -s)" = "Linux" ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  KEYRING=1
  export MCP_NEXUS_TEST_SECRET_SERVICE=1
else
  echo "note: no D-Bus/GNOME Keyring here (Linux: apt install gnome-keyring dbus-x11 libsecret-tools);" \
    "the Secret Service tests will fail."
fi

# Starts the lane's keyring daemon (inside its dbus-run-session) and waits until it serves an unlocked
# login collection. `--unlock` returns before the daemon owns org.freedesktop.secrets on the bus; a
# Secret Service call in that window makes D-Bus start a second daemon (the bus's activation
# environment has no GNOME_KEYRING_CONTROL, so it cannot find the first), which opens the login
# keyring without the password: locked, or not there yet, for every later test. `--start`, finding
# the first daemon through GNOME_KEYRING_CONTROL, returns only once that daemon owns the name.
start_test_keyring() {
  eval "$(printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  export GNOME_KEYRING_CONTROL
  gnome-keyring-daemon --start --components=secrets >/dev/null
  local state="" i
  for i in $(seq 1 100); do
    state="$(dbus-send --session --print-reply --dest=org.freedesktop.secrets \
      /org/freedesktop/secrets/collection/login org.freedesktop.DBus.Properties.Get \
      string:org.freedesktop.Secret.Collection string:Locked 2>&1)"
    case "$state" in *"boolean false"*) return 0 ;; esac
    sleep 0.1
  done
  echo "the test keyring did not come up unlocked: $state" >&2
  return 1
}
export -f start_test_keyring

# lane LOG FILE...: one `deno test` run; on Linux with its own HOME, D-Bus session and keyring.
lane() {
  local log="$1" home
  shift
  home="$(mktemp -d "$WORK/home.XXXXXX")"
  if [ "$KEYRING" = 1 ]; then
    HOME="$home" dbus-run-session -- bash -c 'start_test_keyring && deno test -A --no-prompt "$@"' bash "$@" 2>&1 |
      grep --line-buffered -v "Failed to set fd limit" >>"$log"
    return "${PIPESTATUS[0]}"
  fi
  deno test -A --no-prompt "$@" >>"$log" 2>&1
}

LOG="$WORK/all.log"
if [ "$#" -ne 0 ]; then
  # `deno task test tests/x_test.ts` runs the files it is given, in one lane
  : >"$WORK/lane1.log"
  { deps >>"$WORK/lane1.log" 2>&1 && lane "$WORK/lane1.log" "$@"; } &
  pid1=$!
  tail -n +1 -f --pid="$pid1" "$WORK/lane1.log" 2>/dev/null &
  wait "$pid1"
  status=$?
  wait
  cat "$WORK/lane1.log" >"$LOG"
  expected_runs=1
else
  lane1=()
  for f in tests/*_test.ts; do
    case " ${LANE2[*]} " in *" $f "*) ;; *) lane1+=("$f") ;; esac
  done
  : >"$WORK/lane2.log"
  { deps >>"$WORK/lane2.log" 2>&1 && lane "$WORK/lane2.log" "${LANE2[@]}"; } &
  pid2=$!
  : >"$WORK/lane1.log"
  lane "$WORK/lane1.log" "${lane1[@]}" &
  pid1=$!
  tail -n +1 -f --pid="$pid1" "$WORK/lane1.log" 2>/dev/null &
  wait "$pid1"
  s1=$?
  wait "$pid2"
  s2=$?
  wait
  echo
  echo "----- second lane (${LANE2[*]}) -----"
  cat "$WORK/lane2.log"
  cat "$WORK/lane1.log" "$WORK/lane2.log" >"$LOG"
  status=$((s1 != 0 ? s1 : s2))
  expected_runs=2
fi

# Deno's summary: "ok | 12 passed (3 steps) | 0 failed | 1 ignored (2s)" or "FAILED | 10 passed | 2 failed (3s)";
# one per `deno test` run: they are added up.
summaries="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$LOG")"
count() { sed -n "s/.*| \([0-9]*\) $1.*/\1/p" <<<"$summaries" | awk '{ s += $1 } END { print s + 0 }'; }
passed="$(count passed)"
failed="$(count failed)"
skipped="$(count ignored)"
runs="$(grep -c . <<<"$summaries" || true)"
if [ "${runs:-0}" -lt "$expected_runs" ]; then
  failed=$((failed + expected_runs - ${runs:-0})) # a run broke before Deno summarised it
fi
# Deno counts a test marked `ignore` as "ignored": CI's closing line calls it skipped (never hidden).
# Each skipped test names its reason (the tool this machine lacks): list them above that line.
if [ "${skipped:-0}" != "0" ]; then grep -E ' \.\.\. ignored' "$LOG" | sed 's/^/skipped: /'; fi
echo "${passed} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then exit "$status"; fi
[ "${failed:-0}" -eq 0 ]
