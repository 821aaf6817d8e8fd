#!/usr/bin/env bash
# Installs everything, then starts the ledger on its embedded defaults (anvil, Kubo, SQLite on 127.0.0.1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
exec .venv/bin/drl up "$@"
