"""API tokens: random secrets shown once, stored only as their sha256, each bound to an address and roles.

The service's faces (`api/`, `drl tokens`) decide what a role may do; this module keeps the tokens themselves:
issuing one, finding the live token a request carries, revoking, listing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from eth_utils.address import to_checksum_address
from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base

TOKEN_PREFIX = "drl_"  # noqa: S105 - a public prefix that marks a string as a ledger token, not a secret


class ApiToken(Base):
    """A token: its hash, the account it acts for, its roles, and when it stops being valid."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(42), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, address: str, roles: Iterable[str], label: str, expires_at: datetime | None = None
) -> str:
    """Creates a token (valid until `expires_at`, or until revoked) and returns it; only its hash is stored, so
    it cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_hash=_hash(token),
            address=to_checksum_address(address),
            roles=sorted(str(role) for role in roles),
            label=label,
            expires_at=expires_at,
        )
    )
    return token


def is_live(row: ApiToken, now: datetime) -> bool:
    """Whether the token is neither revoked nor expired at `now`."""
    expires_at = row.expires_at
    if expires_at is not None and expires_at.tzinfo is None:  # SQLite hands datetimes back naive (stored in UTC)
        expires_at = expires_at.replace(tzinfo=UTC)
    return row.revoked_at is None and (expires_at is None or now < expires_at)


def find_token(session: Session, token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token matching `token` (not revoked, not expired), or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    return row if row is not None and is_live(row, now or datetime.now(UTC)) else None


def revoke_token(session: Session, token_id: int) -> bool:
    """Revokes the token with this id from now on; False when there is no such token or it was revoked before."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    return True


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token ever issued (hashes only), oldest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
