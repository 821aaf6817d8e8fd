"""PostgreSQL's COPY writes the follower's append-only rows: the same rows an INSERT writes, the same constraints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.index import projection
from ledger.index.follower import ChainFollower
from ledger.index.projection import COPY_MIN_ROWS, insert_rows
from ledger.index.tables import ChainEvent, RegistrationRow
from ledger.migrations import upgrade_schema
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.vocabulary import Status

from .history import History, drive_mixed_history, drive_rights
from .test_index import _database, _dump

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


def _write(sessions: sessionmaker[Session], count: int) -> None:
    with sessions.begin() as session:
        insert_rows(session, ChainEvent, _events(count))
        insert_rows(session, RegistrationRow, _registrations(count))


def test_rows_copied_into_postgresql_equal_the_rows_an_insert_writes(tmp_path: Path, fresh_postgres_url: str) -> None:
    count = COPY_MIN_ROWS * 2
    on_sqlite = _database(tmp_path / "sqlite.db")
    engine = make_engine(fresh_postgres_url)
    upgrade_schema(engine)
    on_postgresql = make_sessionmaker(engine)
    try:
        _write(on_sqlite, count)
        _write(on_postgresql, count)
        assert _dump(on_postgresql) == _dump(on_sqlite)
        with on_postgresql() as session:
            assert session.scalar(select(func.count()).select_from(RegistrationRow)) == count
            assert set(session.scalars(select(RegistrationRow.open_objections))) == {0}
            stored = session.scalars(select(ChainEvent.args).order_by(ChainEvent.tx_hash)).all()
        assert stored == [row["args"] for row in sorted(_events(count), key=lambda row: row["tx_hash"])]
    finally:
        engine.dispose()


def test_a_copy_that_repeats_stored_events_fails_whole_and_leaves_the_stored_ones_alone(
    fresh_postgres_url: str,
) -> None:
    """The guard against indexing a range twice is the unique (tx_hash, log_index): COPY checks it as INSERT does."""
    count = COPY_MIN_ROWS * 2
    engine = make_engine(fresh_postgres_url)
    upgrade_schema(engine)
    sessions = make_sessionmaker(engine)
    try:
        with sessions.begin() as session:
            insert_rows(session, ChainEvent, _events(count))
        with pytest.raises(IntegrityError), sessions.begin() as session:
            insert_rows(session, ChainEvent, _events(count + COPY_MIN_ROWS)[count // 2 :])
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(ChainEvent)) == count
    finally:
        engine.dispose()


def test_a_history_indexed_with_every_insert_a_copy_on_postgresql_equals_one_indexed_on_sqlite(
    chain: tuple[Web3, Deployment], tmp_path: Path, fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection, "COPY_MIN_ROWS", 1)
    w3, deployment = chain
    history = History(w3, deployment, dev_account(0, LOCAL_CHAIN_ID))
    history.admit(3)
    drive_mixed_history(history, rounds=4, seed=17)
    drive_rights(history, seed=3)
    on_sqlite = _database(tmp_path / "sqlite.db")
    engine = make_engine(fresh_postgres_url)
    upgrade_schema(engine)
    on_postgresql = make_sessionmaker(engine)
    try:
        for sessions in (on_sqlite, on_postgresql):
            ChainFollower(w3, deployment, sessions, batch_blocks=9).sync()
        assert _dump(on_postgresql) == _dump(on_sqlite)
        assert _dump(on_sqlite)["events"], "the history wrote no event"
    finally:
        engine.dispose()
