"""The service's own tables: review records here; API tokens, web sessions, drafts and shared rate-limit buckets
are kept by the ledger modules that own their rows (`ledger.access_tokens`, `ledger.web_sessions`, `ledger.drafts`,
`ledger.rate_buckets`) and named here too, for the routes that read them.

They share the ledger's declarative base so that one metadata describes the whole database; the
migrations in `ledger/migrations/` create them as plain DDL, so the ledger never imports this module.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.access_tokens import ApiToken
from ledger.db import Base
from ledger.drafts import Draft
from ledger.rate_buckets import RateBucket
from ledger.web_sessions import WebSession

__all__ = ["ApiToken", "Draft", "RateBucket", "ReviewRecord", "WebSession"]


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
