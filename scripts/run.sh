#!/usr/bin/env bash
# Installs everything, then starts the ledger on its embedded defaults (a chain, Kubo, SQLite on 127.0.0.1);
# arguments go to `drl up`, e.g. `--chain anvil` (the default chain is DRL_EMBEDDED_CHAIN's, else geth).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
exec .venv/bin/drl up "$@"
