"""Message catalogues (Babel): Chinese, the default, and English.

The templates are written with English message ids; `locale/zh/LC_MESSAGES/messages.po` translates them.
The committed `.po` files are the only source: they are compiled in memory when the app starts (Babel's
`write_mo`), so no build step makes a `.mo` file and none is committed. `pybabel extract -F babel.cfg`
over `api/web/templates` refreshes the message ids (see docs/quickstart.md).
"""

from __future__ import annotations

import gettext
import io
from functools import cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.web import WEB

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The translations of one language; English, the language of the message ids, needs none."""
    path = WEB / "locale" / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_language(query: str | None, cookie: str | None) -> str:
    """The page's language: asked for in the query, else remembered in the cookie, else Chinese."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE
