"""The pages speak Chinese by default: every message of the templates has a Chinese translation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.web import WEB
from api.web.i18n import pick_language


def test_every_message_of_the_templates_is_translated_into_chinese() -> None:
    with (WEB / "locale" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    used = {
        message[2]
        for message in extract_from_dir(str(WEB / "templates"), method_map=[("**.html", "jinja2")])
        if isinstance(message[2], str)
    }
    assert used
    untranslated = sorted(text for text in used if not (catalog.get(text) and catalog.get(text).string))
    assert untranslated == []


def test_chinese_is_the_default_and_a_choice_in_the_query_wins_over_the_cookie() -> None:
    assert pick_language(None, None) == "zh"
    assert pick_language(None, "en") == "en"
    assert pick_language("zh", "en") == "zh"
    assert pick_language("fr", None) == "zh"
