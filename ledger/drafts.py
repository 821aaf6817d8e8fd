"""Drafts: applications a registrant prepares off chain, until the signed submission is queued.

The service's routes build and sign drafts (`api/routes/registrant.py`); the rows and the reads of more than
one draft live here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base


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


def open_drafts(session: Session, registrant: str, limit: int) -> list[Draft]:
    """The registrant's drafts not yet submitted, the most recently changed first, at most `limit`."""
    return list(
        session.scalars(
            select(Draft)
            .where(Draft.registrant == registrant, Draft.write_key.is_(None))
            .order_by(Draft.updated_at.desc())
            .limit(limit)
        )
    )
