"""A write queued in a process that does not lead wakes the leader's worker: it does not wait for its next poll."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.doorbell import Doorbell, doorbell_for
from ledger.leadership import Leadership, lease_for
from ledger.outbox import Outbox, OutboxPolicy, OutboxStatus
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from .test_leadership import _until

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)
POLL = 30.0  # the leader's fallback poll: far longer than the test waits for the write


@pytest.fixture
def database_url(migrated_database_url: str) -> str:
    return migrated_database_url


def _process(database_url: str, w3: Web3, leadership: Leadership) -> tuple[Engine, Doorbell, Outbox]:
    """What one service process holds: its own engine, doorbell and outbox over the shared database."""
    engine = make_engine(database_url)
    doorbell = doorbell_for(database_url, engine)
    outbox = Outbox(
        make_sessionmaker(engine),
        w3,
        {RELAYER.address: RELAYER},
        OutboxPolicy(poll_interval=POLL),
        leadership.permit,
        doorbell=doorbell,
    )
    return engine, doorbell, outbox


def test_a_write_queued_by_a_process_that_does_not_lead_is_sent_before_the_leaders_next_poll(
    private_chain: tuple[Web3, Deployment], database_url: str
) -> None:
    """The HTTP worker processes of `drl serve --workers N` and standby instances queue writes the leader sends:
    woken only by its poll, the leader added half a second to every registration (536 ms against 106 ms)."""
    w3, deployment = private_chain
    access = deployment.contract(w3, "LedgerAccess")
    leader = Leadership(lease_for(database_url), heartbeat=0.1)
    leader_engine, leader_doorbell, leader_outbox = _process(database_url, w3, leader)
    worker = Leadership(lease_for(database_url))  # another process: it does not campaign for the lease
    worker_engine, worker_doorbell, worker_outbox = _process(database_url, w3, worker)
    stop = threading.Event()
    threads = [leader.campaign(stop)]
    who = dev_account(300, LOCAL_CHAIN_ID).address
    data = bytes.fromhex(access.functions.admitParty(who, Web3.keccak(text=who))._encode_transaction_data()[2:])
    try:
        _until(lambda: leader.leading)
        threads.append(threading.Thread(target=leader_outbox.run_forever, args=(stop,), daemon=True))
        threads[-1].start()
        _until(lambda: leader_doorbell.answering)  # its first pass is over: it sleeps until woken or POLL is up
        worker_outbox.enqueue("doorbell-1", RELAYER.address, deployment.ledger_access, data, "admitParty")
        result = worker_outbox.wait("doorbell-1", timeout=POLL / 2)
    finally:
        stop.set()
        worker_doorbell.ring()  # the leader's idle worker sees `stop` when woken, not before its POLL is up
        for thread in threads:
            thread.join(timeout=10)
        leader.close()
        worker.close()
        leader_engine.dispose()
        worker_engine.dispose()
    assert result.status is OutboxStatus.MINED, result
    assert not leader_doorbell.answering  # a worker that stopped hangs up
