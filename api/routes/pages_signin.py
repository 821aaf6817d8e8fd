"""Signing in and out of the pages with an API token (the session and CSRF rules are in `api.sessions`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import DbSession, Principal
from api.sessions import (
    PageForm,
    close_session,
    csrf_holds,
    csrf_token,
    open_session,
    refused_form,
    remember_signin_token,
    signed_in,
    signin_token,
    signin_token_holds,
)
from api.tokens import Role
from api.web.rendering import render

router = APIRouter(include_in_schema=False)

# The page each role works on, in the order a token holding several is sent to them.
ROLE_PAGES = (
    (Role.AUTHORITY, "/authority"),
    (Role.REVIEWER, "/authority"),
    (Role.REGULATOR, "/regulator"),
    (Role.REGISTRANT, "/portal"),
)


def pages_of(principal: Principal) -> list[str]:
    """The signed-in pages open to `principal` (admin: all of them)."""
    admin = Role.ADMIN in principal.roles
    return list(dict.fromkeys(page for role, page in ROLE_PAGES if admin or role.value in principal.roles))


def _local(next_path: str | None) -> str | None:
    """`next_path` when it is a path of this site (never another origin: no open redirect)."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return None


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, session: DbSession, next: str | None = None) -> Response:
    """The sign-in form (an API token), or who is signed in and their pages."""
    principal = signed_in(session, request)
    token = signin_token(request)
    response = render(
        request,
        "signin.html",
        principal=principal,
        pages=pages_of(principal) if principal else [],
        signin_csrf=token,
        csrf=csrf_token(session, request),
        next=_local(next) or "",
        failed=False,
    )
    remember_signin_token(request, response, token)
    return response


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, session: DbSession, form: PageForm) -> Response:
    """Opens a session for a live API token and goes on to the page asked for (or the person's first page)."""
    token, next = form.get("token", ""), form.get("next")
    if not signin_token_holds(request, form.get("csrf")):
        return refused_form(request)
    response = RedirectResponse("/", status_code=303)
    principal = open_session(session, token, response, request)
    if principal is None:
        again = signin_token(request)
        refused = render(
            request,
            "signin.html",
            status_code=401,
            principal=None,
            pages=[],
            signin_csrf=again,
            csrf=None,
            next=_local(next) or "",
            failed=True,
        )
        remember_signin_token(request, refused, again)
        return refused
    response.headers["location"] = _local(next) or (pages_of(principal) or ["/"])[0]
    return response


@router.post("/signout")
def signout(request: Request, session: DbSession, form: PageForm) -> Response:
    """Ends the session (the token itself stays valid until revoked)."""
    if not csrf_holds(session, request, form.get("csrf")):
        return refused_form(request)
    response = RedirectResponse("/", status_code=303)
    close_session(session, request, response)
    return response
