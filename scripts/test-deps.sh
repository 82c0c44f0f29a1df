#!/usr/bin/env bash
# Test-only dependencies that are not Deno modules: a real MCP server for the launcher and `check`
# tests, and real AI clients for the end-to-end tests (tests/e2e_clients_test.ts), installed with npm
# into .test-deps/ at the repo root (git-ignored; CI may cache it). A no-op when every package is
# already there at its pinned version, so only the first run needs the npm registry.
#
# Pins are versions whose native packages exist on the registry (checked 2026-12-02):
# - @kilocode/cli 7.8.1 names @kilocode/cli-linux-x64@7.8.1, which was never published: 7.7.7.
# - @ampcode/cli: the newest release whose @ampcode/cli-<os>-<arch> twin is published.
# - @factory/cli 0.225.1 names @factory/cli-linux-x64@0.225.1, which was never published; its
#   launcher takes 0.225.2's binary, named explicitly (Linux x64 only).
# - @qwen-code/qwen-code declares Node >= 22; its `mcp list` runs on Node 20 as well.
# - cline, @continuedev/cli, @github/copilot: proven by an agent run against a fake model.
# Not installable here: @charmland/crush (postinstall downloads its binary from github.com).
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(
  "@modelcontextprotocol/server-everything@2026.8.31"
  "@anthropic-ai/claude-code@2.1.328"
  "@openai/codex@0.169.0"
  "@google/gemini-cli@0.61.0"
  "opencode-ai@1.18.33"
  "@kilocode/cli@7.7.7"
  "@qwen-code/qwen-code@0.24.4"
  "@ampcode/cli@0.0.1790142911-g7618fb"
  "@factory/cli@0.225.1"
  "@qoder-ai/qodercli@1.1.52"
  "@continuedev/cli@1.5.47"
  "cline@3.0.65"
  "@github/copilot@1.0.102"
)
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then PKGS+=("@factory/cli-linux-x64@0.225.2"); fi

missing=()
for spec in "${PKGS[@]}"; do
  name="${spec%@*}" version="${spec##*@}"
  manifest=".test-deps/node_modules/$name/package.json"
  if ! grep -q "\"version\": *\"$version\"" "$manifest" 2>/dev/null; then missing+=("$spec"); fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v npm >/dev/null; then
  echo "scripts/test-deps.sh: npm is needed to install ${missing[*]} for the tests (install Node.js)." >&2
  exit 1
fi
mkdir -p .test-deps
echo "installing test dependencies into .test-deps/: ${missing[*]}" >&2
# all of them at once: npm prunes what a --no-save install in this prefix does not name
npm install --prefix .test-deps --no-audit --no-fund --no-save --loglevel=error "${PKGS[@]}" >&2
