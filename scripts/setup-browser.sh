#!/usr/bin/env bash
# Chromium (for the pages' browser tests) and Noto CJK (for the certificate PDF) from Debian's packages,
# unpacked into the user's cache WITHOUT installing them: `apt-get download` fetches the pinned packages and
# whichever of their dependencies this machine lacks, `dpkg-deb -x` unpacks them into a prefix, and the
# tests run Chromium with LD_LIBRARY_PATH pointing into it. Playwright's own browser download is never used.
#
#   ~/.cache/data-rights-ledger/chromium-<version>/{debs,root,packages.txt}
#   ~/.cache/data-rights-ledger/fonts-noto-cjk-<version>/{debs,root,packages.txt}
#
# packages.txt records every package=version fetched. If the archive no longer serves a pinned version the
# step stops with a message naming it (update the pin below after checking `apt-cache policy NAME`).
set -euo pipefail

CHROMIUM_VERSION="156.0.8078.108-1~deb12u1"
NOTO_CJK_VERSION="1:20220127+repack1-1"

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/data-rights-ledger"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
fail() { echo "setup: $*" >&2; exit 1; }

command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
  || fail "apt-get and dpkg-deb are needed to fetch Chromium and Noto CJK from Debian's packages"

# apt-get download needs the package lists; only root may refresh them.
apt_lists_ready() { [[ "$(apt-cache policy chromium 2>/dev/null)" == *"Candidate: "[0-9]* ]]; }
if ! apt_lists_ready; then
  if [ "$(id -u)" = 0 ]; then
    say "apt-get update (package lists are missing)"
    apt-get update -qq
  else
    fail "the apt package lists are missing: run 'sudo apt-get update' once, then the setup again"
  fi
fi

# unpack NAME VERSION DIR [EXTRA...]: the package at VERSION, the EXTRA packages (at the version this machine's
# archive pairs with its installed libraries) and the dependencies this machine lacks, unpacked into DIR/root.
unpack() {
  local name="$1" version="$2" dir="$3"
  shift 3
  local extra=("$@")
  [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$name=$version ${extra[*]}" ] && return 0
  apt-cache madison "$name" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$version" \
    || fail "Debian's archive no longer serves $name=$version (it has: $(apt-cache madison "$name" \
      | awk -F'|' '{gsub(/ /, "", $2); print $2}' | tr '\n' ' ')); update the pin in scripts/setup-browser.sh"
  say "fetching $name $version and the packages it needs from Debian's archive into $dir"
  rm -rf "$dir" && mkdir -p "$dir/debs" "$dir/root"
  # A simulated install lists exactly the packages (name and version) this machine lacks; no root needed.
  apt-get install -s --no-install-recommends "$name=$version" "${extra[@]}" 2>/dev/null \
    | awk '$1 == "Inst" {gsub(/[()]/, "", $3); print $2 "=" $3}' > "$dir/packages.txt"
  grep -q "^$name=" "$dir/packages.txt" || fail "apt-get cannot resolve $name=$version on this machine"
  # As root, apt fetches as root into the user's cache (its _apt user may not write there).
  local sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
  (cd "$dir/debs" && xargs -a "$dir/packages.txt" apt-get download -qq "${sandbox[@]}") \
    || fail "apt-get download failed for one of: $(tr '\n' ' ' < "$dir/packages.txt")"
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
  echo "$name=$version ${extra[*]}" > "$dir/.stamp"
}

CHROMIUM_DIR="$CACHE/chromium-$CHROMIUM_VERSION"
unpack chromium "$CHROMIUM_VERSION" "$CHROMIUM_DIR"
NOTO_DIR="$CACHE/fonts-noto-cjk-${NOTO_CJK_VERSION#*:}"
# With HarfBuzz's subsetter WeasyPrint embeds a subset of a CJK font in 0.3 s instead of 30 s (fontTools);
# api/web/pdf.py loads it from here when the system lacks it.
unpack fonts-noto-cjk "$NOTO_CJK_VERSION" "$NOTO_DIR" libharfbuzz-subset0

# Chromium must start: a library the simulated install did not list would show here, named.
root="$CHROMIUM_DIR/root"
libs="$root/usr/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu/pulseaudio:$root/usr/lib/chromium"
missing="$(LD_LIBRARY_PATH="$libs" ldd "$root/usr/lib/chromium/chromium" | awk '/not found/ {print $1}' | tr '\n' ' ')"
[ -z "$missing" ] || fail "Chromium lacks libraries: $missing"
LD_LIBRARY_PATH="$libs" "$root/usr/lib/chromium/chromium" --headless --no-sandbox --version >/dev/null \
  || fail "the unpacked Chromium does not start"
ls "$NOTO_DIR"/root/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null \
  || fail "Noto Sans CJK is missing from the unpacked fonts-noto-cjk"
