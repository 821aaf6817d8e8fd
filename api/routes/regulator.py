"""Regulator endpoints: the audit trail, conflicts, freeze / unfreeze / revoke, suspension, and exports.

The audit trail is the chain's event log as indexed; every exported row carries its proof of position
(block number and hash, transaction hash, log index), so it can be checked against any node.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.bodies import Address, AddressPath, RequestBody
from api.deps import MAX_ID, DbSession, IdempotencyKey, Principal, RegistrationId, Runtime, Wait, require
from api.reviews import decide
from api.routes.public import Page
from api.tokens import Role
from api.writes import WriteAccepted, relay
from ledger.chain import registry
from ledger.index import queries
from ledger.index.tables import ChainEvent
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import LicenceType, ReviewDecision, Right

router = APIRouter(prefix="/v1", tags=["regulator"])
Regulator = Annotated[Principal, Depends(require(Role.REGULATOR))]


class Reason(RequestBody):
    reason: str = Field(min_length=1, max_length=4000)


class AuditFilter(BaseModel):
    """Which events: by registrant, registration, event name and time range."""

    registrant: Address | None = Field(default=None, description="Events of this registrant's registrations, or by it")
    registration: int | None = Field(default=None, ge=1, le=MAX_ID, description="Events of this registration")
    kind: str | None = Field(default=None, max_length=64, description="The event's name, e.g. RegistrationCertified")
    since: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="Unix seconds: events in blocks with this timestamp or later (included)",
    )
    until: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="Unix seconds: events in blocks before this timestamp (excluded)"
    )

    def query(self) -> queries.AuditFilter:
        return queries.AuditFilter(self.registrant, self.registration, self.kind, self.since, self.until)


def _event_row(event: ChainEvent) -> dict[str, Any]:
    return {
        "block_number": event.block_number,
        "block_hash": event.block_hash,
        "timestamp": event.timestamp,
        "tx_hash": event.tx_hash,
        "log_index": event.log_index,
        "contract": event.contract,
        "event": event.name,
        "registration_id": event.registration_id,
        "actor": event.actor,
        "args": event.args,
    }


@router.get("/audit/events", response_model=Page)
def audit_events(
    principal: Regulator,
    session: DbSession,
    audit: Annotated[AuditFilter, Query()],
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page:
    """Events filtered by registrant, registration, kind and time range (`since` included, `until` excluded, unix
    seconds of the event's block), in chain order, paginated."""
    events, total = queries.audit_events(session, audit.query(), offset, limit)
    return Page(items=[_event_row(event) for event in events], total=total, offset=offset, limit=limit)


EXPORT_COLUMNS = (
    "block_number",
    "block_hash",
    "timestamp",
    "tx_hash",
    "log_index",
    "contract",
    "event",
    "registration_id",
    "actor",
    "args",
)


def _stream(runtime: LedgerRuntime, audit: AuditFilter, fmt: str) -> Iterator[bytes]:
    """The rows as CSV or JSON Lines, batch by batch, so an export of any size streams in constant memory."""
    if fmt == "csv":
        yield (",".join(EXPORT_COLUMNS) + "\n").encode()
    for events in queries.audit_batches(runtime.sessions, audit.query()):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for event in events:
            row = _event_row(event)
            if fmt == "csv":
                writer.writerow([json.dumps(row[c]) if c == "args" else row[c] for c in EXPORT_COLUMNS])
            else:
                buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
        yield buffer.getvalue().encode()


@router.get("/audit/export", summary="Export the audit trail as CSV or JSON Lines, streamed")
def audit_export(
    principal: Regulator,
    runtime: Runtime,
    audit: Annotated[AuditFilter, Query()],
    format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "jsonl",
) -> StreamingResponse:
    """Every matching event with its proof of position (block number and hash, transaction, log index); the same
    filters as `/audit/events`."""
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        _stream(runtime, audit, format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )


class ClaimView(BaseModel):
    id: int
    registrant: str


class SameDataView(BaseModel):
    data_commitment: str
    registrations: list[ClaimView]


class OverlapView(BaseModel):
    registration_id: int
    right: Right
    licence_types: list[LicenceType | None]
    licences: list[str]


class RefusedWriteView(BaseModel):
    purpose: str
    status: str
    error: str | None
    sender: str
    tx_hash: str | None


class Conflicts(BaseModel):
    """What a regulator should look at."""

    same_data_different_registrants: list[SameDataView]
    overlapping_licences: list[OverlapView]
    refused_writes: list[RefusedWriteView] = Field(
        description="Writes the contracts refused: at the service's dry run, at the worker's, or reverted on chain"
    )


@router.get("/audit/conflicts", response_model=Conflicts)
def conflicts(principal: Regulator, session: DbSession) -> Conflicts:
    """The same data commitment claimed by different registrants, overlapping exclusive or sole licences, and
    writes the contracts refused (newest first)."""
    found = queries.conflicts(session)
    return Conflicts(
        same_data_different_registrants=[
            SameDataView(
                data_commitment=claim.data_commitment,
                registrations=[ClaimView(id=i, registrant=r) for i, r in claim.registrations],
            )
            for claim in found.same_data
        ],
        overlapping_licences=[
            OverlapView(
                registration_id=a.registration_id,
                right=Right.of(a.right),
                licence_types=[LicenceType.of(t) if t is not None else None for t in (a.licence_type, b.licence_type)],
                licences=[a.id, b.id],
            )
            for a, b in found.overlapping_licences
        ],
        refused_writes=[
            RefusedWriteView(purpose=w.purpose, status=w.status, error=w.error, sender=w.sender, tx_hash=w.tx_hash)
            for w in found.refused_writes
        ],
    )


@router.post("/registrations/{registration_id}/freeze", response_model=WriteAccepted, status_code=202)
def freeze(
    registration_id: RegistrationId,
    body: Reason,
    principal: Regulator,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Freezes a certified registration; verification then reports it frozen."""
    return decide(ReviewDecision.FREEZE, registration_id, principal, session, runtime, key, wait, body.reason)


@router.post("/registrations/{registration_id}/unfreeze", response_model=WriteAccepted, status_code=202)
def unfreeze(
    registration_id: RegistrationId,
    principal: Regulator,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Unfreezes a frozen registration."""
    return decide(ReviewDecision.UNFREEZE, registration_id, principal, session, runtime, key, wait)


@router.post("/registrations/{registration_id}/revocation", response_model=WriteAccepted, status_code=202)
def revoke(
    registration_id: RegistrationId,
    body: Reason,
    principal: Annotated[Principal, Depends(require(Role.REGULATOR, Role.AUTHORITY))],
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Revokes a certified, lapsed or frozen registration (regulator or its authority)."""
    return decide(ReviewDecision.REVOKE, registration_id, principal, session, runtime, key, wait, body.reason)


@router.post("/parties/{address}/suspension", response_model=WriteAccepted, status_code=202)
def suspend_party(
    address: AddressPath,
    body: Reason,
    principal: Regulator,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Suspends a party found dishonest (失信): it can start nothing new."""
    return relay(
        runtime,
        registry.suspend_party(runtime.contracts, address, body.reason),
        sender=principal.address,
        scope=f"suspend:{address}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )
