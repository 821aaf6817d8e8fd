"""The service database: SQLite (WAL) embedded, PostgreSQL in production. Never the source of truth:
the outbox is durable intent, and the index can always be rebuilt from the chain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    """The declarative base of every table."""


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL mode, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server database may drop idle connections; SQLite cannot, so only servers pay for the ping.
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Creates every table that does not exist yet."""
    # Importing the table modules registers their tables on Base.
    import ledger.draft_pins
    import ledger.index.tables
    import ledger.manifest.commitments
    import ledger.outbox  # noqa: F401

    Base.metadata.create_all(engine)


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
