"""Authority and reviewer endpoints: the review queue, decisions, certification, parties, objections.

Every decision is kept as a review record (who, what, why) beside the chain's event, and every action is
dry-run first: what the contract would refuse is refused with its rule before any gas is spent.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.bodies import Address, RequestBody
from api.deps import (
    DbSession,
    IdempotencyKey,
    MaybePrincipal,
    ObjectionId,
    Principal,
    RegistrationId,
    Runtime,
    Wait,
    require,
)
from api.errors import ProblemError
from api.reviews import decide, record_review
from api.tokens import Role
from api.writes import WriteAccepted, relay
from ledger.chain import registry
from ledger.encoding import from_hex
from ledger.screening import NegativeList, screened_review_queue
from ledger.vocabulary import ReviewDecision, Status
from ledger.writes import wallet_transaction

router = APIRouter(prefix="/v1", tags=["authority"])
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER, Role.AUTHORITY))]
Authority = Annotated[Principal, Depends(require(Role.AUTHORITY))]
PartyAdmin = Annotated[Principal, Depends(require(Role.AUTHORITY, Role.ADMIN))]


class Reason(RequestBody):
    reason: str = Field(min_length=1, max_length=4000)


class Resolution(RequestBody):
    upheld: bool
    decision: str = Field(min_length=1, max_length=4000)


class Admission(RequestBody):
    address: Address
    identity_commitment: str = Field(pattern=r"^0x[0-9a-f]{64}$")


class ObjectionBody(RequestBody):
    evidence_digest: str = Field(pattern=r"^0x[0-9a-f]{64}$")


class QueueItem(BaseModel):
    registration_id: int
    status: Status
    registrant: str
    title: str | None
    negative_list_hits: list[str]
    same_data_elsewhere: list[int]


@router.get("/review/queue", response_model=list[QueueItem])
def review_queue(principal: Reviewer, session: DbSession, runtime: Runtime) -> list[QueueItem]:
    """Applications waiting for review, each checked against the negative list and for data already registered."""
    negative_list = NegativeList.load(runtime.settings.negative_list_file)
    return [
        QueueItem(
            registration_id=item.application.registration.id,
            status=Status.of(item.application.registration.status),
            registrant=item.application.registration.registrant,
            title=item.application.record.title if item.application.record else None,
            negative_list_hits=item.hits,
            same_data_elsewhere=item.application.same_data_elsewhere,
        )
        for item in screened_review_queue(session, negative_list)
    ]


@router.post("/registrations/{registration_id}/accept", response_model=WriteAccepted, status_code=202)
def accept(
    registration_id: RegistrationId,
    principal: Reviewer,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Accepts a submitted application for review."""
    return decide(ReviewDecision.ACCEPT, registration_id, principal, session, runtime, key, wait)


@router.post("/registrations/{registration_id}/reject", response_model=WriteAccepted, status_code=202)
def reject(
    registration_id: RegistrationId,
    body: Reason,
    principal: Reviewer,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Rejects an application with a reason (its hash goes on chain, the text into the review record)."""
    return decide(ReviewDecision.REJECT, registration_id, principal, session, runtime, key, wait, body.reason)


@router.post("/registrations/{registration_id}/approve", response_model=WriteAccepted, status_code=202)
def approve(
    registration_id: RegistrationId,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Approves a reviewed application into public notice."""
    return decide(ReviewDecision.APPROVE, registration_id, principal, session, runtime, key, wait)


@router.post("/registrations/{registration_id}/certify", response_model=WriteAccepted, status_code=202)
def certify(
    registration_id: RegistrationId,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Certifies once the notice window is over with no open objection; the certificate is minted."""
    return decide(ReviewDecision.CERTIFY, registration_id, principal, session, runtime, key, wait)


@router.post("/registrations/{registration_id}/change/approval", response_model=WriteAccepted, status_code=202)
def approve_change(
    registration_id: RegistrationId,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Approves the pending change: the registration moves to the new manifest version."""
    return decide(ReviewDecision.APPROVE_CHANGE, registration_id, principal, session, runtime, key, wait)


@router.post("/registrations/{registration_id}/change/rejection", response_model=WriteAccepted, status_code=202)
def reject_change(
    registration_id: RegistrationId,
    body: Reason,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Refuses the pending change."""
    return decide(ReviewDecision.REJECT_CHANGE, registration_id, principal, session, runtime, key, wait, body.reason)


@router.post("/registrations/{registration_id}/renewal", response_model=WriteAccepted, status_code=202)
def renew(
    registration_id: RegistrationId,
    body: Reason,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Renews a lapsed registration on its late review report."""
    return decide(ReviewDecision.RENEW, registration_id, principal, session, runtime, key, wait, body.reason)


@router.post("/registrations/{registration_id}/evidence-certificate", response_model=WriteAccepted, status_code=202)
def evidence_certificate(
    registration_id: RegistrationId,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Issues an evidence (存证) certificate for the registration as submitted."""
    return decide(ReviewDecision.ISSUE_EVIDENCE_CERTIFICATE, registration_id, principal, session, runtime, key, wait)


@router.post("/objections/{objection_id}/resolution", response_model=WriteAccepted, status_code=202)
def resolve_objection(
    objection_id: ObjectionId,
    body: Resolution,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Upholds (rejecting or revoking the registration) or dismisses (resuming notice) an objection."""
    registration_id = registry.objection_registration(runtime.contracts, objection_id)
    written = relay(
        runtime,
        registry.resolve_objection(runtime.contracts, objection_id, body.upheld, body.decision),
        sender=principal.address,
        scope=f"resolve:{objection_id}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )
    decision = ReviewDecision.UPHELD if body.upheld else ReviewDecision.DISMISSED
    record_review(session, registration_id, principal, decision, body.decision, written)
    return written


@router.post("/registrations/{registration_id}/objections", response_model=WriteAccepted, status_code=202)
def file_objection(
    registration_id: RegistrationId,
    body: ObjectionBody,
    principal: MaybePrincipal,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Files an objection with the digest of its evidence (any token holder; relayed from their own key)."""
    if principal is None:
        raise ProblemError(401, "unauthenticated", "An API token is required to file an objection")
    return relay(
        runtime,
        registry.file_objection(runtime.contracts, registration_id, from_hex(body.evidence_digest)),
        sender=principal.address,
        scope=f"object:{registration_id}:{principal.token_id}",
        idempotency_key=key,
        wait=wait,
    )


class UnsignedTransaction(BaseModel):
    """A transaction for the caller's own wallet to send (`eth_sendTransaction`)."""

    sender: str = Field(serialization_alias="from")
    to: str
    data: str
    chain_id: int = Field(serialization_alias="chainId")
    purpose: str


@router.post("/registrations/{registration_id}/objections/transaction", response_model=UnsignedTransaction)
def objection_transaction(
    registration_id: RegistrationId, body: ObjectionBody, principal: MaybePrincipal, runtime: Runtime
) -> UnsignedTransaction:
    """The objection as a transaction for the caller's own wallet: the contract takes an objection from its sender
    only, so a party whose key the service does not hold sends it itself (dry-run first: a refusal is a 422)."""
    if principal is None:
        raise ProblemError(401, "unauthenticated", "An API token is required to file an objection")
    write = registry.file_objection(runtime.contracts, registration_id, from_hex(body.evidence_digest))
    return UnsignedTransaction(**asdict(wallet_transaction(runtime, write, principal.address)))


@router.post("/parties", response_model=WriteAccepted, status_code=202)
def admit_party(
    body: Admission, principal: PartyAdmin, runtime: Runtime, key: IdempotencyKey = None, wait: Wait = False
) -> WriteAccepted:
    """Admits an identity-checked party (registrant, holder, licensee, agency)."""
    return relay(
        runtime,
        registry.admit_party(runtime.contracts, body.address, from_hex(body.identity_commitment)),
        sender=principal.address,
        scope=f"admit:{body.address}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )
