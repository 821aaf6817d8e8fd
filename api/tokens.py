"""API tokens: random secrets shown once, stored only as their sha256, each bound to an address and roles."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

from eth_utils.address import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.tables import ApiToken

TOKEN_PREFIX = "drl_"  # noqa: S105 - a public prefix that marks a string as a ledger token, not a secret


class Role(StrEnum):
    """What a token may do."""

    REGISTRANT = "registrant"
    REVIEWER = "reviewer"
    AUTHORITY = "authority"
    REGULATOR = "regulator"
    AGENCY = "agency"
    ADMIN = "admin"


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
