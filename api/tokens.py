"""API tokens: random secrets shown once, stored only as their sha256, each bound to an address and roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from eth_utils.address import to_checksum_address
from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base

TOKEN_PREFIX = "drl_"  # noqa: S105 - a public prefix that marks a string as a ledger token, not a secret


class Role(StrEnum):
    """What a token may do."""

    REGISTRANT = "registrant"
    REVIEWER = "reviewer"
    AUTHORITY = "authority"
    REGULATOR = "regulator"
    AGENCY = "agency"
    ADMIN = "admin"


class ApiToken(Base):
    """A token: its hash, the account it acts for, its roles."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(42), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, address: str, roles: list[Role], label: str) -> str:
    """Creates a token and returns it; only its hash is stored, so it cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_hash=_hash(token),
            address=to_checksum_address(address),
            roles=sorted(role.value for role in roles),
            label=label,
        )
    )
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token matching `token`, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    return row if row is not None and row.revoked_at is None else None
