"""The lease per transaction: a leader that loses its lease midway through a batch broadcasts none of the rest,
and the new leader sends the rest exactly once, from the signed bytes the old one stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from web3 import Web3
from web3.exceptions import TransactionNotFound
from web3.types import RPCEndpoint

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.leadership import AdvisoryLockLease, Leadership, leader_on
from ledger.migrations import upgrade_schema
from ledger.outbox import Outbox, OutboxAttempt, OutboxPolicy, OutboxStatus, OutboxWrite
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)
BATCH = 8
CUT_AFTER = 3  # broadcasts of the batch that leave before the lease is lost


def _until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s")
        time.sleep(0.05)


class CutAfterBroadcasts(Web3.HTTPProvider):
    """A provider to the real node that runs `cut` once `after` transactions went through it."""

    def __init__(self, url: str, after: int, cut: Callable[[], None]) -> None:
        super().__init__(url)
        self.sent = 0
        self._after = after
        self._cut = cut

    def make_request(self, method: RPCEndpoint, params: Any) -> Any:
        response = super().make_request(method, params)
        if method == "eth_sendRawTransaction":
            self.sent += 1
            if self.sent == self._after:
                self._cut()
        return response


def _end_lease_sessions(url: str, holder: str) -> None:
    """Ends the server session that holds `holder`'s lease (as a network cut or an admin would) and waits until
    the server has closed it."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"drl-leader {holder}"
    try:
        with admin.connect() as connection:
            ended = connection.scalar(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": name},
            )
            assert ended == 1

            def gone() -> bool:
                query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
                return connection.scalar(query, {"name": name}) == 0

            _until(gone)
    finally:
        admin.dispose()


@pytest.fixture
def database_url(fresh_postgres_url: str) -> str:
    upgrade_schema(make_engine(fresh_postgres_url))
    return fresh_postgres_url


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def _leader(url: str, holder: str, stop: threading.Event, heartbeat: float) -> Leadership:
    leadership = Leadership(AdvisoryLockLease(url, holder=holder), heartbeat=heartbeat)
    leadership.campaign(stop)
    return leadership


def _admit_calls(w3: Web3, deployment: Deployment, count: int, first: int) -> list[bytes]:
    access = deployment.contract(w3, "LedgerAccess")
    calls = []
    for index in range(first, first + count):
        who = dev_account(index, LOCAL_CHAIN_ID).address
        calls.append(
            bytes.fromhex(access.functions.admitParty(who, Web3.keccak(text=who))._encode_transaction_data()[2:])
        )
    return calls


def test_a_leader_that_loses_its_lease_midway_through_a_batch_sends_none_of_the_rest_and_the_new_one_sends_it_once(
    private_chain: tuple[Web3, Deployment], database_url: str, stop: threading.Event
) -> None:
    w3, deployment = private_chain
    sessions = make_sessionmaker(make_engine(database_url))
    old = _leader(database_url, "old", stop, heartbeat=30)  # its own check is far away: only the fence can notice
    _until(lambda: old.leading)
    provider = CutAfterBroadcasts(w3.provider.endpoint_uri, CUT_AFTER, lambda: _end_lease_sessions(database_url, "old"))  # type: ignore[attr-defined]
    signers = {RELAYER.address: RELAYER}
    old_outbox = Outbox(sessions, Web3(provider), signers, OutboxPolicy(), permit=old.permit, fence=old.fence)
    keys = [f"fenced-{index}" for index in range(BATCH)]
    for key, data in zip(keys, _admit_calls(w3, deployment, BATCH, 200), strict=True):
        old_outbox.enqueue(key, RELAYER.address, deployment.ledger_access, data, "admitParty")
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)

    old_outbox.run_once()  # one pass: the whole batch signed and stored, then broadcast until the lease is lost

    assert provider.sent == CUT_AFTER
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + CUT_AFTER
    with sessions() as session:
        writes = {write.idempotency_key: write for write in session.scalars(select(OutboxWrite))}
        assert all(writes[key].status == OutboxStatus.PENDING for key in keys)  # the rest is signed and stored
        unsent = [str(writes[key].tx_hash) for key in keys[CUT_AFTER:]]
    for tx_hash in unsent:
        with pytest.raises(TransactionNotFound):
            w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]

    new = _leader(database_url, "new", stop, heartbeat=0.1)
    _until(lambda: new.leading)
    new_outbox = Outbox(sessions, w3, signers, OutboxPolicy(), permit=new.permit, fence=new.fence)
    results = [new_outbox.wait(key, timeout=60) for key in keys]
    old_outbox.run_once()  # the old leader, still believing it leads until its next check, sends nothing more

    assert all(result.status is OutboxStatus.MINED for result in results)
    assert provider.sent == CUT_AFTER
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + BATCH
    with sessions() as session:
        nonces = sorted(n for n in session.scalars(select(OutboxWrite.nonce)) if n is not None)
        attempts = session.scalars(select(OutboxAttempt.tx_hash)).all()
    assert nonces == list(range(nonce_before, nonce_before + BATCH))
    assert len(attempts) == BATCH  # the new leader re-sent the stored bytes, never signed anew
    assert [result.tx_hash for result in results[CUT_AFTER:]] == unsent
    old.close()
    new.close()


def test_a_unit_of_work_begun_before_the_lease_was_lost_may_not_go_on_after_it_was_taken_again(
    database_url: str, stop: threading.Event
) -> None:
    leadership = _leader(database_url, "flapping", stop, heartbeat=0.1)
    _until(lambda: leadership.leading)
    with leadership.permit() as leading:
        assert leading
        assert leadership.fence()
        _end_lease_sessions(database_url, "flapping")
        _until(lambda: leader_on(database_url) == "flapping", timeout=10)  # the campaign took the lease again...
        assert leadership.leading
        assert not leadership.fence()  # ...in a new term: the unit begun in the old one stays fenced off
    with leadership.permit() as leading:
        assert leading
        assert leadership.fence()  # a unit begun in the new term may go on
    leadership.close()
