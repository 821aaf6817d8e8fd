"""Faults the cluster topology survives, under a load of registrations through its HTTP instances: the leading
instance killed with SIGKILL, the chain node killed and restarted, PostgreSQL restarted, one Kubo node killed and
left down. After each, every registration the service accepted is on chain exactly once, the relayer's nonces have
no gap, the outbox is drained, the index equals a fresh rebuild from the chain, and every CID is held by R nodes
(after repair).

The default suite runs each fault under a load of LOAD registrations; the `slow` test runs all four in turn
under 2,000 (`pytest -m slow tests/integration/test_faults.py`), the Kubo node last since it stays down."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.db import make_engine, make_sessionmaker
from ledger.replication import KuboSet
from ledger.retention import check_retention, repair_retention

from .cluster_load import RunningCluster, assert_nothing_lost_or_doubled, load, poll, readyz, running_cluster

pytestmark = pytest.mark.integration
LOAD = 40
REGISTRANTS = 4


@pytest.fixture(scope="module")
def cluster() -> Iterator[RunningCluster]:
    # tempfile, not pytest's tmp_path: PostgreSQL's own user must enter the directory when the tests run as root
    base = Path(tempfile.mkdtemp(prefix="drl-faults-"))
    with pytest.MonkeyPatch.context() as patch:
        # A chain node killed loses the blocks of its last seconds (anvil saves its state every 5 s): the
        # leader looks that far back for writes that fell out.
        patch.setenv("DRL_REORG_HORIZON_BLOCKS", "1000")
        with running_cluster(base, registrants=REGISTRANTS) as running:
            yield running


def _kill_leader(cluster: RunningCluster) -> None:
    leader = cluster.leader()
    assert leader is not None
    assert leader.pid is not None
    os.killpg(leader.pid, signal.SIGKILL)
    poll(lambda: not leader.running, 10, "the leader dies")
    standby = next(p for p in cluster.stack.processes if p.name.startswith("service-") and p is not leader)
    poll(lambda: cluster.leader() is standby, 15, "the standby takes the lease")
    leader.start(timeout=120)


def _restart_chain(cluster: RunningCluster) -> None:
    chain = cluster.process("anvil")
    assert chain.pid is not None
    os.killpg(chain.pid, signal.SIGKILL)
    poll(lambda: not chain.running, 10, "the chain node dies")
    chain.start(timeout=60)


def _kill_kubo_node(cluster: RunningCluster) -> None:
    """One of the three Kubo nodes killed and left down: writes go on to R of the others (the last fault of the
    module: the node stays down)."""
    node = [p for p in cluster.stack.processes if p.name == "kubo"][-1]
    assert node.pid is not None
    os.killpg(node.pid, signal.SIGKILL)
    poll(lambda: not node.running, 10, "the Kubo node dies")


def _every_cid_at_r_after_repair(cluster: RunningCluster) -> None:
    """Every manifest, certificate document and evidence file the index references is held by R nodes (after
    `drl retention repair`), counting only nodes that answer."""
    pinset = KuboSet.of(cluster.layout.ipfs_api_urls, replicas=2)
    sessions = make_sessionmaker(make_engine(cluster.layout.database_url))
    try:
        repaired = repair_retention(sessions, pinset)
        assert repaired.missing == [], repaired.missing
        report = check_retention(sessions, pinset)
        assert report.checked >= len(cluster.accepted)
        assert report.missing == [], report.missing
    finally:
        pinset.close()


def _restart_postgres(cluster: RunningCluster) -> None:
    database = cluster.process("postgres")
    database.stop()
    database.start(timeout=60)


@pytest.mark.parametrize(
    "fault",
    [_kill_leader, _restart_chain, _restart_postgres, _kill_kubo_node],
    ids=["leader", "chain", "postgres", "kubo-node-left-down"],
)
def test_nothing_accepted_is_lost_or_doubled_when(cluster: RunningCluster, fault: object) -> None:
    assert callable(fault)
    load(cluster, LOAD, during=lambda _: fault(cluster), fault_at=LOAD // 3)
    assert cluster.accepted, "the load had no registration accepted at all"
    assert_nothing_lost_or_doubled(cluster)
    _every_cid_at_r_after_repair(cluster)
    for url in cluster.layout.service_urls:
        poll(lambda url=url: bool(readyz(url)["ready"]), 60, f"{url} is ready again")


FAULTS_IN_TURN = (_kill_leader, _restart_chain, _restart_postgres, _kill_kubo_node)  # the Kubo node stays down
SLOW_LOAD_PER_FAULT = 500  # 2,000 registrations in all


@pytest.mark.slow
@pytest.mark.timeout(5400)  # about 40 minutes on a busy two-core machine (docs/topology.md)
def test_two_thousand_registrations_survive_each_fault_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    base = Path(tempfile.mkdtemp(prefix="drl-faults-slow-"))
    monkeypatch.setenv("DRL_REORG_HORIZON_BLOCKS", "1000")
    with running_cluster(base, registrants=REGISTRANTS) as running:
        finished = threading.Event()
        threading.Thread(target=_report_progress, args=(running, finished), daemon=True).start()
        for fault in FAULTS_IN_TURN:
            started = time.monotonic()
            seconds = load(running, SLOW_LOAD_PER_FAULT, during=lambda _, fault=fault: fault(running), fault_at=150)
            assert_nothing_lost_or_doubled(running, timeout=300)
            _every_cid_at_r_after_repair(running)
            # the figures docs/topology.md records (run with -s to see them)
            print(
                f"\n{fault.__name__}: load {seconds:.0f}s, checked after {time.monotonic() - started:.0f}s;"
                f" accepted {len(running.accepted)}, refused {len(running.refused)} so far;"
                f" load average {os.getloadavg()}"
            )
        finished.set()
        assert len(running.accepted) + len(running.refused) == len(FAULTS_IN_TURN) * SLOW_LOAD_PER_FAULT


def _report_progress(cluster: RunningCluster, finished: threading.Event) -> None:
    """Prints how far the load got every minute (a long run on a busy machine: run with -s to see it)."""
    while not finished.wait(60):
        done = len(cluster.accepted) + len(cluster.refused)
        print(f"{time.strftime('%H:%M:%S')} {done} registrations answered; load average {os.getloadavg()}", flush=True)
