"""The event index: incremental equals rebuilt, reorganisations are undone, queries need no chain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.index.follower import ChainFollower, reset_index
from ledger.index.tables import STATE_TABLES, ChainEvent, RegistrationRow, RightRow
from ledger.migrations import upgrade_schema
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.vocabulary import Status

from .history import History, drive_mixed_history, drive_rights

pytestmark = pytest.mark.integration


def _database(path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    return make_sessionmaker(engine)


@contextmanager
def both_engines(tmp_path: Path, postgres_url: str) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    """A migrated SQLite index and a migrated PostgreSQL one, both empty."""
    engine = make_engine(postgres_url)
    upgrade_schema(engine)
    try:
        yield _database(tmp_path / "sqlite.db"), make_sessionmaker(engine)
    finally:
        engine.dispose()


def _dump(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every state row and every event, as comparable tuples (ids of event rows left out)."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with sessions() as session:
        for table in STATE_TABLES:
            columns = [column.name for column in table.__table__.columns]  # type: ignore[attr-defined]
            rows = session.execute(select(*[getattr(table, name) for name in columns])).all()
            dump[table.__tablename__] = sorted(tuple(map(repr, row)) for row in rows)
        events = session.scalars(select(ChainEvent).order_by(ChainEvent.block_number, ChainEvent.log_index)).all()
        dump["events"] = [(e.block_number, e.block_hash, e.tx_hash, e.log_index, e.name, repr(e.args)) for e in events]
    return dump


def test_an_index_rebuilt_from_the_chain_equals_the_incremental_one_after_a_long_mixed_history(
    chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = chain
    incremental = _database(tmp_path / "incremental.db")
    follower = ChainFollower(w3, deployment, incremental, batch_blocks=7)
    history = History(w3, deployment, dev_account(0, LOCAL_CHAIN_ID))
    history.admit(4)
    for round_number in range(6):
        drive_mixed_history(history, rounds=6, seed=len(history.registrants) + history.counter)
        drive_rights(history, seed=round_number)
        follower.sync()

    rebuilt = _database(tmp_path / "rebuilt.db")
    ChainFollower(w3, deployment, rebuilt).sync()
    assert _dump(incremental) == _dump(rebuilt)

    reset_index(incremental)
    ChainFollower(w3, deployment, incremental, batch_blocks=50).sync()
    assert _dump(incremental) == _dump(rebuilt)

    with rebuilt() as session:
        statuses = {Status.of(row.status) for row in session.scalars(select(RegistrationRow))}
        names = set(session.scalars(select(ChainEvent.name)))
    assert {Status.REJECTED, Status.CERTIFIED, Status.REVOKED, Status.CANCELLED} <= statuses
    assert {"RegistrationChanged", "ObjectionResolved", "RootAnchored", "Transfer", "PartyAdmitted"} <= names
    assert {
        "RightTransferred",
        "LicenceGranted",
        "RightEncumbered",
        "EncumbranceReleased",
        "ReportEndorsed",
        "CertificateReissued",
    } <= names
    with rebuilt() as session:
        holders = {(row.registration_id, row.right): row.holder for row in session.scalars(select(RightRow))}
    for (registration_id, right), holder in holders.items():
        on_chain = deployment.contract(w3, "Rights").functions.holderOf(registration_id, right).call()
        assert on_chain == holder


def test_an_index_built_on_postgresql_holds_the_same_rows_as_one_built_on_sqlite(
    chain: tuple[Web3, Deployment], tmp_path: Path, fresh_postgres_url: str
) -> None:
    """The follower's bulk inserts and the projection's updates behave alike on both engines the ledger supports
    (JSON arguments, booleans, defaults): a history indexed on each must end with the same rows."""
    w3, deployment = chain
    history = History(w3, deployment, dev_account(0, LOCAL_CHAIN_ID))
    history.admit(3)
    drive_mixed_history(history, rounds=4, seed=7)
    drive_rights(history, seed=1)
    with both_engines(tmp_path, fresh_postgres_url) as (on_sqlite, on_postgresql):
        for sessions in (on_sqlite, on_postgresql):
            ChainFollower(w3, deployment, sessions, batch_blocks=9).sync()
        assert _dump(on_postgresql) == _dump(on_sqlite)
        assert _dump(on_sqlite)["events"], "the history wrote no event"


def test_a_reorganisation_is_detected_and_the_index_rewound_to_equal_a_fresh_build(
    chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = chain
    history = History(w3, deployment, dev_account(0, LOCAL_CHAIN_ID))
    history.admit(3)
    drive_mixed_history(history, rounds=4, seed=1)
    index = _database(tmp_path / "index.db")
    follower = ChainFollower(w3, deployment, index)
    follower.sync()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]

    drive_mixed_history(history, rounds=5, seed=2)
    follower.sync()
    assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True  # type: ignore[arg-type]
    history.counter += 100
    drive_mixed_history(history, rounds=6, seed=3)

    report = follower.sync()
    assert report.rewound_to is not None
    fresh = _database(tmp_path / "fresh.db")
    ChainFollower(w3, deployment, fresh).sync()
    assert _dump(index) == _dump(fresh)
