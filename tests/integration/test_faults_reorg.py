"""A chain reorganisation (anvil's snapshot and revert): a write that fell out is sent again exactly once, the
index holds only final blocks, and after the reorganisation it equals a fresh build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.chain.finality import final_block
from ledger.index.follower import ChainFollower
from ledger.index.tables import ChainEvent
from ledger.outbox import Outbox, OutboxAttempt, OutboxPolicy, OutboxStatus, OutboxWrite
from ledger.reorg import StandingWrites, requeue_orphaned_writes
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from .test_index import _database, _dump

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)
CONFIRMATIONS = 3


def _rpc(w3: Web3, method: str, *params: Any) -> Any:
    return w3.provider.make_request(method, list(params))["result"]  # type: ignore[arg-type]


def _admit(w3: Web3, deployment: Deployment, outbox: Outbox, key: str, index: int) -> None:
    who = dev_account(index, LOCAL_CHAIN_ID).address
    call = deployment.contract(w3, "LedgerAccess").functions.admitParty(who, Web3.keccak(text=who))
    outbox.enqueue(
        key, RELAYER.address, deployment.ledger_access, bytes.fromhex(call._encode_transaction_data()[2:]), "admit"
    )


def _events_of(sessions: sessionmaker[Session], tx_hash: str) -> int:
    with sessions() as session:
        return len(session.scalars(select(ChainEvent).where(ChainEvent.tx_hash == tx_hash)).all())


def test_a_write_that_fell_out_in_a_reorganisation_is_sent_again_exactly_once(
    chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = chain
    sessions = _database(tmp_path / "ledger.db")
    outbox = Outbox(sessions, w3, {RELAYER.address: RELAYER}, OutboxPolicy(poll_interval=0.05))
    follower = ChainFollower(w3, deployment, sessions, confirmations=CONFIRMATIONS)
    follower.sync()
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    snapshot = _rpc(w3, "evm_snapshot")

    _admit(w3, deployment, outbox, "survivor-to-be", 30)
    first = outbox.wait("survivor-to-be")
    assert first.status is OutboxStatus.MINED
    assert first.tx_hash is not None
    follower.sync()
    assert _events_of(sessions, first.tx_hash) == 0  # not final yet: the index does not report it

    assert _rpc(w3, "evm_revert", snapshot) is True
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before
    assert requeue_orphaned_writes(sessions, w3, horizon=64) == ["survivor-to-be"]
    again = outbox.wait("survivor-to-be")
    assert again.status is OutboxStatus.MINED
    assert again.tx_hash == first.tx_hash  # the stored bytes, not a new transaction
    assert requeue_orphaned_writes(sessions, w3, horizon=64) == []
    outbox.run_once()
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + 1
    with sessions() as session:
        assert len(session.scalars(select(OutboxAttempt)).all()) == 1

    for _ in range(CONFIRMATIONS):
        _rpc(w3, "evm_mine")
    follower.sync()
    assert _events_of(sessions, first.tx_hash) == 1
    fresh = _database(tmp_path / "fresh.db")
    ChainFollower(w3, deployment, fresh, confirmations=CONFIRMATIONS).sync()
    assert _dump(sessions) == _dump(fresh)


def test_a_reorganisation_below_the_final_block_is_rewound_and_what_fell_out_sent_again(
    chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    w3, deployment = chain
    sessions = _database(tmp_path / "ledger.db")
    outbox = Outbox(sessions, w3, {RELAYER.address: RELAYER}, OutboxPolicy(poll_interval=0.05))
    follower = ChainFollower(w3, deployment, sessions)  # depth 0: the head is final, so a reorganisation undoes it
    snapshot = _rpc(w3, "evm_snapshot")
    keys = [f"deep-{i}" for i in range(3)]
    for index, key in enumerate(keys):
        _admit(w3, deployment, outbox, key, 40 + index)
    mined = [outbox.wait(key) for key in keys]
    follower.sync()
    assert all(_events_of(sessions, result.tx_hash or "") == 1 for result in mined)
    standing = StandingWrites()  # as the leader keeps it: writes found on chain are not asked for again...
    assert requeue_orphaned_writes(sessions, w3, 64, standing) == []
    assert requeue_orphaned_writes(sessions, w3, 64, standing) == []
    assert len(standing.write_ids) == len(keys)

    assert _rpc(w3, "evm_revert", snapshot) is True
    _rpc(w3, "evm_mine")  # another branch, one block long
    # ...until their highest block is no longer the chain's
    assert sorted(requeue_orphaned_writes(sessions, w3, 64, standing)) == keys
    assert all(outbox.wait(key).status is OutboxStatus.MINED for key in keys)
    report = follower.sync()
    assert report.rewound_to is not None
    with sessions() as session:
        nonces = sorted(session.scalars(select(OutboxWrite.nonce).where(OutboxWrite.idempotency_key.in_(keys))))
    assert nonces == sorted({*nonces})
    assert all(_events_of(sessions, result.tx_hash or "") == 1 for result in mined)
    fresh = _database(tmp_path / "fresh.db")
    ChainFollower(w3, deployment, fresh).sync()
    assert _dump(sessions) == _dump(fresh)


def test_the_final_block_is_the_clients_tagged_block_when_asked_for_a_tag_else_the_depth(
    chain: tuple[Web3, Deployment],
) -> None:
    w3, _ = chain
    head = w3.eth.block_number
    assert final_block(w3, 0) == head
    assert final_block(w3, 2) == head - 2
    assert final_block(w3, 2, "safe") == w3.eth.get_block("safe")["number"]  # anvil: 32 blocks back, or genesis
