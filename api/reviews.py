"""Review records and the registry actions that produce them (shared by authority and regulator routes)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.deps import Principal
from api.tables import ReviewRecord
from api.writes import WriteAccepted, digest_of, send
from ledger.runtime import LedgerRuntime


def record_review(
    session: Session,
    registration_id: int,
    principal: Principal,
    decision: str,
    reason: str | None,
    written: WriteAccepted,
) -> None:
    """Keeps who decided what about a registration, and why."""
    session.add(
        ReviewRecord(
            registration_id=registration_id,
            reviewer=principal.address,
            decision=decision,
            reason=reason,
            key=written.key,
        )
    )
    session.commit()


def registry_action(
    name: str,
    registration_id: int,
    principal: Principal,
    session: Session,
    runtime: LedgerRuntime,
    key: str | None,
    wait: bool,
    reason: str | None = None,
) -> WriteAccepted:
    """Sends `Registrations.<name>(id[, sha256(reason)])` from the caller's key and keeps the review record."""
    function = getattr(runtime.contract("Registrations").functions, name)
    call = function(registration_id, digest_of(reason)) if reason is not None else function(registration_id)
    written = send(
        runtime,
        principal.address,
        "Registrations",
        call,
        name,
        scope=f"{name}:{registration_id}:{principal.token_id}",
        idempotency_key=key,
        wait=wait,
    )
    record_review(session, registration_id, principal, name, reason, written)
    return written
