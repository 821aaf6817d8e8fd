"""The pages speak Chinese by default: every message of the templates has a Chinese translation, and the message
template (`messages.pot`) is the one `pybabel extract -F api/web/babel.cfg` makes of the templates and code."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
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


def _extracted() -> set[str]:
    """The message ids `pybabel extract -F api/web/babel.cfg ... api/web` finds (templates and Python)."""
    with (WEB / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message[2] for message in extract_from_dir(str(WEB), method_map, options_map) if isinstance(message[2], str)
    }


def test_the_message_template_is_extracted_from_the_current_templates_and_code() -> None:
    with (WEB / "locale" / "messages.pot").open("rb") as pot:
        template = {message.id for message in read_po(pot) if message.id}
    assert template == _extracted()


def test_every_message_of_the_message_template_has_a_chinese_translation() -> None:
    with (WEB / "locale" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    untranslated = sorted(text for text in _extracted() if not (catalog.get(text) and catalog.get(text).string))
    assert untranslated == []


def test_chinese_is_the_default_and_a_choice_in_the_query_wins_over_the_cookie() -> None:
    assert pick_language(None, None) == "zh"
    assert pick_language(None, "en") == "en"
    assert pick_language("zh", "en") == "zh"
    assert pick_language("fr", None) == "zh"
