"""The API's documentation pages, Swagger UI at `/docs` and ReDoc at `/redoc`, from the npm packages the
setup installed (served under `/assets`), so they render on a machine without internet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI; its Authorize button takes an API token (the bearer scheme of `api.deps`)."""
    return _in_english(
        get_swagger_ui_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} — API",
            swagger_js_url="/assets/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/assets/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc, without the web fonts it would fetch from the internet; its policy keeps the browser from
    loading ReDoc's own logo from Redocly's CDN (the page must work, and leak nothing, offline)."""
    page = get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API",
        redoc_js_url="/assets/redoc/redoc.standalone.js",
        redoc_favicon_url="/static/favicon.svg",
        with_google_fonts=False,
    )
    page = _in_english(page)
    page.headers["content-security-policy"] = "img-src 'self' data:"
    return page


def _in_english(page: HTMLResponse) -> HTMLResponse:
    """FastAPI's pages name no language; a screen reader then guesses (axe's `html-has-lang`, serious)."""
    body = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)
    return HTMLResponse(body, status_code=page.status_code)
