"""The regulator's dashboard: charts of the registrations, the audit trail with filters and its export, the
conflicts, freeze / unfreeze / revoke of a registration and suspension of a party, each behind a confirmation
page that asks for the reason.

The audit trail and its export are the `/v1/audit` routes' own queries; a write is a form POST carrying the
session's CSRF token, sent with `wait` so that the dashboard it returns to already shows its result.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.bodies import AddressPath
from api.deps import MAX_ID, DbSession, RegistrationId, Runtime
from api.reviews import decide
from api.routes import regulator
from api.sessions import PageForm, admitted, csrf_holds, csrf_token, refused_form
from api.tokens import Role
from api.web.rendering import render
from ledger.index import queries
from ledger.index.overview import RegistrationCounts, regulator_overview
from ledger.vocabulary import ReviewDecision
from ledger.writes import ContractRefusedError, NoCustodyKeyError

router = APIRouter(include_in_schema=False)
REGULATOR = (Role.REGULATOR,)
PAGE_SIZE = 50
MAX_REASON = 4000  # as the API's `Reason` body
Action = Literal["freeze", "unfreeze", "revoke"]
DECISIONS = {"freeze": ReviewDecision.FREEZE, "unfreeze": ReviewDecision.UNFREEZE, "revoke": ReviewDecision.REVOKE}
DONE = {"freeze": "frozen", "unfreeze": "unfrozen", "revoke": "revoked"}
Outcome = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z_]+$")]


def _day(text: str | None, after: bool = False) -> int | None:
    """A date field (YYYY-MM-DD, UTC) as unix seconds: its start, or with `after` the start of the next day (so
    that the range includes the day named as its end); None when empty or not a date."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    if day is None:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + (timedelta(days=1) if after else timedelta())
    return int(start.timestamp())


def _audit_filter(
    registrant: str | None, registration: int | None, kind: str | None, since: str | None, until: str | None
) -> regulator.AuditFilter | None:
    """The filters of the form as the API's audit filter; None when one of them is not valid."""
    try:
        return regulator.AuditFilter(
            registrant=registrant or None,
            registration=registration,
            kind=kind or None,
            since=_day(since),
            until=_day(until, after=True),
        )
    except ValueError:
        return None


AuditQuery = Annotated[str | None, Query(max_length=64)]


def _charts(counts: RegistrationCounts) -> dict[str, list[tuple[str, int]]]:
    """The counts as the charts draw them: (label, count) bars, labels by their vocabulary names or dates."""
    return {
        "per_day": [(datetime.fromtimestamp(day, UTC).date().isoformat(), n) for day, n in counts.per_day],
        "by_kind": [(kind.value, n) for kind, n in counts.by_kind.items()],
        "by_status": [(status.value, n) for status, n in counts.by_status.items()],
    }


@router.get("/regulator", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: DbSession,
    registrant: AuditQuery = None,
    registration: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    kind: AuditQuery = None,
    since: AuditQuery = None,
    until: AuditQuery = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    done: Outcome = None,
    refused: Outcome = None,
    reg: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    party: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$")] = None,
) -> Response:
    """Charts, the filtered audit trail with its export links, conflicts, and what may be frozen or revoked."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    filters = {"registrant": registrant, "registration": registration, "kind": kind, "since": since, "until": until}
    audit = _audit_filter(registrant, registration, kind, since, until)
    events, total = queries.audit_events(session, audit.query(), offset, PAGE_SIZE) if audit else ([], 0)
    chosen = {name: value for name, value in filters.items() if value}
    overview = regulator_overview(session)
    return render(
        request,
        "regulator.html",
        status_code=200 if audit else 400,
        principal=principal,
        csrf=csrf_token(session, request),
        filters=filters,
        invalid_filter=audit is None,
        events=events,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        query=urlencode(chosen),
        charts=_charts(overview.counts),
        conflicts=overview.conflicts,
        actionable=overview.actionable,
        parties=overview.parties,
        outcome={"done": done, "refused": refused, "reg": reg, "party": party, "certificate": None},
    )


@router.get("/regulator/audit/export")
def audit_export(
    request: Request,
    session: DbSession,
    runtime: Runtime,
    format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "csv",
    registrant: AuditQuery = None,
    registration: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    kind: AuditQuery = None,
    since: AuditQuery = None,
    until: AuditQuery = None,
) -> Response:
    """The filtered audit trail as CSV or JSON Lines, streamed (the `/v1/audit/export` route, for the session)."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    audit = _audit_filter(registrant, registration, kind, since, until)
    if audit is None:
        return RedirectResponse("/regulator", status_code=303)
    return regulator.audit_export(principal=principal, runtime=runtime, audit=audit, format=format)


@router.get("/regulator/registrations/{registration_id}/{action}", response_class=HTMLResponse)
def confirm_page(registration_id: RegistrationId, action: Action, request: Request, session: DbSession) -> Response:
    """The confirmation step: what the action does to which registration, and the reason it needs."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    row = queries.registration(session, registration_id)
    if row is None:
        return render(request, "not_found.html", status_code=404, what=f"reg:{registration_id}")
    return render(
        request,
        "regulator_confirm.html",
        principal=principal,
        csrf=csrf_token(session, request),
        registration=row,
        action=action,
        needs_reason=DECISIONS[action] is not ReviewDecision.UNFREEZE,
    )


@router.post("/regulator/registrations/{registration_id}/{action}")
def act(
    registration_id: RegistrationId,
    action: Action,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    form: PageForm,
) -> Response:
    """Freezes, unfreezes or revokes once confirmed (with the reason when the action needs one)."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    if not csrf_holds(session, request, form.get("csrf")):
        return refused_form(request)
    reason, confirmed = form.get("reason", ""), form.get("confirmed")
    decision = DECISIONS[action]
    needs_reason = decision is not ReviewDecision.UNFREEZE
    if confirmed != "yes" or (needs_reason and not reason.strip()):
        return RedirectResponse(f"/regulator/registrations/{registration_id}/{action}", status_code=303)
    outcome: dict[str, str | int] = {"reg": registration_id}
    try:
        decide(decision, registration_id, principal, session, runtime, None, True, reason.strip() or None)
        outcome["done"] = DONE[action]
    except ContractRefusedError as refusal:
        outcome["refused"] = refusal.rule
    except NoCustodyKeyError:
        outcome["refused"] = "NoCustodyKey"
    return RedirectResponse(f"/regulator?{urlencode(outcome)}", status_code=303)


@router.get("/regulator/parties/{address}/suspend", response_class=HTMLResponse)
def confirm_suspension(address: AddressPath, request: Request, session: DbSession) -> Response:
    """The confirmation step of a suspension: what it does to the party, and the reason it needs."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    return render(
        request,
        "regulator_suspend.html",
        principal=principal,
        csrf=csrf_token(session, request),
        party=address,
    )


@router.post("/regulator/parties/{address}/suspend")
def suspend(address: AddressPath, request: Request, session: DbSession, runtime: Runtime, form: PageForm) -> Response:
    """Suspends the party once confirmed with a reason (the `/v1/parties/{address}/suspension` route's write,
    waited for so that the dashboard shows it suspended)."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    if not csrf_holds(session, request, form.get("csrf")):
        return refused_form(request)
    reason = form.get("reason", "").strip()
    if form.get("confirmed") != "yes" or not reason or len(reason) > MAX_REASON:
        return RedirectResponse(f"/regulator/parties/{address}/suspend", status_code=303)
    outcome = {"party": address}
    try:
        regulator.suspend_party(address, regulator.Reason(reason=reason), principal, runtime, None, True)
        outcome["done"] = "suspended"
    except ContractRefusedError as refusal:
        outcome["refused"] = refusal.rule
    except NoCustodyKeyError:
        outcome["refused"] = "NoCustodyKey"
    return RedirectResponse(f"/regulator?{urlencode(outcome)}#parties-title", status_code=303)
