"""Rendering a page: one Jinja2 environment per language over `api/web/templates`, with the catalogue's
gettext installed, the names the templates share, and the language remembered in a cookie."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.web import WEB
from api.web.i18n import LANGUAGES, pick_language, translations
from ledger.vocabulary import Kind, Right, Status

LANGUAGE_COOKIE = "lang"


def _date(timestamp: int | datetime | None) -> str:
    if timestamp is None:
        return "—"
    moment = timestamp if isinstance(timestamp, datetime) else datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _short(value: str | None, keep: int = 10) -> str:
    """A long hash or address, shortened for reading (the full value stays in the title attribute)."""
    if not value:
        return "—"
    return value if len(value) <= 2 * keep + 1 else f"{value[:keep]}…{value[-6:]}"


@cache
def environment(language: str) -> Environment:
    """The template environment of one language (built once: templates are compiled and cached)."""
    env = Environment(
        loader=FileSystemLoader(WEB / "templates"),
        autoescape=select_autoescape(("html", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = _date
    env.filters["short"] = _short
    env.filters["status_name"] = lambda code: Status.of(code).value  # index rows keep the chain's codes
    env.filters["right_name"] = lambda code: Right.of(code).value
    env.filters["kind_name"] = lambda code: Kind.of(code).value
    env.globals["languages"] = LANGUAGES
    return env


def language_of(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))


def render_html(request: Request, template: str, **context: Any) -> str:
    """The page's HTML in the caller's language."""
    language = language_of(request)
    page = environment(language).get_template(template)
    return page.render(request=request, lang=language, path=request.url.path, **context)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page as a response; a language asked for in the query is remembered for the next pages."""
    response = HTMLResponse(render_html(request, template, **context), status_code=status_code)
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 86_400, samesite="lax", httponly=True)
    return response
