"""Review records and the registry actions that produce them (shared by authority and regulator routes)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.deps import Principal
from api.idempotency import ClientRequest
from api.tables import ReviewRecord
from api.writes import WriteAccepted, accepted, relay
from ledger import certification
from ledger.certification import Certification
from ledger.chain import registry
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import ReviewDecision
from ledger.writes import write_key


def record_review(
    session: Session,
    registration_id: int,
    principal: Principal,
    decision: ReviewDecision,
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


def decide(
    decision: ReviewDecision,
    registration_id: int,
    principal: Principal,
    session: Session,
    runtime: LedgerRuntime,
    key: ClientRequest | None,
    wait: bool,
    reason: str | None = None,
) -> WriteAccepted:
    """Sends a registry decision from the caller's key and keeps its review record."""
    written = relay(
        runtime,
        registry.decide(runtime.contracts, decision, registration_id, reason),
        sender=principal.address,
        scope=f"{decision}:{registration_id}:{principal.token_id}",
        idempotency_key=key,
        wait=wait,
    )
    record_review(session, registration_id, principal, decision, reason, written)
    return written


def certify_and_publish(
    registration_id: int, principal: Principal, session: Session, runtime: LedgerRuntime, key: str | None
) -> Certification:
    """Certifies and publishes the certificate document in one step (`ledger.certification`), and keeps the
    review record of the certification."""
    scope_key = write_key(f"{ReviewDecision.CERTIFY}-and-publish:{registration_id}:{principal.token_id}", key)
    done = certification.certify_and_publish(session, runtime, registration_id, sender=principal.address, key=scope_key)
    record_review(session, registration_id, principal, ReviewDecision.CERTIFY, None, accepted(done.certified))
    return done
