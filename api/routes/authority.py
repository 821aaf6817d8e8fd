"""Authority and reviewer endpoints: the review queue, decisions, certification, parties, objections.

Every decision is kept as a review record (who, what, why) beside the chain's event, and every action is
dry-run first: what the contract would refuse is refused with its rule before any gas is spent.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

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
from api.reviews import record_review, registry_action
from api.tokens import Role
from api.writes import WriteAccepted, digest_of, send
from ledger.chain.registry import Status
from ledger.index import queries
from ledger.index.tables import ManifestRecord, RegistrationRow

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
    status: str
    registrant: str
    title: str | None
    negative_list_hits: list[str]
    same_data_elsewhere: list[int]


def _negative_list(runtime: Runtime) -> dict[str, list[str]]:
    path = runtime.settings.negative_list_file
    if path is None or not path.exists():
        return {}
    rules: dict[str, list[str]] = json.loads(path.read_text())
    return rules


def _hits(rules: dict[str, list[str]], record: ManifestRecord | None) -> list[str]:
    if record is None:
        return []
    text = f"{record.title or ''} {record.description or ''}".lower()
    hits = [f"category {c}" for c in rules.get("categories", []) if record.category == c]
    hits += [f"industry {i}" for i in rules.get("industries", []) if (record.industry or "").startswith(i)]
    hits += [f"term {t}" for t in rules.get("terms", []) if t.lower() in text]
    return hits


@router.get("/review/queue", response_model=list[QueueItem])
def review_queue(principal: Reviewer, session: DbSession, runtime: Runtime) -> list[QueueItem]:
    """Applications waiting for review, each checked against the negative list and for data already registered."""
    rules = _negative_list(runtime)
    rows = session.scalars(
        select(RegistrationRow)
        .where(RegistrationRow.status.in_([int(Status.SUBMITTED), int(Status.UNDER_REVIEW)]))
        .order_by(RegistrationRow.id)
        .limit(500)
    ).all()
    items = []
    for row in rows:
        record = queries.manifest_record(session, row.id, 1)
        others = [r for r, _, _ in queries.registrations_by_data_hash(session, row.data_commitment) if r != row.id]
        items.append(
            QueueItem(
                registration_id=row.id,
                status=Status(row.status).name.lower(),
                registrant=row.registrant,
                title=record.title if record else None,
                negative_list_hits=_hits(rules, record),
                same_data_elsewhere=sorted(set(others)),
            )
        )
    return items


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
    return registry_action("accept", registration_id, principal, session, runtime, key, wait)


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
    return registry_action("reject", registration_id, principal, session, runtime, key, wait, body.reason)


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
    return registry_action("approve", registration_id, principal, session, runtime, key, wait)


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
    return registry_action("certify", registration_id, principal, session, runtime, key, wait)


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
    return registry_action("approveChange", registration_id, principal, session, runtime, key, wait)


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
    return registry_action("rejectChange", registration_id, principal, session, runtime, key, wait, body.reason)


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
    return registry_action("renew", registration_id, principal, session, runtime, key, wait, body.reason)


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
    return registry_action("issueEvidenceCertificate", registration_id, principal, session, runtime, key, wait)


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
    objection = runtime.contract("Registrations").functions.objection(objection_id).call()
    call = runtime.contract("Registrations").functions.resolveObjection(
        objection_id, body.upheld, digest_of(body.decision)
    )
    written = send(
        runtime,
        principal.address,
        "Registrations",
        call,
        "resolveObjection",
        scope=f"resolve:{objection_id}",
        idempotency_key=key,
        wait=wait,
    )
    record_review(
        session, int(objection[0]), principal, "upheld" if body.upheld else "dismissed", body.decision, written
    )
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
    call = runtime.contract("Registrations").functions.fileObjection(
        registration_id, bytes.fromhex(body.evidence_digest[2:])
    )
    return send(
        runtime,
        principal.address,
        "Registrations",
        call,
        "fileObjection",
        scope=f"object:{registration_id}:{principal.token_id}",
        idempotency_key=key,
        wait=wait,
    )


@router.post("/parties", response_model=WriteAccepted, status_code=202)
def admit_party(
    body: Admission, principal: PartyAdmin, runtime: Runtime, key: IdempotencyKey = None, wait: Wait = False
) -> WriteAccepted:
    """Admits an identity-checked party (registrant, holder, licensee, agency)."""
    call = runtime.contract("LedgerAccess").functions.admitParty(
        body.address, bytes.fromhex(body.identity_commitment[2:])
    )
    return send(
        runtime,
        principal.address,
        "LedgerAccess",
        call,
        "admitParty",
        scope=f"admit:{body.address}",
        idempotency_key=key,
        wait=wait,
    )
