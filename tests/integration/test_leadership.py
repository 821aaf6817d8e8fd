"""One leader among the service instances: the lease on PostgreSQL and SQLite, takeover, and outboxes sharing a
database that never send twice nor leave a nonce gap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select, text
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.db import make_engine, make_sessionmaker
from ledger.leadership import AdvisoryLockLease, FileLease, Leadership, lease_for
from ledger.migrations import upgrade_schema
from ledger.outbox import Outbox, OutboxPolicy, OutboxStatus, OutboxWrite
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

pytestmark = pytest.mark.integration
RELAYER = dev_account(0, LOCAL_CHAIN_ID)


def _until(check: Callable[[], bool], timeout: float = 15.0) -> float:
    """Polls `check` until true; returns the seconds it took, or fails the test at the deadline."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not true within {timeout}s")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def database_url(migrated_database_url: str) -> str:
    return migrated_database_url


def test_only_one_holder_of_the_lease_at_a_time_and_a_released_lease_is_taken(database_url: str) -> None:
    first, second = lease_for(database_url), lease_for(database_url)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.still_held()
        assert not second.still_held()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.close()
        second.close()


def _holder(database_url: str) -> subprocess.Popen[bytes]:
    """A process that takes the lease, says so, and sleeps: a leader to kill."""
    script = textwrap.dedent(f"""
        import sys, time
        from ledger.leadership import lease_for
        lease = lease_for({database_url!r})
        assert lease.try_acquire()
        print("leading", flush=True)
        time.sleep(600)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, start_new_session=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"leading"
    return process


def test_a_leader_killed_with_sigkill_is_replaced_within_a_few_seconds(database_url: str) -> None:
    holder = _holder(database_url)
    standby = Leadership(lease_for(database_url), heartbeat=0.2)
    stop = threading.Event()
    campaign = standby.campaign(stop)
    try:
        time.sleep(0.5)
        assert not standby.leading
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()
        took = _until(lambda: standby.leading, timeout=10)
        assert took < 5
    finally:
        stop.set()
        campaign.join(timeout=10)
        standby.close()
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)


def test_a_leader_whose_database_session_ends_stops_leading_at_once(fresh_postgres_url: str) -> None:
    lease = AdvisoryLockLease(fresh_postgres_url)
    leadership = Leadership(lease, heartbeat=30)  # the campaign's own check is far away: the permit must notice
    stop = threading.Event()
    campaign = leadership.campaign(stop)
    admin = create_engine(fresh_postgres_url, isolation_level="AUTOCOMMIT")
    try:
        _until(lambda: leadership.leading)
        with admin.connect() as connection:
            ended = connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name LIKE 'drl-leader%' AND datname = current_database()"
                )
            )
        assert ended == 1
        with leadership.permit() as leading:
            assert not leading
        assert not leadership.leading
        other = AdvisoryLockLease(fresh_postgres_url)
        assert other.try_acquire()
        other.close()
    finally:
        stop.set()
        campaign.join(timeout=10)
        leadership.close()
        admin.dispose()


def test_a_process_that_does_not_campaign_works_only_when_nobody_leads_and_keeps_no_lease(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db.leader"
    command_line = Leadership(FileLease(path))
    with command_line.permit() as leading:
        assert leading
    service = Leadership(FileLease(path), heartbeat=0.1)
    stop = threading.Event()
    campaign = service.campaign(stop)
    try:
        _until(lambda: service.leading)
        with command_line.permit() as leading:
            assert not leading
    finally:
        stop.set()
        campaign.join(timeout=10)
        service.close()


@pytest.fixture
def instances(private_chain: tuple[Web3, Deployment], database_url: str) -> Iterator[list[tuple[Leadership, Outbox]]]:
    """Two outboxes on one database, each behind a leadership campaigning for the same lease."""
    w3, _ = private_chain
    pairs: list[tuple[Leadership, Outbox]] = []
    for _ in range(2):
        leadership = Leadership(lease_for(database_url), heartbeat=0.2)
        outbox = Outbox(
            make_sessionmaker(make_engine(database_url)),
            w3,
            {RELAYER.address: RELAYER},
            OutboxPolicy(poll_interval=0.05),
            permit=leadership.permit,
        )
        pairs.append((leadership, outbox))
    yield pairs
    for leadership, _ in pairs:
        leadership.close()


def test_two_instances_on_one_database_send_every_write_once_with_contiguous_nonces(
    private_chain: tuple[Web3, Deployment], database_url: str, instances: list[tuple[Leadership, Outbox]]
) -> None:
    w3, deployment = private_chain
    access = deployment.contract(w3, "LedgerAccess")
    nonce_before = w3.eth.get_transaction_count(RELAYER.address)
    stop = threading.Event()
    threads = [leadership.campaign(stop) for leadership, _ in instances]
    threads += [threading.Thread(target=outbox.run_forever, args=(stop,), daemon=True) for _, outbox in instances]
    for thread in threads[2:]:
        thread.start()
    keys = [f"two-instances-{i}" for i in range(12)]
    try:
        _until(lambda: any(leadership.leading for leadership, _ in instances))
        for index, key in enumerate(keys):
            who = dev_account(100 + index, LOCAL_CHAIN_ID).address
            data = bytes.fromhex(access.functions.admitParty(who, Web3.keccak(text=who))._encode_transaction_data()[2:])
            _, outbox = instances[index % 2]  # any instance accepts any write
            outbox.enqueue(key, RELAYER.address, deployment.ledger_access, data, "admitParty")
        _, standby = next(pair for pair in instances if not pair[0].leading)
        results = [standby.wait(key, timeout=60) for key in keys]  # the standby's wait polls the database
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert sum(leadership.leading for leadership, _ in instances) == 0  # both gave the lease up on stop
    assert all(result.status is OutboxStatus.MINED for result in results)
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce_before + len(keys)
    with make_sessionmaker(make_engine(database_url))() as session:
        nonces = sorted(session.scalars(select(OutboxWrite.nonce).where(OutboxWrite.idempotency_key.in_(keys))))
    assert nonces == list(range(nonce_before, nonce_before + len(keys)))


def test_waiters_in_a_process_that_does_not_lead_are_woken_by_one_watcher_not_each_polling_the_database(
    private_chain: tuple[Web3, Deployment], tmp_path: Path
) -> None:
    """An HTTP worker process of `drl serve --workers N`: no outbox worker of its own, the lease held by another
    process. Its waiters must learn that the leader settled their writes without each reading the database
    every `receipt_interval` (eight waiters did 8 x 20 reads a second)."""
    w3, deployment = private_chain
    access = deployment.contract(w3, "LedgerAccess")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade_schema(make_engine(url))
    leader = Leadership(lease_for(url), heartbeat=0.1)
    leader_outbox = Outbox(make_sessionmaker(make_engine(url)), w3, {RELAYER.address: RELAYER}, permit=leader.permit)
    worker_engine = make_engine(url)
    worker_outbox = Outbox(
        make_sessionmaker(worker_engine), w3, {RELAYER.address: RELAYER}, permit=Leadership(lease_for(url)).permit
    )
    statements: list[str] = []
    event.listen(worker_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    stop = threading.Event()
    threads = [leader.campaign(stop)]
    _until(lambda: leader.leading)
    keys = [f"worker-process-{i}" for i in range(8)]
    for index, key in enumerate(keys):
        who = dev_account(200 + index, LOCAL_CHAIN_ID).address
        data = bytes.fromhex(access.functions.admitParty(who, Web3.keccak(text=who))._encode_transaction_data()[2:])
        worker_outbox.enqueue(key, RELAYER.address, deployment.ledger_access, data, "admitParty")
    results: dict[str, OutboxStatus] = {}

    def wait(key: str) -> None:
        results[key] = worker_outbox.wait(key, timeout=60).status

    waiters = [threading.Thread(target=wait, args=(key,)) for key in keys]
    statements.clear()
    started = time.monotonic()
    for thread in waiters:
        thread.start()
    time.sleep(1.0)  # the waiters wait with nothing sent: the leader's worker starts only now
    threads.append(threading.Thread(target=leader_outbox.run_forever, args=(stop,), daemon=True))
    threads[-1].start()
    try:
        for thread in waiters:
            thread.join(timeout=90)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        leader.close()
    assert results == dict.fromkeys(keys, OutboxStatus.MINED)
    per_waiter_polling = len(keys) * elapsed / OutboxPolicy().receipt_interval
    assert len(statements) < per_waiter_polling / 2, (len(statements), elapsed)
