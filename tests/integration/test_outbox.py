"""The outbox on a real anvil: exactly once, whatever crashes, with refusals decoded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.migrations import upgrade_schema
from ledger.outbox import IdempotencyConflictError, Outbox, OutboxAttempt, OutboxPolicy, OutboxStatus, OutboxWrite
from ledger.stack.anvil import anvil_process
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..conftest import free_port

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    upgrade_schema(make_engine(url))
    return url


def _outbox(w3: Web3, url: str, **policy: float) -> Outbox:
    return Outbox(make_sessionmaker(make_engine(url)), w3, {RELAYER.address: RELAYER}, OutboxPolicy(**policy))


def _admit_call(w3: Web3, deployment: Deployment, who: str) -> tuple[str, bytes]:
    access = deployment.contract(w3, "LedgerAccess")
    data = access.functions.admitParty(who, Web3.keccak(text=who))._encode_transaction_data()
    return deployment.ledger_access, bytes.fromhex(data[2:])


def _automine(w3: Web3, enabled: bool) -> None:
    w3.provider.make_request("evm_setAutomine", [enabled])  # type: ignore[arg-type]


@pytest.fixture
def manual_mining(private_chain: tuple[Web3, Deployment]) -> Iterator[None]:
    w3, _ = private_chain
    _automine(w3, False)
    yield
    _automine(w3, True)


def test_the_same_key_is_written_once_and_a_reused_key_for_another_write_is_refused(
    private_chain: tuple[Web3, Deployment], database_url: str
) -> None:
    w3, deployment = private_chain
    outbox = _outbox(w3, database_url)
    to, data = _admit_call(w3, deployment, dev_account(5, LOCAL_CHAIN_ID).address)
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    first = outbox.enqueue("admit-5", RELAYER.address, to, data, "admitParty")
    again = outbox.enqueue("admit-5", RELAYER.address, to, data, "admitParty")
    assert first == again
    assert outbox.wait("admit-5").status is OutboxStatus.MINED
    outbox.enqueue("admit-5", RELAYER.address, to, data, "admitParty")
    outbox.run_once()
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + 1
    with pytest.raises(IdempotencyConflictError):
        outbox.enqueue("admit-5", RELAYER.address, to, data + b"\x00", "admitParty")


def test_a_write_the_contract_refuses_is_recorded_with_its_error_and_uses_no_nonce(
    private_chain: tuple[Web3, Deployment], database_url: str
) -> None:
    w3, deployment = private_chain
    outbox = _outbox(w3, database_url)
    registry = deployment.contract(w3, "Registrations")
    data = bytes.fromhex(registry.functions.accept(999)._encode_transaction_data()[2:])
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    outbox.enqueue("accept-999", RELAYER.address, deployment.registrations, data, "accept")
    result = outbox.wait("accept-999")
    assert result.status is OutboxStatus.REFUSED
    assert result.error == "UnknownRegistration(999)"
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before


def test_a_write_that_reverts_in_its_block_is_recorded_with_the_decoded_error(
    private_chain: tuple[Web3, Deployment], database_url: str, manual_mining: None
) -> None:
    w3, deployment = private_chain
    outbox = _outbox(w3, database_url)
    registry = deployment.contract(w3, "Registrations")
    account = dev_account(6, LOCAL_CHAIN_ID).address
    data = bytes.fromhex(
        registry.functions.registerAuthority(account, b"\x01" * 32, 86_400, 86_400)._encode_transaction_data()[2:]
    )
    outbox.enqueue("authority-a", RELAYER.address, deployment.registrations, data, "registerAuthority")
    outbox.enqueue("authority-b", RELAYER.address, deployment.registrations, data, "registerAuthority")
    outbox.run_once()
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    outbox.run_once()
    assert outbox.result("authority-a").status is OutboxStatus.MINED  # type: ignore[union-attr]
    second = outbox.result("authority-b")
    assert second is not None
    assert second.status is OutboxStatus.REVERTED
    assert second.error == f"AccountAlreadyAuthority({account})"


def test_a_crash_between_persisting_and_broadcasting_resends_the_same_transaction(
    private_chain: tuple[Web3, Deployment], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3, deployment = private_chain
    crashing = _outbox(w3, database_url)
    to, data = _admit_call(w3, deployment, dev_account(7, LOCAL_CHAIN_ID).address)
    crashing.enqueue("admit-7", RELAYER.address, to, data, "admitParty")
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)

    def crash(raw: bytes) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(crashing, "_broadcast", crash)
    with pytest.raises(KeyboardInterrupt):
        crashing.run_once()
    pending = crashing.result("admit-7")
    assert pending is not None
    assert pending.status is OutboxStatus.PENDING

    result = _outbox(w3, database_url).wait("admit-7")
    assert result.status is OutboxStatus.MINED
    assert result.tx_hash == pending.tx_hash
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + 1


def test_a_crash_midway_through_broadcasting_a_batch_resends_the_rest_with_the_same_hashes_and_no_gap(
    private_chain: tuple[Web3, Deployment], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3, deployment = private_chain
    crashing = _outbox(w3, database_url)
    keys = [f"batch-{i}" for i in range(4)]
    for i, key in enumerate(keys):
        to, data = _admit_call(w3, deployment, dev_account(20 + i, LOCAL_CHAIN_ID).address)
        crashing.enqueue(key, RELAYER.address, to, data, "admitParty")
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    broadcast = crashing._broadcast
    sent: list[bytes] = []

    def crash_after_two(raw: bytes) -> None:
        if len(sent) == 2:
            raise KeyboardInterrupt("power cut")
        sent.append(raw)
        broadcast(raw)

    monkeypatch.setattr(crashing, "_broadcast", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        crashing.run_once()
    signed = [crashing.result(key) for key in keys]
    assert all(write is not None and write.status is OutboxStatus.PENDING for write in signed)
    # Two were broadcast: anvil has them, mined or not yet (it mines a moment after accepting).
    assert w3.eth.get_transaction_count(RELAYER.address, "pending") == nonce_before + 2

    restarted = _outbox(w3, database_url)
    results = [restarted.wait(key) for key in keys]
    assert all(result.status is OutboxStatus.MINED for result in results)
    assert [result.tx_hash for result in results] == [write.tx_hash for write in signed if write is not None]
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + 4
    with make_sessionmaker(make_engine(database_url))() as session:
        nonces = session.scalars(select(OutboxWrite.nonce).where(OutboxWrite.idempotency_key.in_(keys))).all()
    assert sorted(nonces) == list(range(nonce_before, nonce_before + 4))


def test_a_worker_killed_between_send_and_receipt_resumes_without_duplicate_or_gap(
    private_chain: tuple[Web3, Deployment], database_url: str, manual_mining: None
) -> None:
    w3, deployment = private_chain
    keys = [f"kill-{i}" for i in range(4)]
    calls = [_admit_call(w3, deployment, dev_account(10 + i, LOCAL_CHAIN_ID).address) for i in range(4)]
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    worker = textwrap.dedent(f"""
        import threading
        from web3 import Web3
        from ledger.db import make_engine, make_sessionmaker
        from ledger.outbox import Outbox
        from ledger.stack.devkeys import dev_account
        relayer = dev_account(0, 31337)
        outbox = Outbox(make_sessionmaker(make_engine({database_url!r})),
                        Web3(Web3.HTTPProvider({w3.provider.endpoint_uri!r})), {{relayer.address: relayer}})
        for key, (to, data) in zip({keys!r}, {[(to, data.hex()) for to, data in calls]!r}):
            outbox.enqueue(key, relayer.address, to, bytes.fromhex(data), "admitParty")
        outbox.run_forever(threading.Event())
    """)
    process = subprocess.Popen([sys.executable, "-c", worker], start_new_session=True)
    sessions = make_sessionmaker(make_engine(database_url))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sessions() as session:
            statuses = session.scalars(select(OutboxWrite.status).where(OutboxWrite.idempotency_key.in_(keys))).all()
        if len(statuses) == 4 and all(status == OutboxStatus.PENDING for status in statuses):
            break
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert len(statuses) == 4

    _automine(w3, True)
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    outbox = _outbox(w3, database_url)
    results = [outbox.wait(key) for key in keys]
    assert all(result.status is OutboxStatus.MINED for result in results)
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + 4
    with sessions() as session:
        nonces = session.scalars(select(OutboxWrite.nonce).where(OutboxWrite.idempotency_key.in_(keys))).all()
        attempts = session.scalars(select(OutboxAttempt)).all()
    assert sorted(nonces) == list(range(nonce_before, nonce_before + 4))
    assert len(attempts) == 4


def test_a_stuck_transaction_is_replaced_with_higher_fees(
    private_chain: tuple[Web3, Deployment], database_url: str, manual_mining: None
) -> None:
    w3, deployment = private_chain
    outbox = _outbox(w3, database_url, replace_after=0.0)
    to, data = _admit_call(w3, deployment, dev_account(8, LOCAL_CHAIN_ID).address)
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    outbox.enqueue("admit-8", RELAYER.address, to, data, "admitParty")
    outbox.run_once()
    first = outbox.result("admit-8")
    outbox.run_once()
    replaced = outbox.result("admit-8")
    assert first is not None
    assert replaced is not None
    assert replaced.tx_hash != first.tx_hash
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    settled = outbox.wait("admit-8")
    assert settled.status is OutboxStatus.MINED
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + 1
    assert settled.tx_hash == replaced.tx_hash
    with make_sessionmaker(make_engine(database_url))() as session:
        fees = session.scalars(select(OutboxAttempt.max_priority_fee_per_gas).order_by(OutboxAttempt.id)).all()
    assert len(fees) == 2
    assert fees[1] > fees[0]


def test_a_write_accepted_while_the_chain_is_down_goes_through_when_it_is_back(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 2}))
    outbox = _outbox(w3, database_url)
    recipient = dev_account(9, LOCAL_CHAIN_ID).address
    outbox.enqueue("while-down", RELAYER.address, recipient, b"", "ping")
    outbox.run_once()
    queued = outbox.result("while-down")
    assert queued is not None
    assert queued.status is OutboxStatus.QUEUED
    with anvil_process(tmp_path, port, LOCAL_CHAIN_ID, persist=False):
        assert outbox.wait("while-down").status is OutboxStatus.MINED
