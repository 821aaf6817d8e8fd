"""The authority's pages: the review queue (with negative-list and same-data hits), decisions with reasons, the
registrations in public notice with their timers, and certification that also publishes the certificate.

Every action is a form POST carrying the session's CSRF token; it is sent with `wait`, so the page it returns
to (Post/Redirect/Get) already shows the result, or the contract's refusal as a sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import DbSession, Principal, RegistrationId, Runtime
from api.reviews import certify_and_publish, decide
from api.sessions import PageForm, admitted, csrf_holds, csrf_token, refused_form
from api.tokens import Role
from api.web.rendering import render
from ledger.certification import CertificateNotIndexedError
from ledger.index.overview import registrations_in
from ledger.screening import NegativeList, screened_review_queue
from ledger.vocabulary import ReviewDecision, Status
from ledger.writes import ContractRefusedError, NoCustodyKeyError

router = APIRouter(include_in_schema=False)
REVIEWERS = (Role.REVIEWER, Role.AUTHORITY)
AUTHORITY = (Role.AUTHORITY,)
Outcome = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z_]+$")]


@router.get("/authority", response_class=HTMLResponse)
def review_queue_page(
    request: Request,
    session: DbSession,
    runtime: Runtime,
    done: Outcome = None,
    refused: Outcome = None,
    reg: Annotated[int | None, Query(ge=1)] = None,
    certificate: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Applications waiting for review, screened, and the registrations in public notice."""
    principal = admitted(session, request, REVIEWERS)
    if isinstance(principal, Response):
        return principal
    queue = screened_review_queue(session, NegativeList.load(runtime.settings.negative_list_file))
    return render(
        request,
        "authority.html",
        principal=principal,
        csrf=csrf_token(session, request),
        queue=queue,
        notices=registrations_in(session, [Status.PUBLIC_NOTICE, Status.OBJECTED]),
        may_decide=Role.AUTHORITY in principal.roles or Role.ADMIN in principal.roles,
        outcome={"done": done, "refused": refused, "reg": reg, "certificate": certificate},
    )


def _back(**outcome: str | int) -> RedirectResponse:
    return RedirectResponse(f"/authority?{urlencode(outcome)}", status_code=303)


def _act(
    request: Request,
    session: DbSession,
    form: dict[str, str],
    roles: tuple[Role, ...],
    registration_id: int,
    action: Callable[[Principal], dict[str, str | int]],
) -> Response:
    """The shape of every action: signed in with the role, the CSRF token holds, then the action; its refusal
    comes back to the queue as the rule's name (shown as a sentence)."""
    principal = admitted(session, request, roles)
    if isinstance(principal, Response):
        return principal
    if not csrf_holds(session, request, form.get("csrf")):
        return refused_form(request)
    try:
        return _back(reg=registration_id, **action(principal))
    except ContractRefusedError as refusal:
        return _back(reg=registration_id, refused=refusal.rule)
    except NoCustodyKeyError:
        return _back(reg=registration_id, refused="NoCustodyKey")
    except CertificateNotIndexedError:
        return _back(reg=registration_id, refused="CertificateNotIndexed")


@router.post("/authority/registrations/{registration_id}/accept")
def accept(
    registration_id: RegistrationId, request: Request, session: DbSession, runtime: Runtime, form: PageForm
) -> Response:
    """Accepts an application for review."""

    def action(principal: Principal) -> dict[str, str | int]:
        decide(ReviewDecision.ACCEPT, registration_id, principal, session, runtime, None, True)
        return {"done": "accepted"}

    return _act(request, session, form, REVIEWERS, registration_id, action)


@router.post("/authority/registrations/{registration_id}/approve")
def approve(
    registration_id: RegistrationId, request: Request, session: DbSession, runtime: Runtime, form: PageForm
) -> Response:
    """Approves a reviewed application: its public notice starts."""

    def action(principal: Principal) -> dict[str, str | int]:
        decide(ReviewDecision.APPROVE, registration_id, principal, session, runtime, None, True)
        return {"done": "approved"}

    return _act(request, session, form, AUTHORITY, registration_id, action)


@router.post("/authority/registrations/{registration_id}/reject")
def reject(
    registration_id: RegistrationId,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    form: PageForm,
) -> Response:
    """Rejects an application with its reason (the reason's hash goes on chain, its text into the review record)."""
    reason = form.get("reason", "").strip()

    def action(principal: Principal) -> dict[str, str | int]:
        if not reason:
            return {"refused": "ReasonMissing"}
        decide(ReviewDecision.REJECT, registration_id, principal, session, runtime, None, True, reason)
        return {"done": "rejected"}

    return _act(request, session, form, REVIEWERS, registration_id, action)


@router.post("/authority/registrations/{registration_id}/certify")
def certify(
    registration_id: RegistrationId, request: Request, session: DbSession, runtime: Runtime, form: PageForm
) -> Response:
    """Certifies after the notice period and publishes the certificate document, in one step."""

    def action(principal: Principal) -> dict[str, str | int]:
        done = certify_and_publish(registration_id, principal, session, runtime, None)
        return {"done": "certified", "certificate": done.certificate_number}

    return _act(request, session, form, AUTHORITY, registration_id, action)
