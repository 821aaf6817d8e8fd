"""Every SQLite connection the ledger opens is set up alike: WAL, foreign keys, and a page cache wide enough for
the follower's catch-up (issue 13)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from ledger.db import SQLITE_CACHE_KIB, make_engine


def test_every_sqlite_connection_keeps_the_wider_page_cache_and_stays_durable_in_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA cache_size")).scalar() == -SQLITE_CACHE_KIB
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL, as before: not relaxed
    finally:
        engine.dispose()
