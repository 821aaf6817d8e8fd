"""Objections from the public during a registration's public notice (公示期异议), received by the service.

Anyone may object while an application is in public notice, with a reason and the sha256 of their evidence. On
chain only an admitted party, or the registering authority filing for the public, can file an objection
(`Registrations.fileObjection`), and an objection pauses the notice: so an objection from someone without an
account is received here, kept with its reason, and put before the authority, who files it on chain (or not).
Nobody's key signs anything on a stranger's word.

The notice window is judged by chain time (the latest block's timestamp), the clock the contract certifies by.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import BigInteger, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from web3 import Web3

from ledger.db import Base
from ledger.index import queries
from ledger.index.tables import RegistrationRow
from ledger.vocabulary import Status

MAX_REASON_CHARS = 4000


class PublicObjection(Base):
    """An objection received from the public during a notice, waiting for the authority."""

    __tablename__ = "public_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    reason: Mapped[str] = mapped_column(Text)
    reason_digest: Mapped[str] = mapped_column(String(66))
    evidence_digest: Mapped[str] = mapped_column(String(66))
    received_chain_time: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ObjectionReceipt(BaseModel):
    """What the objector is told: the receipt number and the digests the authority will file with."""

    receipt: int
    registration_id: int
    reason_digest: str
    evidence_digest: str
    notice_ends_at: int | None


class NoticeView(BaseModel):
    """A registration as its notice page shows it, and whether objections are received now."""

    registration_id: int
    title: str | None
    description: str | None
    status: Status
    registrant: str
    notice_ends_at: int | None
    open: bool


class NoticeNotFoundError(LookupError):
    """No registration has this id."""


class NoticeClosedError(ValueError):
    """The registration is not (or no longer) in public notice; `ended_at` is when its notice ended, if it did."""

    def __init__(self, registration_id: int, status: Status, ended_at: int | None) -> None:
        self.registration_id, self.status, self.ended_at = registration_id, status, ended_at
        if ended_at is None:
            super().__init__(f"registration {registration_id} is {status.value}, not in public notice")
        else:
            when = datetime.fromtimestamp(ended_at, UTC)
            super().__init__(f"the public notice of registration {registration_id} ended on {when:%Y-%m-%d %H:%M} UTC")


def _chain_time(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def _is_open(row: RegistrationRow, now: int) -> bool:
    """Objections are received during the notice, and while an earlier objection has paused it."""
    status = Status.of(row.status)
    in_window = row.notice_ends_at is None or now < row.notice_ends_at
    return (status == Status.PUBLIC_NOTICE and in_window) or status == Status.OBJECTED


def notice_of(session: Session, w3: Web3, registration_id: int) -> NoticeView | None:
    """The notice page's registration (None if there is none), with whether it takes objections now."""
    row = session.get(RegistrationRow, registration_id)
    if row is None:
        return None
    record = queries.manifest_record(
        session, registration_id, queries.current_manifest_version(session, registration_id)
    )
    return NoticeView(
        registration_id=registration_id,
        title=record.title if record else None,
        description=record.description if record else None,
        status=Status.of(row.status),
        registrant=row.registrant,
        notice_ends_at=row.notice_ends_at,
        open=_is_open(row, _chain_time(w3)),
    )


def receive_public_objection(
    session: Session, w3: Web3, registration_id: int, reason: str, evidence_digest: str
) -> ObjectionReceipt:
    """Keeps an objection to a registration in public notice for the authority; refuses one to a registration
    whose notice is over (or never began) with NoticeClosedError, and an unknown one with NoticeNotFoundError.
    An objection during a notice already paused by another objection (status objected) is still received."""
    row = session.get(RegistrationRow, registration_id)
    if row is None:
        raise NoticeNotFoundError(registration_id)
    now = _chain_time(w3)
    if not _is_open(row, now):
        ended = row.notice_ends_at if row.notice_ends_at is not None and row.notice_ends_at <= now else None
        raise NoticeClosedError(registration_id, Status.of(row.status), ended)
    objection = PublicObjection(
        registration_id=registration_id,
        reason=reason,
        reason_digest="0x" + hashlib.sha256(reason.encode()).hexdigest(),
        evidence_digest=evidence_digest.lower(),
        received_chain_time=now,
        received_at=datetime.now(UTC),
    )
    session.add(objection)
    session.commit()
    return ObjectionReceipt(
        receipt=objection.id,
        registration_id=registration_id,
        reason_digest=objection.reason_digest,
        evidence_digest=objection.evidence_digest,
        notice_ends_at=row.notice_ends_at,
    )


def public_objections(session: Session, registration_id: int) -> list[PublicObjection]:
    """The objections the public sent about a registration, oldest first (for the authority's queue)."""
    query = select(PublicObjection).where(PublicObjection.registration_id == registration_id)
    return list(session.scalars(query.order_by(PublicObjection.id)))
