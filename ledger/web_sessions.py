"""Signed-in browsers' sessions: a random cookie kept only as its sha256, bound to the API token it was opened
with (revoking the token ends the session), with its CSRF token and when it ends.

The face (`api/sessions.py`) sets and reads the cookies; this module keeps the rows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.access_tokens import ApiToken, find_token, is_live
from ledger.db import Base

SESSION_HOURS = 12


class WebSession(Base):
    """A signed-in browser: the hash of its cookie, the API token it signed in with (revoking the token ends the
    session), its CSRF token and when it ends. Only the cookie's hash is stored, as for API tokens."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cookie_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(Integer, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite hands them back naive


def open_web_session(session: Session, token: str) -> tuple[str, ApiToken] | None:
    """Opens a session for the live API token `token` and commits it: the new session's cookie and the token, or
    None when the token is not live. Sessions that have ended are deleted on the way."""
    row = find_token(session, token)
    if row is None:
        return None
    cookie = secrets.token_urlsafe(32)
    session.execute(delete(WebSession).where(WebSession.expires_at < datetime.now(UTC)))
    session.add(
        WebSession(
            cookie_hash=_hash(cookie),
            token_id=row.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=datetime.now(UTC) + timedelta(hours=SESSION_HOURS),
        )
    )
    session.commit()
    return cookie, row


def live_web_session(session: Session, cookie: str) -> tuple[WebSession, ApiToken] | None:
    """The session of `cookie` and its token, while both live (neither ended, expired nor revoked), or None."""
    found = session.execute(
        select(WebSession, ApiToken)
        .join(ApiToken, ApiToken.id == WebSession.token_id)
        .where(WebSession.cookie_hash == _hash(cookie))
    ).first()
    if found is None:
        return None
    web_session, token = found
    now = datetime.now(UTC)
    if _aware(web_session.expires_at) <= now or not is_live(token, now):
        return None
    return web_session, token


def close_web_session(session: Session, cookie: str) -> None:
    """Ends the session of `cookie` (deletes its row) and commits."""
    session.execute(delete(WebSession).where(WebSession.cookie_hash == _hash(cookie)))
    session.commit()
