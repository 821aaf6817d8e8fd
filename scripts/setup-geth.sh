#!/usr/bin/env bash
# Builds go-ethereum's `geth` (the second EVM client of the tests and of `drl up --topology cluster`) from
# the Go module proxy at a pinned version, into ~/.cache/data-rights-ledger/geth-<version>. A stamp records
# the version: nothing slow twice. ledger/toolchain.py finds the binary there (or DRL_GETH_BIN overrides it).
set -euo pipefail

GETH_VERSION="v1.17.10"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/data-rights-ledger"
DEST="$CACHE/geth-$GETH_VERSION"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$GETH_VERSION" ] && [ -x "$DEST/geth" ]; then
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "setup: geth needs Go 1.26 or newer" >&2; exit 1; }

say "building geth $GETH_VERSION from the Go module proxy (a few minutes the first time)"
mkdir -p "$DEST"
GOBIN="$DEST" GOFLAGS=-trimpath go install "github.com/ethereum/go-ethereum/cmd/geth@$GETH_VERSION"
echo "$GETH_VERSION" > "$DEST/.stamp"
