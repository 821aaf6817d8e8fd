"""How far the index has followed the chain, and waiting for it to reach a block.

A write is mined before the indexer has read its events: a page that shows the result of a write it has just
made (or an API call with `wait=true`) waits until the index's cursor passes the write's block, so that what
it reads next includes the write.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session, sessionmaker

from ledger.index.tables import IndexCursor
from ledger.waiting import asleep

POLL_SECONDS = 0.1


def indexed_through(session: Session) -> int | None:
    """The last block the index has read, or None before its first pass."""
    cursor = session.get(IndexCursor, 1)
    return cursor.block_number if cursor else None


def wait_until_indexed(sessions: sessionmaker[Session], block_number: int, timeout: float) -> bool:
    """Polls the index's cursor until it reaches `block_number`; False when `timeout` seconds pass first (the
    indexer is behind or stopped: the write stands, only the index lags)."""
    deadline = time.monotonic() + timeout
    with asleep() as falling_asleep:
        while True:
            with sessions() as session:
                reached = indexed_through(session)
            if reached is not None and reached >= block_number:
                return True
            if time.monotonic() >= deadline:
                return False
            falling_asleep()
            time.sleep(POLL_SECONDS)
