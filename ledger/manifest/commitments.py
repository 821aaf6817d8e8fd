"""Salted commitments to values that could identify a person, and the off-chain store of their salts.

A commitment is sha256(salt ‖ value) with a random 32-byte salt. The manifest (and through it the chain)
holds only the commitment; the salt stays in the service's database. Whoever holds the salt and the
value can open the commitment (prove that the value is the one registered). Erasing the salt honours a
deletion request: nothing can open the commitment any more, and neither the chain nor the manifest on
IPFS has to change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base
from ledger.manifest.model import Commitment


class SaltRecord(Base):
    """The salt of one commitment, until it is erased."""

    __tablename__ = "commitment_salts"

    commitment: Mapped[str] = mapped_column(String(66), primary_key=True)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SaltErasedError(LookupError):
    """The salt was erased (or never kept here): the commitment cannot be opened."""


def _hash(salt: bytes, value: str) -> str:
    return "0x" + hashlib.sha256(salt + value.encode("utf-8")).hexdigest()


def commit(session: Session, value: str) -> Commitment:
    """Commits to `value` with a fresh salt, keeping the salt in the database."""
    salt = secrets.token_bytes(32)
    commitment = Commitment(value=_hash(salt, value))
    session.add(SaltRecord(commitment=commitment.value, salt=salt))
    return commitment


def opens(session: Session, commitment: Commitment, value: str) -> bool:
    """Whether `value` is the committed one; raises SaltErasedError when the salt is gone."""
    record = session.get(SaltRecord, commitment.value)
    if record is None or record.salt is None:
        raise SaltErasedError(f"the salt of {commitment.value} is not kept: the commitment cannot be opened")
    return hmac.compare_digest(_hash(record.salt, value), commitment.value)


def erase(session: Session, commitment: Commitment) -> None:
    """Erases the salt for good (a deletion request); the commitment stays where it is, unopenable."""
    record = session.get(SaltRecord, commitment.value)
    if record is None:
        raise SaltErasedError(f"no salt is kept for {commitment.value}")
    record.salt = None
    record.erased_at = datetime.now(UTC)
