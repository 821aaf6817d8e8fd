#!/usr/bin/env bash
# Installs everything the Data Rights Ledger needs, at pinned versions, and does nothing slow twice.
#   - npm packages from package-lock.json: solc 0.8.28, forge, anvil, OpenZeppelin Contracts
#   - Python packages from uv.lock into .venv (uv itself pinned, bootstrapped into the user's cache)
#   - Kubo, built from the Go module proxy at the version pinned in tools/kubo/go.mod
#   - PostgreSQL 15 for the tests: the system's, or Debian's pinned packages unpacked without root
#     (scripts/setup-postgres.sh)
#   - MariaDB 10.11 for the evidence log on Tessera's MySQL storage, the same way (scripts/setup-mariadb.sh)
# Downloads are cached in the user's cache directories (~/.npm, ~/.cache/uv, ~/go/pkg/mod, ~/.cache/go-build),
# never in the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/data-rights-ledger"
UV_VERSION="0.13.8"
KUBO_VERSION="$(awk '$1 == "github.com/ipfs/kubo" {print $2}' "$ROOT/tools/kubo/go.mod")"
mkdir -p "$CACHE"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required ($2)" >&2; exit 1; }; }
need node "Node.js 20 or newer"
need npm "npm"
need go "Go 1.26 or newer"
need python3 "Python 3.11 or newer"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "setup: Python >= 3.11 needed" >&2; exit 1; }

# A stamp records the hash of the inputs of a step; the step runs again only when they change.
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# 1. npm: the contract toolchain.
npm_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if ! stamp_ok node_modules/.drl-stamp "$npm_hash"; then
  say "npm ci (solc, forge, anvil, OpenZeppelin Contracts)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > node_modules/.drl-stamp
fi

# 2. Python: uv pinned, then the locked environment.
UV="$CACHE/uv-$UV_VERSION/bin/uv"
if [ ! -x "$UV" ]; then
  say "bootstrapping uv $UV_VERSION into $CACHE"
  python3 -m venv "$CACHE/uv-$UV_VERSION"
  "$CACHE/uv-$UV_VERSION/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
py_hash="$(cat uv.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if ! stamp_ok .venv/.drl-stamp "$py_hash"; then
  say "uv sync (Python packages from uv.lock)"
  "$UV" sync --locked --all-extras --python python3 --quiet
  echo "$py_hash" > .venv/.drl-stamp
fi

# 3. Kubo, built from the Go module proxy by the project's own module (go install refuses Kubo: exclude directives).
KUBO_DIR="$CACHE/kubo-$KUBO_VERSION"
kubo_hash="$(cat tools/kubo/go.mod tools/kubo/go.sum | sha256sum | cut -d' ' -f1)"
if ! stamp_ok "$KUBO_DIR/.stamp" "$kubo_hash" || [ ! -x "$KUBO_DIR/ipfs" ]; then
  say "building Kubo $KUBO_VERSION from the Go module proxy (a few minutes the first time)"
  mkdir -p "$KUBO_DIR"
  (cd tools/kubo && GOFLAGS=-mod=readonly go build -trimpath -o "$KUBO_DIR/ipfs.new" github.com/ipfs/kubo/cmd/ipfs)
  mv "$KUBO_DIR/ipfs.new" "$KUBO_DIR/ipfs"
  echo "$kubo_hash" > "$KUBO_DIR/.stamp"
fi

# 3b. The evidence log: tools/tlog, a small Go program around Tessera (pinned in tools/tlog/go.mod), cached by the
#     hash of its module files and source (Go and the embedded SQL) so a change to either rebuilds it.
tlog_hash="$(cat tools/tlog/go.mod tools/tlog/go.sum tools/tlog/*.go tools/tlog/*.sql | sha256sum | cut -d' ' -f1)"
TLOG_DIR="$CACHE/tlog-${tlog_hash:0:16}"
if [ ! -x "$TLOG_DIR/tlog" ]; then
  say "building the evidence log (Tessera, tools/tlog) from the Go module proxy"
  mkdir -p "$TLOG_DIR"
  (cd tools/tlog && GOFLAGS=-mod=readonly go build -trimpath -o "$TLOG_DIR/tlog.new" .)
  mv "$TLOG_DIR/tlog.new" "$TLOG_DIR/tlog"
fi

# 3c. geth (go-ethereum), the second EVM client, built from the Go module proxy at a pinned version.
"$ROOT/scripts/setup-geth.sh"

# 4. PostgreSQL 15: the tests start a real server from these binaries (tests/conftest.py).
"$ROOT/scripts/setup-postgres.sh"

# 4b. MariaDB 10.11: the tests of the evidence log on Tessera's MySQL storage (several writers) start a real server.
"$ROOT/scripts/setup-mariadb.sh"

# 5. Chromium (browser tests of the pages) and Noto CJK (certificate PDFs), unpacked from Debian's packages
#    into the user's cache without installing them; see scripts/setup-browser.sh.
"$ROOT/scripts/setup-browser.sh"

say "ready: forge $(node_modules/@foundry-rs/forge-linux-amd64/bin/forge --version | head -1 | awk '{print $3}'), \
solc $(tools/solc/solc --version | tail -1 | awk '{print $2}'), Kubo $("$KUBO_DIR/ipfs" version --number), \
Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'), \
PostgreSQL $(.venv/bin/python -c 'from ledger.stack.postgres import postgres_bin_dir; print(postgres_bin_dir())')"
