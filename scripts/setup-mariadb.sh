#!/usr/bin/env bash
# Makes MariaDB 10.11 (Debian's packages) available to the tests and the benchmark of the evidence log on Tessera's
# MySQL storage (several writers), without root:
#   - the system's /usr/sbin/mariadbd when mariadb-server-core is installed at the pinned version's major;
#   - otherwise the pinned packages, fetched with `apt-get download` and unpacked with `dpkg-deb -x` into
#     ~/.cache/data-rights-ledger/mariadb-10.11 (with the shared libraries they need that this machine lacks, as
#     `apt-get -s install` resolves them). A stamp records the version: nothing slow twice.
# ledger/stack/mariadb.py finds the binaries in either place. DRL_MARIADB_UNPACK=1 unpacks even when the system
# has them (to test this path).
set -euo pipefail

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/data-rights-ledger"
MARIADB_VERSION="1:10.11.19-0+deb12u1"  # Debian 12 (bookworm), security updates
PINNED=("mariadb-server-core=$MARIADB_VERSION" "mariadb-client-core=$MARIADB_VERSION")
DEST="$CACHE/mariadb-10.11"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
if [ -x /usr/sbin/mariadbd ] && [ -x /usr/bin/mariadb-install-db ] && [ -z "${DRL_MARIADB_UNPACK:-}" ]; then
  exit 0
fi
if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$MARIADB_VERSION" ] && [ -x "$DEST/usr/sbin/mariadbd" ]; then
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: MariaDB needs Debian's $tool (or install mariadb-server-core)" >&2; exit 1; }
done

say "unpacking MariaDB $MARIADB_VERSION (Debian packages) into $DEST"
# The packages apt would install with the server and client (libraries, mariadb-common's character sets and
# messages); installed ones are used in place.
mapfile -t needed < <(apt-get -s install --no-install-recommends "${PINNED[@]}" 2>/dev/null \
  | awk '$1 == "Inst" && $2 !~ /^mariadb-(server|client)-core$/ {print $2}')
packages=("${PINNED[@]}" "${needed[@]}")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq "${packages[@]}") || {
  echo "setup: apt-get download failed for ${packages[*]} (apt-get update, or a newer MARIADB_VERSION in $0)" >&2
  exit 1
}
mkdir -p "$work/root"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
rm -rf "$work/root/usr/share/doc" "$work/root/usr/share/man"
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$work/root" "$DEST"
echo "$MARIADB_VERSION" > "$DEST/.stamp"
say "MariaDB unpacked: $(ls "$work"/*.deb | xargs -n1 basename | tr '\n' ' ')"
