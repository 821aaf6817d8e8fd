#!/usr/bin/env bash
# Installs everything, then runs every check: contract format, build and tests (unit, fuzz, invariant),
# the gas snapshot, Python lint, format and types, and the pytest suites (unit and integration; the
# fixtures start anvil, Kubo and a PostgreSQL 15 server on loopback ports, and stop them at the end).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
export PATH="$ROOT/node_modules/@foundry-rs/forge-linux-amd64/bin:$ROOT/.venv/bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "forge fmt --check"
forge fmt --check
step "forge build"
forge build --deny warnings
step "forge test (unit, fuzz, invariant)"
forge test
step "forge snapshot --check (committed gas snapshot)"
forge snapshot --check
step "slither (every finding fixed or explained in contracts/slither.triage.json)"
python scripts/slither_triage.py
step "ruff"
ruff check .
ruff format --check .
step "mypy --strict ledger api"
mypy --strict ledger api
step "pytest"
pytest
