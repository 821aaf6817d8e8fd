"""Chromium as the setup unpacked it from Debian's packages (scripts/setup-browser.sh): where its binary is,
and the environment it runs in (its unpacked libraries, and fontconfig seeing the unpacked Noto CJK fonts)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "data-rights-ledger"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unpacked(pattern: str) -> Path:
    found = sorted(CACHE.glob(pattern))
    if not found:
        raise FileNotFoundError(f"nothing matches {CACHE}/{pattern}: run ./scripts/setup.sh (it unpacks Chromium)")
    return found[-1]


def chromium_environment(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The Chromium binary and the environment it needs: its unpacked libraries and the Noto CJK fonts."""
    binary = _unpacked("chromium-*/root/usr/lib/chromium/chromium")
    root = binary.parents[3]
    libraries = [root / "usr/lib/x86_64-linux-gnu", root / "usr/lib/x86_64-linux-gnu/pulseaudio", binary.parent]
    fonts = _unpacked("fonts-noto-cjk-*/root/usr/share/fonts/opentype/noto")
    config = tmp / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{fonts}</dir>'
        f"<cachedir>{tmp / 'fontconfig'}</cachedir></fontconfig>"
    )
    environment = {
        **os.environ,
        "LD_LIBRARY_PATH": ":".join(str(path) for path in libraries),
        "FONTCONFIG_FILE": str(config),
    }
    return binary, environment
