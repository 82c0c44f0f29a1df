#!/bin/sh
# Installs the mcp-nexus binary for this machine from a GitHub release, after checking its SHA-256
# against the release's SHA256SUMS. Nothing is installed if the check fails.
#
#   curl -fsSL https://github.com/mcp-nexus/mcp-nexus/releases/latest/download/install.sh | sh
#
# MCP_NEXUS_VERSION    a version (X.Y.Z) instead of the latest
# MCP_NEXUS_INSTALL_DIR where to put it (default: ~/.local/bin)
# MCP_NEXUS_RELEASE_URL the folder holding the release files (a mirror; default: GitHub)
set -eu

repo="https://github.com/mcp-nexus/mcp-nexus"
if [ -n "${MCP_NEXUS_RELEASE_URL:-}" ]; then
  base="$MCP_NEXUS_RELEASE_URL"
elif [ -n "${MCP_NEXUS_VERSION:-}" ]; then
  base="$repo/releases/download/v${MCP_NEXUS_VERSION#v}"
else
  base="$repo/releases/latest/download"
fi
dir="${MCP_NEXUS_INSTALL_DIR:-$HOME/.local/bin}"

fail() { echo "install.sh: $*" >&2; exit 1; }

case "$(uname -s)" in
  Linux) os="unknown-linux-gnu" ;;
  Darwin) os="apple-darwin" ;;
  *) fail "unsupported OS $(uname -s); on Windows: winget install McpNexus.McpNexus" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch="x86_64" ;;
  arm64 | aarch64) arch="aarch64" ;;
  *) fail "unsupported CPU $(uname -m)" ;;
esac
file="mcp-nexus-${arch}-${os}"

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --proto '=https,http' -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  fail "needs curl or wget"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  fail "needs sha256sum or shasum to check the download"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM
fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $base/SHA256SUMS"
fetch "$base/$file" "$tmp/$file" || fail "could not download $base/$file"
want="$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS" | head -n 1)"
[ -n "$want" ] || fail "SHA256SUMS has no line for $file"
got="$(sha "$tmp/$file")"
[ "$got" = "$want" ] || fail "checksum mismatch for $file (expected $want, got $got); nothing installed"

mkdir -p "$dir"
chmod 755 "$tmp/$file"
mv -f "$tmp/$file" "$dir/mcp-nexus"
echo "Installed $dir/mcp-nexus ($("$dir/mcp-nexus" --version 2>/dev/null || echo "$file"))."
case ":$PATH:" in
  *":$dir:"*) ;;
  *) echo "note: $dir is not on your PATH; add it, e.g. export PATH=\"$dir:\$PATH\"" ;;
esac
