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
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from api.bodies import Address, AddressPath, RequestBody
from api.deps import MAX_ID, DbSession, IdempotencyKey, Principal, RegistrationId, Runtime, Wait, require
from api.reviews import registry_action
from api.routes.public import Page
from api.tokens import Role
from api.writes import WriteAccepted, digest_of, send
from ledger.index.tables import ChainEvent, LicenceRow, RegistrationRow
from ledger.outbox import OutboxStatus, OutboxWrite
from ledger.runtime import LedgerRuntime

router = APIRouter(prefix="/v1", tags=["regulator"])
Regulator = Annotated[Principal, Depends(require(Role.REGULATOR))]
EXPORT_BATCH = 2_000


class Reason(RequestBody):
    reason: str = Field(min_length=1, max_length=4000)


class AuditFilter(RequestBody):
    """Which events: by registrant, registration, event kind and time range (unix seconds)."""

    registrant: Address | None = None
    registration: int | None = Field(default=None, ge=1, le=MAX_ID)
    kind: str | None = Field(default=None, max_length=64)
    since: int | None = Field(default=None, ge=0, le=MAX_ID)
    until: int | None = Field(default=None, ge=0, le=MAX_ID)


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


def _audit_query(session: Session, audit: AuditFilter) -> Select[ChainEvent]:
    query = select(ChainEvent)
    if audit.registration is not None:
        query = query.where(ChainEvent.registration_id == audit.registration)
    if audit.registrant is not None:
        owned = select(RegistrationRow.id).where(RegistrationRow.registrant == audit.registrant)
        query = query.where(ChainEvent.registration_id.in_(owned) | (ChainEvent.actor == audit.registrant))
    if audit.kind is not None:
        query = query.where(ChainEvent.name == audit.kind)
    if audit.since is not None:
        query = query.where(ChainEvent.timestamp >= audit.since)
    if audit.until is not None:
        query = query.where(ChainEvent.timestamp < audit.until)
    return query


@router.get("/audit/events", response_model=Page)
def audit_events(
    principal: Regulator,
    session: DbSession,
    audit: Annotated[AuditFilter, Depends()],
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page:
    """Events filtered by registrant, registration, kind and time range, in chain order, paginated."""
    query = _audit_query(session, audit)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(
        query.order_by(ChainEvent.block_number, ChainEvent.log_index).offset(offset).limit(limit)
    ).all()
    return Page(items=[_event_row(event) for event in events], total=total, offset=offset, limit=limit)


def _stream(runtime: LedgerRuntime, audit: AuditFilter, fmt: str) -> Iterator[bytes]:
    """Keyset-paginated rows, so an export of any size streams in constant memory."""
    header = [
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
    ]
    if fmt == "csv":
        yield (",".join(header) + "\n").encode()
    after = (-1, -1)
    while True:
        with runtime.sessions() as session:
            query = _audit_query(session, audit).where(
                (ChainEvent.block_number > after[0])
                | ((ChainEvent.block_number == after[0]) & (ChainEvent.log_index > after[1]))
            )
            events = session.scalars(
                query.order_by(ChainEvent.block_number, ChainEvent.log_index).limit(EXPORT_BATCH)
            ).all()
        if not events:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for event in events:
            row = _event_row(event)
            if fmt == "csv":
                writer.writerow([json.dumps(row[h]) if h == "args" else row[h] for h in header])
            else:
                buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
        yield buffer.getvalue().encode()
        after = (events[-1].block_number, events[-1].log_index)


@router.get("/audit/export", summary="Export the audit trail as CSV or JSON Lines, streamed")
def audit_export(
    principal: Regulator,
    runtime: Runtime,
    audit: Annotated[AuditFilter, Depends()],
    format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "jsonl",
) -> StreamingResponse:
    """Every matching event with its proof of position (block number and hash, transaction, log index)."""
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        _stream(runtime, audit, format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )


class Conflicts(BaseModel):
    """What a regulator should look at."""

    same_data_different_registrants: list[dict[str, Any]]
    overlapping_licences: list[dict[str, Any]]
    refused_writes: list[dict[str, Any]]


@router.get("/audit/conflicts", response_model=Conflicts)
def conflicts(principal: Regulator, session: DbSession, runtime: Runtime) -> Conflicts:
    """The same data commitment claimed by different registrants, and writes the contracts refused."""
    claimed = session.execute(
        select(RegistrationRow.data_commitment, func.count(func.distinct(RegistrationRow.registrant)))
        .group_by(RegistrationRow.data_commitment)
        .having(func.count(func.distinct(RegistrationRow.registrant)) > 1)
    ).all()
    same_data = []
    for commitment, _ in claimed:
        rows = session.scalars(select(RegistrationRow).where(RegistrationRow.data_commitment == commitment)).all()
        same_data.append(
            {"data_commitment": commitment, "registrations": [{"id": r.id, "registrant": r.registrant} for r in rows]}
        )
    refused = session.scalars(
        select(OutboxWrite)
        .where(OutboxWrite.status.in_([OutboxStatus.REFUSED, OutboxStatus.REVERTED]))
        .order_by(OutboxWrite.id.desc())
        .limit(200)
    ).all()
    return Conflicts(
        same_data_different_registrants=same_data,
        overlapping_licences=_overlapping_licences(session),
        refused_writes=[
            {"purpose": w.purpose, "status": w.status, "error": w.error, "sender": w.sender, "tx_hash": w.tx_hash}
            for w in refused
        ],
    )


EXCLUSIVE_TYPES = (0, 1)  # exclusive (独占) and sole (排他)


def _overlapping_licences(session: Session) -> list[dict[str, Any]]:
    """Live licences of one right overlapping in time where one is exclusive or sole (the contract refuses these;
    the check stands guard over the index and any other deployment)."""
    first, second = aliased(LicenceRow), aliased(LicenceRow)
    pairs = session.execute(
        select(first, second)
        .join(second, (first.registration_id == second.registration_id) & (first.right == second.right))
        .where(
            first.id < second.id,
            first.status != "revoked",
            second.status != "revoked",
            first.starts_at < second.ends_at,
            second.starts_at < first.ends_at,
            first.licence_type.in_(EXCLUSIVE_TYPES) | second.licence_type.in_(EXCLUSIVE_TYPES),
        )
        .limit(200)
    ).all()
    return [{"registration_id": a.registration_id, "right": a.right, "licences": [a.id, b.id]} for a, b in pairs]


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
    return registry_action("freeze", registration_id, principal, session, runtime, key, wait, body.reason)


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
    return registry_action("unfreeze", registration_id, principal, session, runtime, key, wait)


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
    return registry_action("revoke", registration_id, principal, session, runtime, key, wait, body.reason)


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
    call = runtime.contract("LedgerAccess").functions.suspendParty(address, digest_of(body.reason))
    return send(
        runtime,
        principal.address,
        "LedgerAccess",
        call,
        "suspendParty",
        scope=f"suspend:{address}",
        idempotency_key=key,
        wait=wait,
    )
