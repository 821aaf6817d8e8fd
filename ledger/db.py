"""The service database: SQLite (WAL) embedded, PostgreSQL in production. Never the source of truth:
the outbox is durable intent, and the index can always be rebuilt from the chain.

This module holds the declarative base and the engine only: `ledger/tables.py` imports every table,
and the migrations in `ledger/migrations/` create and upgrade the schema.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """The declarative base of every table."""


SQLITE_CACHE_KIB = 65_536
"""The most page cache one SQLite connection keeps (SQLite's default is 2 MiB). A connection fills it only with the
pages it reads or writes, and drops it when another connection changes the database: the follower, writing every
index's B-tree at random keys, holds the most. 2 MiB made a 100,000-event catch-up spill and re-read index pages:
11 % of its CPU (issue 13, docs/performance.md "Indexer catch-up")."""


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def private_sqlite_file(path: Path) -> None:
    """Creates the database file readable by its owner only, in a directory only the owner can enter.

    The database holds API token hashes, commitment salts and signed transactions: nobody else on the
    machine has a reason to read it. SQLite gives its WAL and shared-memory files the database file's
    mode, so they follow. An existing file is narrowed too, so that an older install stops being readable.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def make_engine(url: str, **pool: Any) -> Engine:
    """An engine for `url`; SQLite gets a private file, WAL mode, foreign keys and a busy timeout.

    `pool` sizes the connection pool (`pool_size`, `max_overflow`, `pool_timeout`) for a file or server
    database; SQLAlchemy's defaults (5 and 10 more) otherwise.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_file(Path(parsed.database))
            engine = create_engine(url, **pool)
        else:
            engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server database may drop idle connections; SQLite cannot, so only servers pay for the ping.
    return create_engine(url, pool_pre_ping=True, **pool)


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def conflict_insert(session: Session, table: type[DeclarativeBase]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` in the session's own dialect, which takes ON CONFLICT (DO NOTHING or DO UPDATE):
    the two engines the ledger runs on each have their own construct for it."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
