"""Evidence of drafts never submitted is unpinned after the configured time, on a real Kubo (clock injected)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ledger import draft_pins
from ledger.db import make_engine, make_sessionmaker
from ledger.ipfs import IpfsClient
from ledger.migrations import upgrade_schema

pytestmark = pytest.mark.integration
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'pins.db'}")
    upgrade_schema(engine)
    return make_sessionmaker(engine)


def _pinned_file(ipfs: IpfsClient, folder: Path, name: str) -> str:
    path = folder / name
    path.write_bytes(os.urandom(2048))
    return ipfs.add_file(path)


def test_evidence_of_a_draft_idle_past_the_limit_is_unpinned_unless_another_draft_holds_it(
    kubo_api: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with IpfsClient(kubo_api) as ipfs:
        only_abandoned, shared, submitted = (_pinned_file(ipfs, tmp_path, n) for n in ("a", "b", "c"))
        with sessions.begin() as session:
            draft_pins.hold(session, "abandoned", only_abandoned, now=START)
            draft_pins.hold(session, "abandoned", shared, now=START)
            draft_pins.hold(session, "recent", shared, now=START + timedelta(days=29))
            draft_pins.hold(session, "submitted", submitted, now=START)
            draft_pins.settle(session, "submitted", now=START + timedelta(days=1))

        assert draft_pins.expire_unsubmitted(sessions, ipfs, days=30, now=START + timedelta(days=29)) == []
        assert ipfs.is_pinned(only_abandoned)

        expired = draft_pins.expire_unsubmitted(sessions, ipfs, days=30, now=START + timedelta(days=31))

        assert expired == ["abandoned"]
        assert not ipfs.is_pinned(only_abandoned)
        assert ipfs.is_pinned(shared)
        assert ipfs.is_pinned(submitted)
        with sessions() as session:
            assert draft_pins.is_expired(session, "abandoned")
            assert not draft_pins.is_expired(session, "recent")
            assert not draft_pins.is_expired(session, "submitted")
        # Run again (the worker runs it every hour): nothing more to do.
        assert draft_pins.expire_unsubmitted(sessions, ipfs, days=30, now=START + timedelta(days=40)) == []
