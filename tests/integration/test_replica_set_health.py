"""Readiness and `drl doctor` over a replica set of three real Kubo nodes, one of them stopped: each names the node
that is down, and tells whether content can still be written at R copies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.config import Settings
from ledger.doctor import run_checks
from ledger.readiness import readiness
from ledger.runtime import LedgerRuntime

from .kubo_set import KuboNodes, running_kubo_set

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def one_of_three_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuboNodes]:
    with running_kubo_set(tmp_path_factory.mktemp("kubo-set"), 3) as nodes:
        nodes.processes[1].stop()
        yield nodes


def _settings(tmp_path: Path, w3: Web3, nodes: KuboNodes, replicas: int) -> Settings:
    return Settings(
        data_dir=tmp_path,
        rpc_url=w3.provider.endpoint_uri,  # type: ignore[attr-defined]
        ipfs_nodes=nodes.urls,
        ipfs_replicas=replicas,
        rate_limit_per_minute=0,
    )


def _readiness(settings: Settings) -> tuple[list[str], dict[str, object]]:
    runtime = LedgerRuntime(settings)
    try:
        return readiness(runtime)
    finally:
        runtime.close()


def test_readiness_names_the_node_that_is_down_and_stays_ready_while_r_nodes_answer(
    private_chain: tuple[Web3, Deployment], one_of_three_down: KuboNodes, tmp_path: Path
) -> None:
    w3, _ = private_chain
    down = one_of_three_down.urls[1]
    reasons, details = _readiness(_settings(tmp_path, w3, one_of_three_down, replicas=2))
    assert reasons == []
    assert details["ipfs_nodes_down"] == [down]
    assert details["ipfs_replicas"] == f"2 of 3 nodes answer, writes reach 2 copies; down: {down}"


def test_readiness_is_refused_when_fewer_than_r_nodes_answer(
    private_chain: tuple[Web3, Deployment], one_of_three_down: KuboNodes, tmp_path: Path
) -> None:
    w3, _ = private_chain
    reasons, details = _readiness(_settings(tmp_path, w3, one_of_three_down, replicas=3))
    assert reasons == ["ipfs_below_replicas"]
    assert details["ipfs_nodes_down"] == [one_of_three_down.urls[1]]


def test_doctor_checks_every_node_of_the_set_and_whether_r_copies_can_be_written(
    private_chain: tuple[Web3, Deployment], one_of_three_down: KuboNodes, tmp_path: Path
) -> None:
    w3, _ = private_chain
    for replicas, writable in ((2, True), (3, False)):
        checks = {check.component: check for check in run_checks(_settings(tmp_path, w3, one_of_three_down, replicas))}
        assert [checks[f"ipfs node {index}"].ok for index in range(3)] == [True, False, True]
        assert "unreachable" in checks["ipfs node 1"].detail
        assert checks["ipfs replicas"].ok is writable
        assert one_of_three_down.urls[1] in checks["ipfs replicas"].detail
