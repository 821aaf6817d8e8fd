"""A write answered with `wait` waits until the index has read its block: the wait ends when the cursor reaches
the block, and gives up (the write stands) when the indexer does not get there in time."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ledger.db import make_engine, make_sessionmaker
from ledger.index.freshness import indexed_through, wait_until_indexed
from ledger.index.tables import IndexCursor
from ledger.migrations import upgrade_schema


def _sessions(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    upgrade_schema(engine)
    return make_sessionmaker(engine)


def _move_cursor(sessions: sessionmaker[Session], block: int) -> None:
    with sessions.begin() as session:
        session.merge(IndexCursor(id=1, chain_id=31337, block_number=block, block_hash="0x" + "00" * 32))


def test_the_wait_ends_once_the_index_reaches_the_writes_block(tmp_path: Path) -> None:
    sessions = _sessions(tmp_path)
    _move_cursor(sessions, 5)
    reached: list[bool] = []
    waiting = threading.Thread(target=lambda: reached.append(wait_until_indexed(sessions, 7, timeout=60)))
    waiting.start()
    assert reached == []  # the index is behind the write: still waiting
    _move_cursor(sessions, 7)
    waiting.join(timeout=60)
    assert reached == [True]


def test_the_wait_gives_up_when_the_index_stays_behind(tmp_path: Path) -> None:
    sessions = _sessions(tmp_path)
    with sessions() as session:
        assert indexed_through(session) is None
    assert wait_until_indexed(sessions, 1, timeout=0.3) is False
    _move_cursor(sessions, 3)
    assert wait_until_indexed(sessions, 3, timeout=0.3) is True
