"""Anchoring the evidence log's checkpoints on chain: every N new entries or T seconds, one transaction.

The log, not the database, is the record of what was accepted: an entry is durable in the log before its
request is answered. Anchoring reads the log's newest signed checkpoint, so a crash anywhere between acceptance
and anchoring loses nothing: the next pass anchors a checkpoint that covers the entry. Each pass:
1. reads and verifies the log's newest checkpoint;
2. compares it with the newest checkpoint already queued (table `evidence_checkpoints`): nothing new, or fewer
   than N new entries and less than T seconds since, and there is nothing to do;
3. queues `EvidenceAnchors.anchor(root, size, sha256(origin))` in the outbox under the key
   `evidence-anchor:<origin>:<size>` (so a checkpoint is queued once, whatever crashes), then records the
   checkpoint (its signed text is what proofs are given against).
A checkpoint is thus anchored at most once (the outbox key, and the contract refuses a root twice per anchorer).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base
from ledger.proofs.tlog_note import Checkpoint
from ledger.runtime import LedgerRuntime
from ledger.writes import send

log = logging.getLogger(__name__)


class EvidenceCheckpointRow(Base):
    """A checkpoint of the evidence log queued for anchoring, with its signed text."""

    __tablename__ = "evidence_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(66))
    origin: Mapped[str] = mapped_column(String(200))
    checkpoint: Mapped[str] = mapped_column(Text)
    outbox_key: Mapped[str] = mapped_column(String(300), unique=True)
    anchorer: Mapped[str] = mapped_column(String(42))
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def origin_digest(origin: str) -> bytes:
    """The anchor's metadata: sha256 of the log's origin, so anchors of this log are told from other batches."""
    return hashlib.sha256(origin.encode()).digest()


def anchor_key(checkpoint: Checkpoint) -> str:
    """The outbox key of a checkpoint's anchor: one per (origin, size)."""
    return f"evidence-anchor:{checkpoint.origin}:{checkpoint.size}"


def newest_queued(session: Session) -> EvidenceCheckpointRow | None:
    """The newest checkpoint already queued for anchoring."""
    return session.scalar(select(EvidenceCheckpointRow).order_by(EvidenceCheckpointRow.size.desc()).limit(1))


def anchored_checkpoints(session: Session) -> list[EvidenceCheckpointRow]:
    """Every checkpoint queued for anchoring, oldest first."""
    return list(session.scalars(select(EvidenceCheckpointRow).order_by(EvidenceCheckpointRow.size)))


def checkpoint_covering(session: Session, index: int) -> EvidenceCheckpointRow | None:
    """The oldest queued checkpoint that includes the entry at `index`."""
    query = select(EvidenceCheckpointRow).where(EvidenceCheckpointRow.size > index)
    return session.scalar(query.order_by(EvidenceCheckpointRow.size).limit(1))


class EvidenceAnchorer:
    """Anchors the log's checkpoints every `every_entries` new entries or `every_seconds` (see the module)."""

    def __init__(self, runtime: LedgerRuntime) -> None:
        self.runtime = runtime
        self.every_entries = runtime.settings.tlog_anchor_every_entries
        self.every_seconds = runtime.settings.tlog_anchor_every_seconds
        self._last = time.monotonic()

    def run_once(self) -> EvidenceCheckpointRow | None:
        """One pass: the checkpoint queued for anchoring now, or None when none is due."""
        checkpoint = self.runtime.evidence_log.checkpoint()
        with self.runtime.sessions() as session:
            queued = newest_queued(session)
            anchored_size = queued.size if queued else 0
            new_entries = checkpoint.size - anchored_size
            due = new_entries >= self.every_entries or time.monotonic() - self._last >= self.every_seconds
            if new_entries <= 0 or not due:
                return None
            return self._queue(session, checkpoint)

    def _queue(self, session: Session, checkpoint: Checkpoint) -> EvidenceCheckpointRow:
        runtime = self.runtime
        key = anchor_key(checkpoint)
        write = runtime.contracts.write(
            "EvidenceAnchors", "anchor", checkpoint.root, checkpoint.size, origin_digest(checkpoint.origin)
        )
        send(runtime, write, sender=runtime.relayer.address, key=key)
        row = EvidenceCheckpointRow(
            size=checkpoint.size,
            root="0x" + checkpoint.root.hex(),
            origin=checkpoint.origin,
            checkpoint=checkpoint.text,
            outbox_key=key,
            anchorer=runtime.relayer.address,
            queued_at=datetime.now(UTC),
        )
        session.add(row)
        session.commit()
        self._last = time.monotonic()
        return row

    def run_forever(
        self,
        stop: threading.Event,
        interval: float = 1.0,
        permit: Callable[[], AbstractContextManager[bool]] | None = None,
    ) -> None:
        """Passes until `stop` is set, each only while `permit` says this instance leads (ledger.leadership: one
        anchorer at a time across instances); an error is retried at the next pass (the log or chain may be down)."""
        permit = permit or (lambda: nullcontext(True))
        while not stop.is_set():
            try:
                with permit() as leading:
                    if leading:
                        self.run_once()
            except Exception as error:  # noqa: BLE001 - a worker never dies; the next pass retries
                log.warning("evidence anchoring: %s", error)
            stop.wait(interval)
