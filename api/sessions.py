"""Signed-in browsers: a session cookie bound to the API token a person signed in with, and CSRF tokens.

A person signs in by pasting an API token (`drl tokens create`). The service answers with a random session
cookie (HttpOnly, SameSite=Strict, Secure over https) and keeps only its sha256, bound to the token's id: a
session lives only while its token does, so revoking the token (`drl tokens revoke`) ends every session
opened with it at the next request. Every form that writes carries the session's CSRF token (synchronizer
pattern), compared in constant time; the sign-in form, before any session exists, carries a double-submit
token (a cookie and a field that must be equal), so a third site cannot sign a browser into its own account.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from api.deps import Principal, holds
from api.tokens import ApiToken, Role
from api.web.rendering import render
from ledger.web_sessions import SESSION_HOURS, WebSession, close_web_session, live_web_session, open_web_session

SESSION_COOKIE = "drl_session"
SIGNIN_COOKIE = "drl_signin"  # the double-submit CSRF token of the sign-in form


def _secure(request: Request) -> bool:
    """Whether cookies get `Secure`: the request came over https, or the service is published at an https address
    (a TLS-terminating proxy in front of it forwards plain http)."""
    public_base_url: str = request.app.state.runtime.settings.public_base_url
    return request.url.scheme == "https" or public_base_url.startswith("https://")


def open_session(session: Session, token: str, response: Response, request: Request) -> Principal | None:
    """Signs the browser in with an API token: None when the token is not live; else the session's cookie is
    set on `response` and the caller returned."""
    opened = open_web_session(session, token.strip())
    if opened is None:
        return None
    cookie, row = opened
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return Principal(row.id, row.address, frozenset(row.roles))


def _live_session(session: Session, request: Request) -> tuple[WebSession, ApiToken] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return live_web_session(session, cookie) if cookie else None


def signed_in(session: Session, request: Request) -> Principal | None:
    """Who the browser is signed in as: None without a session, or when it or its token ended (revoked, expired)."""
    live = _live_session(session, request)
    if live is None:
        return None
    _, token = live
    return Principal(token.id, token.address, frozenset(token.roles))


def csrf_token(session: Session, request: Request) -> str | None:
    """The CSRF token the session's forms carry, or None when the browser is not signed in."""
    live = _live_session(session, request)
    return live[0].csrf_token if live else None


def csrf_holds(session: Session, request: Request, submitted: str | None) -> bool:
    """Whether a form's CSRF field equals its session's token (a form POST without it is refused)."""
    expected = csrf_token(session, request)
    return expected is not None and submitted is not None and secrets.compare_digest(expected, submitted)


def close_session(session: Session, request: Request, response: Response) -> None:
    """Signs the browser out: its session row is deleted and its cookie cleared."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        close_web_session(session, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=_secure(request), samesite="strict")


def signin_token(request: Request) -> str:
    """The sign-in form's double-submit token: the browser's, if it has one, else a fresh one."""
    return request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)


def remember_signin_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SIGNIN_COOKIE, token, max_age=3600, httponly=True, secure=_secure(request), samesite="strict", path="/signin"
    )


def signin_token_holds(request: Request, submitted: str | None) -> bool:
    """Whether the sign-in form's field equals the browser's sign-in cookie (double submit)."""
    cookie = request.cookies.get(SIGNIN_COOKIE)
    return bool(cookie) and submitted is not None and secrets.compare_digest(cookie or "", submitted)


def admitted(session: Session, request: Request, roles: tuple[Role, ...]) -> Principal | Response:
    """The signed-in person when they hold one of `roles`; else the answer a page gives instead: the sign-in
    page (a redirect back here after it) without a session, a 403 page without the role."""
    principal = signed_in(session, request)
    if principal is None:
        return RedirectResponse(f"/signin?{urlencode({'next': request.url.path})}", status_code=303)
    if not holds(principal, roles):
        return render(request, "signin_forbidden.html", status_code=403, principal=principal, csrf=None)
    return principal


def refused_form(request: Request) -> Response:
    """The answer to a form POST whose CSRF token is missing or wrong: nothing is done."""
    return render(request, "signin_forbidden.html", status_code=403, principal=None, csrf=None, csrf_refused=True)


MAX_FORM_FIELDS = 20
MAX_FIELD_CHARS = 4000


async def page_form(request: Request) -> dict[str, str]:
    """A page form's fields (no files), each cut at `MAX_FIELD_CHARS`. Read here rather than with FastAPI's `Form`
    parameters, which the door takes for uploads: a form of the pages keeps the door's small JSON body cap."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return {name: value[:MAX_FIELD_CHARS] for name, value in form.items() if isinstance(value, str)}


PageForm = Annotated[dict[str, str], Depends(page_form)]
