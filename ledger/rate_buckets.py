"""Rate-limit buckets in the database, shared by every instance of the service that uses it
(`DRL_RATE_LIMIT_SHARED`). The face's door (`api/limits.py`) decides whom to limit and how; the buckets and
their one atomic take live here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Double, String, case, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from ledger.db import Base, conflict_insert


class RateBucket(Base):
    """A client's rate-limit bucket when instances share them (`DRL_RATE_LIMIT_SHARED`): the time its next request
    is due, in seconds since the epoch (GCRA's theoretical arrival time, `api.limits`)."""

    __tablename__ = "rate_buckets"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[float] = mapped_column(Double, index=True)


class RateBuckets:
    """The buckets in the service database (`rate_buckets`), shared by every instance that uses it; each take is
    one conditional UPDATE, atomic on SQLite and PostgreSQL alike. Buckets that have filled up again (due in the
    past) mean the same as no bucket and are deleted every `prune_every` takes."""

    def __init__(self, sessions: sessionmaker[Session], prune_every: int = 1000) -> None:
        self._sessions = sessions
        self._prune_every = prune_every
        self._takes = 0

    def take(self, client: str, now: float, interval: float, tolerance: float) -> float:
        """Takes one request of `client` at `now` (GCRA, see `api.limits.RateCounters`): 0 when admitted, else the
        seconds until it would be."""
        self._takes += 1
        with self._sessions.begin() as session:
            if self._takes % self._prune_every == 0:
                session.execute(delete(RateBucket).where(RateBucket.due_at < now))
            due = case((RateBucket.due_at > now, RateBucket.due_at), else_=now)
            moved = session.execute(
                update(RateBucket)
                .where(RateBucket.client == client, due - now <= tolerance)
                .values(due_at=due + interval)
            )
            if _rows(moved):
                return 0.0
            stored = session.scalar(select(RateBucket.due_at).where(RateBucket.client == client))
            if stored is None and _rows(session.execute(_insert_new(session, client, now + interval))):
                return 0.0
            stored = session.scalar(select(RateBucket.due_at).where(RateBucket.client == client))
        # Refused; at least a moment when another instance's take made the bucket due meanwhile.
        return max((stored or now) - now - tolerance, 0.001)


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _insert_new(session: Session, client: str, due_at: float) -> Any:
    """INSERT the bucket unless another instance did first (ON CONFLICT DO NOTHING, in each dialect)."""
    values = {"client": client, "due_at": due_at}
    return conflict_insert(session, RateBucket).values(values).on_conflict_do_nothing(index_elements=["client"])
