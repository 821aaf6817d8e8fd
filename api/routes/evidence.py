"""Evidence log endpoints (issue 15): parties record entries (存证), regulators list them, anyone gets proofs.

`POST /v1/evidence` records one or many entries for the caller's own account (the token binds the party); it
answers once the log has published a signed checkpoint committing to them. A retried request with the same
Idempotency-Key, or an entry with the same content, is answered with the index it already has.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParameter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import DbSession, IdempotencyKey, Principal, Runtime, require
from api.errors import ProblemError
from api.tokens import Role
from ledger import evidence
from ledger.evidence import EvidenceItem
from ledger.evidence_bundles import EvidenceNotAnchoredError, evidence_bundle
from ledger.evidence_certificates import EvidenceCertificate, certify_entries, evidence_certificate
from ledger.evidence_conflicts import UsageConflict, usage_conflicts
from ledger.evidence_log import LogUnavailableError
from ledger.proofs.tlog_certificate import MAX_CERTIFIED_ENTRIES, EvidenceCertificateDocument
from ledger.vocabulary import EvidenceEntryKind

router = APIRouter(prefix="/v1", tags=["evidence"])
Recorder = Annotated[Principal, Depends(require(Role.REGISTRANT, Role.AGENCY, Role.AUTHORITY))]
Regulator = Annotated[Principal, Depends(require(Role.REGULATOR))]
Authority = Annotated[Principal, Depends(require(Role.AUTHORITY))]
Reader = Annotated[Principal, Depends(require(Role.REGULATOR, Role.REGISTRANT, Role.AGENCY, Role.AUTHORITY))]
MAX_ENTRIES_PER_REQUEST = 1000


class EvidenceRequest(BaseModel):
    """One or many entries of the calling party."""

    entries: list[EvidenceItem] = Field(min_length=1, max_length=MAX_ENTRIES_PER_REQUEST)


class RecordedEntry(BaseModel):
    """Where an entry is in the log."""

    index: int
    digest: str
    leaf_hash: str
    added: bool = Field(description="false when this request repeated an entry already recorded")


class EvidenceAnswer(BaseModel):
    """The entries' places, durable in the log."""

    entries: list[RecordedEntry]


class LoggedEntry(BaseModel):
    """An entry as the index lists it."""

    index: int
    kind: EvidenceEntryKind
    party: str
    subject: str
    registration_id: int | None
    licence_id: int | None
    scope: str | None
    at: datetime
    leaf_hash: str


@router.post("/evidence", status_code=201, response_model=EvidenceAnswer)
async def record_evidence(
    body: EvidenceRequest, caller: Recorder, runtime: Runtime, session: DbSession, key: IdempotencyKey
) -> Response:
    """Records entries of the caller's party in the evidence log, durable before the answer."""
    try:
        recorded = await run_in_threadpool(
            evidence.record,
            session,
            runtime.evidence_log,
            caller.address,
            body.entries,
            None if key is None else key.key,  # the client's key; `record` scopes it to the party
        )
    except LogUnavailableError as error:
        raise ProblemError(503, "evidence-log-unavailable", "The evidence log is unavailable", str(error)) from error
    return Response(_answer_json(recorded), status_code=201, media_type="application/json")


def _answer_json(recorded: list[evidence.Recorded]) -> bytes:
    """The EvidenceAnswer's JSON, written directly: its members are already plain integers, hex strings and booleans,
    and a model built and then validated again by FastAPI for each entry was a cost paid per entry (the answer to
    a batch of 1,000 entries is 1,000 of them)."""
    entries = [{"index": r.index, "digest": r.digest, "leaf_hash": r.leaf_hash, "added": r.added} for r in recorded]
    return json.dumps({"entries": entries}, separators=(",", ":")).encode()


@router.get("/evidence")
def list_evidence(
    _: Regulator,
    session: DbSession,
    party: str | None = None,
    kind: EvidenceEntryKind | None = None,
    registration_id: Annotated[int | None, Query(ge=1)] = None,
    licence_id: Annotated[int | None, Query(ge=1)] = None,
    after: Annotated[int, Query(ge=-1, description="the last index already seen")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[LoggedEntry]:
    """The entries recorded through this ledger, in log order: for a licence or registration, its usage."""
    rows = evidence.entries(
        session,
        party=party,
        kind=kind,
        registration_id=registration_id,
        licence_id=licence_id,
        after=after,
        limit=limit,
    )
    return [
        LoggedEntry(
            index=row.log_index,
            kind=EvidenceEntryKind(row.kind),
            party=row.party,
            subject=row.subject,
            registration_id=row.registration_id,
            licence_id=row.licence_id,
            scope=row.scope,
            at=row.at,
            leaf_hash=row.leaf_hash,
        )
        for row in rows
    ]


@router.get("/evidence/{index}/bundle")
async def evidence_bundle_of(
    index: Annotated[int, PathParameter(ge=0, le=2**63 - 1)], caller: Reader, runtime: Runtime, session: DbSession
) -> JSONResponse:
    """The proof bundle of an entry (drl.evidence-bundle/1): for its party or a regulator."""
    row = session.get(evidence.EvidenceRow, index)
    if row is None or (
        Role.REGULATOR not in caller.roles and Role.ADMIN not in caller.roles and row.party != caller.address
    ):
        raise ProblemError(404, "evidence-not-found", "No such evidence entry of yours", f"index {index}")
    try:
        bundle = await run_in_threadpool(evidence_bundle, runtime, index)
    except EvidenceNotAnchoredError as error:
        raise ProblemError(
            409, "evidence-not-anchored", "No anchored checkpoint includes the entry yet", str(error)
        ) from error
    return JSONResponse(bundle.model_dump(mode="json", by_alias=True, exclude_none=True))


class EvidenceCertificateRequest(BaseModel):
    """Further entries to certify in the same certificate as the one in the path (a batch)."""

    model_config = ConfigDict(extra="forbid")

    also: list[Annotated[int, Field(ge=0, le=2**63 - 1)]] = Field(default=[], max_length=MAX_CERTIFIED_ENTRIES - 1)


class EvidenceCertificateAnswer(BaseModel):
    """An issued evidence certificate: its document, where it is pinned, and the log entry anchoring it."""

    number: str
    cid: str
    document_digest: str
    log_index: int = Field(description="the entry recording the document's sha256 in the evidence log")
    document: EvidenceCertificateDocument


@router.post("/evidence/{index}/certificate", status_code=201)
async def certify_evidence(
    index: Annotated[int, PathParameter(ge=0, le=2**63 - 1)],
    caller: Authority,
    runtime: Runtime,
    body: EvidenceCertificateRequest | None = None,
) -> EvidenceCertificateAnswer:
    """Issues an evidence certificate (drl.evidence-certificate/1) of the entry, or of a batch with `also`."""
    indices = [index, *(body.also if body else [])]
    try:
        issued = await run_in_threadpool(certify_entries, runtime, caller.address, indices)
    except EvidenceNotAnchoredError as error:
        raise ProblemError(
            409, "evidence-not-anchored", "No anchored checkpoint includes the entry yet", str(error)
        ) from error
    except LogUnavailableError as error:
        raise ProblemError(503, "evidence-log-unavailable", "The evidence log is unavailable", str(error)) from error
    return _certificate_answer(issued)


def _certificate_answer(issued: EvidenceCertificate) -> EvidenceCertificateAnswer:
    return EvidenceCertificateAnswer(
        number=str(issued.number),
        cid=issued.cid,
        document_digest=issued.document_digest,
        log_index=issued.log_index,
        document=issued.document,
    )


@router.get("/evidence-certificates/{number}")
async def evidence_certificate_of(
    number: Annotated[int, PathParameter(ge=1, le=2**63 - 1)], runtime: Runtime
) -> EvidenceCertificateAnswer:
    """An issued evidence certificate read back (public, like the document pinned on IPFS): save it and check it
    with `drl verify-evidence-certificate`, against the log and any node of the chain."""
    issued = await run_in_threadpool(evidence_certificate, runtime, number)
    if issued is None:
        raise ProblemError(404, "evidence-certificate-not-found", "No evidence certificate of that number", str(number))
    return _certificate_answer(issued)


@router.get("/evidence-conflicts")
def evidence_conflicts(_: Regulator, session: DbSession) -> list[UsageConflict]:
    """Usage after a licence ended, by someone holding no licence, or not covered by the licence it names."""
    return usage_conflicts(session)
