#!/usr/bin/env bash
# Test-only dependencies that are not Deno modules: a real MCP server for the launcher and `check`
# tests, and real AI clients (Claude Code, Codex CLI) for the end-to-end sync tests, installed with npm into .test-deps/ at the repo root (git-ignored). A no-op when every
# package is already there at its pinned version, so only the first run needs the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(
  "@modelcontextprotocol/server-everything@2026.8.31"
  "@anthropic-ai/claude-code@2.1.328"
  "@openai/codex@0.169.0"
)

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
