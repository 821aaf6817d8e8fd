"""The follower's append-only rows are written in bulk by the driver (PostgreSQL's COPY, SQLite's executemany):
the same rows a Core INSERT writes, the same constraints checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.index import projection
from ledger.index.follower import ChainFollower
from ledger.index.projection import BULK_MIN_ROWS, insert_rows
from ledger.index.tables import ChainEvent, RegistrationRow
from ledger.migrations import upgrade_schema
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.vocabulary import Status

from .history import History, drive_mixed_history, drive_rights
from .test_index import _database, _dump, both_engines

pytestmark = pytest.mark.integration


def _events(count: int) -> list[dict[str, Any]]:
    """Event rows as the follower writes them: JSON arguments (nested, text, numbers), a missing actor."""
    return [
        {
            "block_number": 10 + n // 7,
            "block_hash": f"0x{n:064x}",
            "timestamp": 1_700_000_000 + n,
            "tx_hash": f"0x{n + 1:064x}",
            "log_index": n % 7,
            "contract": "Registrations",
            "name": "RegistrationSubmitted",
            "scope": f"registration:{n}",
            "registration_id": n if n % 3 else None,
            "actor": None if n % 5 == 0 else f"0x{n:040x}",
            "args": {"registrationId": n, "parents": [1, 2], "title": '数据\t\\ "quoted"\n', "flag": n % 2 == 0},
        }
        for n in range(count)
    ]


def _registrations(count: int) -> list[dict[str, Any]]:
    """Registration rows without `open_objections`, so that its constant default is filled in by the writer."""
    return [
        {
            "id": n,
            "registrant": f"0x{n:040x}",
            "authority_id": 1,
            "kind": 1,
            "origin": 2,
            "grade": 3,
            "personal_info": n % 2 == 0,
            "rights": 7,
            "status": Status.SUBMITTED.code,
            "version": 0,
            "manifest_digest": f"0x{n:064x}",
            "data_commitment": f"0x{n + 5:064x}",
            "submitted_block": 10,
            "submitted_tx": f"0x{n:064x}",
            "submitted_at": 1_700_000_000,
            "updated_block": 10,
        }
        for n in range(count)
    ]


def _write(sessions: sessionmaker[Session], count: int, *, core: bool = False) -> None:
    """The rows by `insert_rows`, or (`core`) by SQLAlchemy's own executemany of a Core INSERT: the reference."""
    with sessions.begin() as session:
        for table, rows in ((ChainEvent, _events(count)), (RegistrationRow, _registrations(count))):
            if core:
                session.connection().execute(insert(table.__table__), rows)  # type: ignore[arg-type]
            else:
                insert_rows(session, table, rows)


def test_rows_written_in_bulk_on_either_engine_equal_the_rows_a_core_insert_writes(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    count = BULK_MIN_ROWS * 2
    reference = _database(tmp_path / "reference.db")
    on_sqlite = _database(tmp_path / "sqlite.db")
    engine = make_engine(fresh_postgres_url)
    upgrade_schema(engine)
    on_postgresql = make_sessionmaker(engine)
    try:
        _write(reference, count, core=True)
        _write(on_sqlite, count)
        _write(on_postgresql, count)
        assert _dump(on_sqlite) == _dump(reference)
        assert _dump(on_postgresql) == _dump(reference)
        for sessions in (on_sqlite, on_postgresql):
            with sessions() as session:
                assert session.scalar(select(func.count()).select_from(RegistrationRow)) == count
                assert set(session.scalars(select(RegistrationRow.open_objections))) == {0}
                stored = session.scalars(select(ChainEvent.args).order_by(ChainEvent.tx_hash)).all()
            assert stored == [row["args"] for row in sorted(_events(count), key=lambda row: row["tx_hash"])]
    finally:
        engine.dispose()


def test_a_bulk_write_that_repeats_stored_events_fails_whole_and_leaves_the_stored_ones_alone(
    empty_database_url: str,
) -> None:
    """The guard against indexing a range twice is the unique (tx_hash, log_index): the bulk write checks it as the
    INSERT does, and fails as it does."""
    count = BULK_MIN_ROWS * 2
    engine = make_engine(empty_database_url)
    upgrade_schema(engine)
    sessions = make_sessionmaker(engine)
    try:
        with sessions.begin() as session:
            insert_rows(session, ChainEvent, _events(count))
        with pytest.raises(IntegrityError), sessions.begin() as session:
            insert_rows(session, ChainEvent, _events(count + BULK_MIN_ROWS)[count // 2 :])
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(ChainEvent)) == count
    finally:
        engine.dispose()


def test_a_history_indexed_with_every_insert_in_bulk_equals_one_indexed_by_core_inserts_on_both_engines(
    chain: tuple[Web3, Deployment], tmp_path: Path, fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3, deployment = chain
    history = History(w3, deployment, dev_account(0, LOCAL_CHAIN_ID))
    history.admit(3)
    drive_mixed_history(history, rounds=4, seed=17)
    drive_rights(history, seed=3)
    reference = _database(tmp_path / "reference.db")
    monkeypatch.setattr(projection, "BULK_MIN_ROWS", 10**9)
    ChainFollower(w3, deployment, reference, batch_blocks=9).sync()
    monkeypatch.setattr(projection, "BULK_MIN_ROWS", 1)
    with both_engines(tmp_path, fresh_postgres_url) as (on_sqlite, on_postgresql):
        for sessions in (on_sqlite, on_postgresql):
            ChainFollower(w3, deployment, sessions, batch_blocks=9).sync()
            assert _dump(sessions) == _dump(reference)
        assert _dump(reference)["events"], "the history wrote no event"
