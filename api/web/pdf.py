"""The certificate as a PDF: WeasyPrint renders the certificate page's own template, with the Noto CJK
fonts the setup unpacked from Debian's `fonts-noto-cjk` embedded (subset) so Chinese prints anywhere."""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "data-rights-ledger"
UNPACKED = "fonts-noto-cjk-*/root"


class FontsMissingError(RuntimeError):
    """The CJK fonts are not where the setup unpacks them."""


@cache
def cjk_font_folder() -> Path:
    """Where NotoSansCJK-*.ttc are: `DRL_CJK_FONTS`, else the newest fonts-noto-cjk the setup unpacked."""
    if configured := os.environ.get("DRL_CJK_FONTS"):
        return Path(configured)
    unpacked = sorted(CACHE.glob(f"{UNPACKED}/usr/share/fonts/opentype/noto"))
    if not unpacked:
        raise FontsMissingError(f"no fonts-noto-cjk under {CACHE}: run ./scripts/setup.sh")
    return unpacked[-1]


def _load_harfbuzz_subset() -> None:
    """Loads Debian's libharfbuzz-subset0 unpacked by the setup when the system has none, before WeasyPrint
    looks for it by name: with it a CJK font is subset in a fraction of a second, without it in half a minute."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return
    for library in sorted(CACHE.glob(f"{UNPACKED}/usr/lib/x86_64-linux-gnu/libharfbuzz-subset.so.0"))[-1:]:
        ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)


@cache
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's HTML and CSS, with the fonts' stylesheet and configuration (imported on the first PDF)."""
    _load_harfbuzz_subset()
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    folder = cjk_font_folder()
    config = FontConfiguration()
    faces = "".join(
        f'@font-face {{ font-family: "DRL CJK"; font-weight: {weight}; src: url("{(folder / name).as_uri()}"); }}'
        for weight, name in (("normal", "NotoSansCJK-Regular.ttc"), ("bold", "NotoSansCJK-Bold.ttc"))
    )
    fonts = CSS(string=faces + ' body { font-family: "DRL CJK", sans-serif; }', font_config=config)
    return HTML, (fonts, config)


# Release WeasyPrint's font configuration while its libraries are still loaded, not during interpreter teardown.
atexit.register(_weasyprint.cache_clear)


@lru_cache(maxsize=64)
def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained page (styles and images inline: nothing is fetched while rendering)."""
    document, (fonts, config) = _weasyprint()
    pdf: bytes = document(string=html).write_pdf(stylesheets=[fonts], font_config=config)
    return pdf
