"""The certificate as a PDF: WeasyPrint renders the certificate page's own template, with the Noto CJK
fonts the setup unpacked from Debian's `fonts-noto-cjk` embedded (subset) so Chinese prints anywhere."""

from __future__ import annotations

import os
from functools import cache, lru_cache
from pathlib import Path

from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "data-rights-ledger"
NOTO_FOLDER = "root/usr/share/fonts/opentype/noto"


class FontsMissingError(RuntimeError):
    """The CJK fonts are not where the setup unpacks them."""


@cache
def cjk_font_folder() -> Path:
    """Where NotoSansCJK-*.ttc are: `DRL_CJK_FONTS`, else the newest fonts-noto-cjk the setup unpacked."""
    if configured := os.environ.get("DRL_CJK_FONTS"):
        return Path(configured)
    unpacked = sorted(CACHE.glob(f"fonts-noto-cjk-*/{NOTO_FOLDER}"))
    if not unpacked:
        raise FontsMissingError(f"no fonts-noto-cjk under {CACHE}: run ./scripts/setup.sh")
    return unpacked[-1]


@cache
def _fonts() -> tuple[FontConfiguration, CSS]:
    folder = cjk_font_folder()
    config = FontConfiguration()
    faces = "".join(
        f'@font-face {{ font-family: "DRL CJK"; font-weight: {weight}; src: url("{(folder / name).as_uri()}"); }}'
        for weight, name in (("normal", "NotoSansCJK-Regular.ttc"), ("bold", "NotoSansCJK-Bold.ttc"))
    )
    return config, CSS(string=faces + ' body { font-family: "DRL CJK", sans-serif; }', font_config=config)


@lru_cache(maxsize=64)
def render_pdf(html: str) -> bytes:
    """The PDF of a self-contained page (styles and images inline: nothing is fetched while rendering);
    the same HTML gives the same PDF without rendering twice, as subsetting the CJK fonts takes seconds."""
    config, fonts = _fonts()
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=[fonts], font_config=config)
    return pdf
