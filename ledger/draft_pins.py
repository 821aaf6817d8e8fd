"""Pins of drafts: what a draft pins is provisional until the draft is submitted.

The ledger keeps everything the chain references for at least 30 years; evidence uploaded for a draft that
is never submitted is referenced by nothing, and would otherwise stay pinned for ever. So:
1. `hold` records each CID a draft pins (its evidence files, its signed manifest block);
2. `settle` marks a draft's pins as kept once its submission is queued: from then on retention owns them;
3. `expire_unsubmitted` (run by the background workers) unpins what drafts left unsettled for
   `DRL_DRAFT_EVIDENCE_DAYS` since their last pin, unless a live or settled draft holds the same CID or the
   chain references it, and marks those drafts expired: an expired draft takes no further step.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from ledger.db import Base
from ledger.replication import Pinset
from ledger.retention import referenced_content

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class DraftPin(Base):
    """A CID pinned for a draft, and whether the draft was submitted (settled) or given up (expired)."""

    __tablename__ = "draft_pins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), index=True)
    cid: Mapped[str] = mapped_column(String(128), index=True)
    pinned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def hold(session: Session, draft_id: str, cid: str, now: datetime | None = None) -> None:
    """Records that `draft_id` pinned `cid` (in the caller's transaction)."""
    session.add(DraftPin(draft_id=draft_id, cid=cid, pinned_at=now or _now()))


def settle(session: Session, draft_id: str, now: datetime | None = None) -> None:
    """The draft was submitted: its pins are the chain's now, never expired."""
    session.execute(
        update(DraftPin)
        .where(DraftPin.draft_id == draft_id, DraftPin.settled_at.is_(None))
        .values(settled_at=now or _now())
    )


def is_expired(session: Session, draft_id: str) -> bool:
    """Whether the draft's evidence was released for want of a submission."""
    found = session.scalar(select(DraftPin.id).where(DraftPin.draft_id == draft_id, DraftPin.expired_at.is_not(None)))
    return found is not None


def expire_unsubmitted(
    sessions: sessionmaker[Session], ipfs: Pinset, days: int, now: datetime | None = None
) -> list[str]:
    """Unpins the evidence of drafts idle and unsubmitted for `days`; returns the drafts it expired."""
    now = now or _now()
    cutoff = now - timedelta(days=days)
    with sessions.begin() as session:
        open_pins = (DraftPin.settled_at.is_(None), DraftPin.expired_at.is_(None))
        stale = list(
            session.scalars(
                select(DraftPin.draft_id)
                .where(*open_pins)
                .group_by(DraftPin.draft_id)
                .having(func.max(DraftPin.pinned_at) < cutoff)
            )
        )
        if not stale:
            return []
        pins = session.scalars(select(DraftPin).where(DraftPin.draft_id.in_(stale), *open_pins)).all()
        kept = set(
            session.scalars(
                select(DraftPin.cid).where(
                    DraftPin.draft_id.not_in(stale),
                    DraftPin.expired_at.is_(None),  # live or settled elsewhere
                )
            )
        )
        kept |= {item.cid for item in referenced_content(sessions)}
        for pin in pins:
            if pin.cid not in kept:
                ipfs.unpin(pin.cid)
                kept.add(pin.cid)  # the same CID twice in one draft: unpinned once
            pin.expired_at = now
    log.info("expired %d drafts never submitted (evidence older than %d days)", len(stale), days)
    return stale
