#!/usr/bin/env bash
# Makes PostgreSQL 15 (Debian's packages) available to the tests, without root:
#   - the system's /usr/lib/postgresql/15/bin when postgresql-15 is installed;
#   - otherwise the pinned packages, fetched with `apt-get download` and unpacked with `dpkg-deb -x` into
#     ~/.cache/data-rights-ledger/postgresql-15 (with the shared libraries they need that this machine
#     lacks, as `apt-get -s install` resolves them). A stamp records the version: nothing slow twice.
# ledger/stack/postgres.py finds the binaries in either place. DRL_POSTGRES_UNPACK=1 unpacks even when the
# system has them (to test this path).
set -euo pipefail

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/data-rights-ledger"
PG_VERSION="15.18-0+deb12u1"  # Debian 12 (bookworm)
PINNED=("postgresql-15=$PG_VERSION" "postgresql-client-15=$PG_VERSION")
DEST="$CACHE/postgresql-15"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
if [ -x /usr/lib/postgresql/15/bin/postgres ] && [ -z "${DRL_POSTGRES_UNPACK:-}" ]; then
  exit 0
fi
if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$PG_VERSION" ] && [ -x "$DEST/usr/lib/postgresql/15/bin/postgres" ]; then
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: PostgreSQL 15 needs Debian's $tool (or install postgresql-15)" >&2; exit 1; }
done

say "unpacking PostgreSQL $PG_VERSION (Debian packages) into $DEST"
# The shared libraries apt would install with the server; installed ones are used in place.
mapfile -t libraries < <(apt-get -s install --no-install-recommends "${PINNED[@]}" 2>/dev/null \
  | awk '$1 == "Inst" && $2 ~ /^lib/ && $2 != "libpq5" {print $2}')
packages=("${PINNED[@]}" "libpq5=$PG_VERSION" "${libraries[@]}")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq "${packages[@]}") || {
  echo "setup: apt-get download failed for ${packages[*]} (apt-get update, or a newer PG_VERSION in $0)" >&2
  exit 1
}
mkdir -p "$work/root"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$work/root" "$DEST"
echo "$PG_VERSION" > "$DEST/.stamp"
say "PostgreSQL unpacked: $(ls "$work"/*.deb | xargs -n1 basename | tr '\n' ' ')"
