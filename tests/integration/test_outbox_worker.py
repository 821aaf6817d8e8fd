"""The outbox worker on a real anvil: it survives what it meets, says why it is stuck, and never overpays."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.migrations import upgrade_schema
from ledger.outbox import Outbox, OutboxPolicy, OutboxStatus, WorkerProblem
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)
FAST = {"poll_interval": 0.05, "backoff_ceiling": 0.2}


def _until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


def _admit(w3: Web3, deployment: Deployment, outbox: Outbox, key: str, account: int) -> None:
    who = dev_account(account, LOCAL_CHAIN_ID).address
    data = deployment.contract(w3, "LedgerAccess").functions.admitParty(who, Web3.keccak(text=key))
    encoded = bytes.fromhex(data._encode_transaction_data()[2:])
    outbox.enqueue(key, RELAYER.address, deployment.ledger_access, encoded, "admitParty")


def _mined(outbox: Outbox, key: str) -> bool:
    result = outbox.result(key)
    return result is not None and result.status is OutboxStatus.MINED


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    upgrade_schema(make_engine(url))
    return url


@pytest.fixture
def worker() -> Iterator[Callable[[Outbox], threading.Thread]]:
    """Starts `run_forever` in a thread, as `drl serve` does; stops and joins it after the test."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(outbox: Outbox) -> threading.Thread:
        thread = threading.Thread(target=outbox.run_forever, args=(stop,), daemon=True)
        thread.start()
        threads.append(thread)
        return thread

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def test_an_unfunded_relayer_leaves_the_worker_alive_reporting_why_and_funding_it_lets_the_write_through(
    private_chain: tuple[Web3, Deployment], database_url: str, worker: Callable[[Outbox], threading.Thread]
) -> None:
    w3, deployment = private_chain
    outbox = Outbox(make_sessionmaker(make_engine(database_url)), w3, {RELAYER.address: RELAYER}, OutboxPolicy(**FAST))
    balance = w3.eth.get_balance(RELAYER.address)
    w3.provider.make_request("anvil_setBalance", [RELAYER.address, hex(0)])  # type: ignore[arg-type]
    try:
        thread = worker(outbox)
        _admit(w3, deployment, outbox, "unfunded", 11)
        _until(lambda: WorkerProblem.INSUFFICIENT_FUNDS in outbox.health().problems)
        assert thread.is_alive()
        assert outbox.health().running
        assert not _mined(outbox, "unfunded")
    finally:
        w3.provider.make_request("anvil_setBalance", [RELAYER.address, hex(balance)])  # type: ignore[arg-type]
    _until(lambda: _mined(outbox, "unfunded"))
    _until(lambda: not outbox.health().problems)
    assert thread.is_alive()


def test_a_database_pool_timeout_leaves_the_worker_alive_and_it_resumes_when_connections_free_up(
    private_chain: tuple[Web3, Deployment], database_url: str, worker: Callable[[Outbox], threading.Thread]
) -> None:
    """The fault 16 concurrent clients caused: every pooled connection taken, the worker's checkout times out."""
    w3, deployment = private_chain
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA busy_timeout=10000"))
    outbox = Outbox(make_sessionmaker(engine), w3, {RELAYER.address: RELAYER}, OutboxPolicy(**FAST))
    _admit(w3, deployment, outbox, "after-timeout", 12)
    held = engine.connect()  # the only connection of the pool
    try:
        thread = worker(outbox)
        _until(lambda: WorkerProblem.DATABASE_UNAVAILABLE in outbox.health().problems)
        assert thread.is_alive()
    finally:
        held.close()
    _until(lambda: _mined(outbox, "after-timeout"))
    assert thread.is_alive()
    assert outbox.health().problems == {}


def test_no_transaction_is_signed_above_the_fee_cap_and_the_write_waits_until_the_cap_allows_it(
    private_chain: tuple[Web3, Deployment], database_url: str, worker: Callable[[Outbox], threading.Thread]
) -> None:
    w3, deployment = private_chain
    sessions = make_sessionmaker(make_engine(database_url))
    base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
    capped = Outbox(sessions, w3, {RELAYER.address: RELAYER}, OutboxPolicy(max_fee_per_gas=base_fee // 2))
    _admit(w3, deployment, capped, "capped", 13)
    nonce = w3.eth.get_transaction_count(RELAYER.address)
    assert capped.run_once() is False
    assert WorkerProblem.FEE_CAP in capped.health().problems
    result = capped.result("capped")
    assert result is not None
    assert result.status is OutboxStatus.QUEUED
    assert result.tx_hash is None
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce
    # A cap above the base fee but below the usual 2 x base fee: signed at the cap, and mined.
    cap = base_fee + base_fee // 2
    within = Outbox(sessions, w3, {RELAYER.address: RELAYER}, OutboxPolicy(max_fee_per_gas=cap, **FAST))
    worker(within)
    _until(lambda: _mined(within, "capped"))
    transaction = w3.eth.get_transaction(within.result("capped").tx_hash)  # type: ignore[union-attr]
    assert transaction["maxFeePerGas"] <= cap
