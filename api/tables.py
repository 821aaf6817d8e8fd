"""The service's own tables: API tokens, drafts, review records and shared rate-limit buckets.

They share the ledger's declarative base so that one metadata describes the whole database; the
migrations in `ledger/migrations/` create them as plain DDL, so the ledger never imports this module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Double, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base


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


class Draft(Base):
    """An application being prepared: off chain until its signed submission is queued."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registrant: Mapped[str] = mapped_column(String(42), index=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    signed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submission: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    write_key: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class ReviewRecord(Base):
    """A review decision, kept as Data Security Law Art. 33 asks."""

    __tablename__ = "review_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(Integer, index=True)
    reviewer: Mapped[str] = mapped_column(String(42))
    decision: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


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


class RateBucket(Base):
    """A client's rate-limit bucket when instances share them (`DRL_RATE_LIMIT_SHARED`): the time its next request
    is due, in seconds since the epoch (GCRA's theoretical arrival time, `api.limits`)."""

    __tablename__ = "rate_buckets"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[float] = mapped_column(Double, index=True)
