"""The regulator's dashboard: charts of the registrations, the audit trail with filters and its export, the
conflicts, freeze / unfreeze / revoke of a registration and suspension of a party, each behind a confirmation
page that asks for the reason.

The audit trail and its export are the `/v1/audit` routes' own queries; a write is a form POST carrying the
session's CSRF token, sent with `wait` so that the dashboard it returns to already shows its result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.bodies import AddressPath
from api.deps import MAX_ID, DbSession, Principal, RegistrationId, Runtime
from api.reviews import decide
from api.routes import regulator, rights
from api.sessions import PageForm, admitted, csrf_holds, csrf_token, refused_form
from api.tokens import Role
from api.web.rendering import render
from ledger.index import queries
from ledger.index.overview import RegulatorOverview, regulator_overview
from ledger.vocabulary import ReviewDecision, Right
from ledger.writes import ContractRefusedError, NoCustodyKeyError

router = APIRouter(include_in_schema=False)
REGULATOR = (Role.REGULATOR,)
PAGE_SIZE = 50
MAX_REASON = 4000  # as the API's `Reason` body
Action = Literal["freeze", "unfreeze", "revoke"]
DECISIONS = {"freeze": ReviewDecision.FREEZE, "unfreeze": ReviewDecision.UNFREEZE, "revoke": ReviewDecision.REVOKE}
DONE = {"freeze": "frozen", "unfreeze": "unfrozen", "revoke": "revoked"}
Verdict = Literal["approve", "refuse"]
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


def _dated(per_day: list[tuple[int, int]]) -> list[tuple[str, int]]:
    return [(datetime.fromtimestamp(day, UTC).date().isoformat(), n) for day, n in per_day]


def _charts(overview: RegulatorOverview) -> dict[str, list[tuple[str, int]]]:
    """The counts as the charts draw them: (label, count) bars, labels by their vocabulary names, industry
    codes ("—" for none) or dates."""
    counts, dealings = overview.counts, overview.dealings
    return {
        "per_day": _dated(counts.per_day),
        "by_kind": [(kind.value, n) for kind, n in counts.by_kind.items()],
        "by_status": [(status.value, n) for status, n in counts.by_status.items()],
        "by_origin": [(origin.value, n) for origin, n in counts.by_origin.items()],
        "by_grade": [(grade.value, n) for grade, n in counts.by_grade.items()],
        "by_industry": sorted((code or "—", n) for code, n in counts.by_industry.items()),
        "licences_per_day": _dated(dealings.licences_per_day),
        "transfers_per_day": _dated(dealings.transfers_per_day),
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
        charts=_charts(overview),
        conflicts=overview.conflicts,
        actionable=overview.actionable,
        parties=overview.parties,
        awaiting=overview.awaiting,
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
    body = regulator.Reason(reason=reason)
    outcome = _attempt(lambda: regulator.suspend_party(address, body, principal, runtime, None, True), "suspended")
    return RedirectResponse(f"/regulator?{urlencode({'party': address, **outcome})}#parties-title", status_code=303)


def _attempt(write: Callable[[], object], done: str) -> dict[str, str]:
    """Runs a write the page waits for; its outcome for the dashboard's banner: `done`, or the contract's rule
    that refused it."""
    try:
        write()
    except ContractRefusedError as refusal:
        return {"refused": refusal.rule}
    except NoCustodyKeyError:
        return {"refused": "NoCustodyKey"}
    return {"done": done}


def _approval_page(request: Request, session: DbSession, subject: str, verdict: Verdict, **about: object) -> Response:
    """The confirmation step of an approval or a refusal (a refusal needs its reason)."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    return render(
        request,
        "regulator_approval.html",
        principal=principal,
        csrf=csrf_token(session, request),
        subject=subject,
        verdict=verdict,
        about=about,
        action=request.url.path,
    )


def _approval_decided(
    request: Request,
    session: DbSession,
    form: dict[str, str],
    verdict: Verdict,
    write: Callable[[Principal, str], object],
) -> Response:
    """Sends an approval, or a refusal with its reason, once confirmed; back to the dashboard with its outcome."""
    principal = admitted(session, request, REGULATOR)
    if isinstance(principal, Response):
        return principal
    if not csrf_holds(session, request, form.get("csrf")):
        return refused_form(request)
    reason = form.get("reason", "").strip()
    if form.get("confirmed") != "yes" or (verdict == "refuse" and not reason) or len(reason) > MAX_REASON:
        return RedirectResponse(request.url.path, status_code=303)
    outcome = _attempt(
        lambda: write(principal, reason), "approved_by_regulator" if verdict == "approve" else "refused_by_regulator"
    )
    return RedirectResponse(f"/regulator?{urlencode(outcome)}#awaiting-title", status_code=303)


@router.get("/regulator/licences/{licence_id}/{verdict}", response_class=HTMLResponse)
def confirm_licence(licence_id: rights.LicenceId, verdict: Verdict, request: Request, session: DbSession) -> Response:
    """Asks to confirm the approval, or the refusal and its reason, of a licence of important or core data."""
    return _approval_page(request, session, "licence", verdict, licence=licence_id)


@router.post("/regulator/licences/{licence_id}/{verdict}")
def decide_licence(
    licence_id: rights.LicenceId,
    verdict: Verdict,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    form: PageForm,
) -> Response:
    """Approves the licence (it counts from now on), or refuses it: a revocation while it awaits approval."""

    def write(principal: Principal, reason: str) -> object:
        if verdict == "approve":
            return rights.approve_licence(licence_id, principal, runtime, None, True)
        return rights.revoke_licence(licence_id, rights.Revocation(reason=reason), principal, runtime, None, True)

    return _approval_decided(request, session, form, verdict, write)


@router.get("/regulator/transfers/{registration_id}/{right}/{verdict}", response_class=HTMLResponse)
def confirm_transfer(
    registration_id: RegistrationId, right: Right, verdict: Verdict, request: Request, session: DbSession
) -> Response:
    """Asks to confirm the approval, or the refusal and its reason, of a pending transfer of important or core
    data."""
    return _approval_page(request, session, "transfer", verdict, registration=registration_id, right=right.value)


@router.post("/regulator/transfers/{registration_id}/{right}/{verdict}")
def decide_transfer(
    registration_id: RegistrationId,
    right: Right,
    verdict: Verdict,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    form: PageForm,
) -> Response:
    """Approves the pending transfer (it takes effect once the authority has approved it too), or refuses it."""

    def write(principal: Principal, reason: str) -> object:
        if verdict == "approve":
            return rights.regulator_approve_transfer(registration_id, right, principal, runtime, None, True)
        body = rights.Reason(reason=reason)
        return rights.reject_transfer(registration_id, right, body, principal, runtime, None, True)

    return _approval_decided(request, session, form, verdict, write)
