"""Rate limits shared by every instance of the service (issue 11 item 4, issue 14): with
`DRL_RATE_LIMIT_SHARED` the buckets live in the service database, so several instances behind one address
allow a client its rate once, not once each; without it each instance has its own (the documented limit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import Settings
from ledger.runtime import LedgerRuntime

pytestmark = pytest.mark.integration


def _instances(database_url: str, tmp_path: Path, shared: bool) -> Iterator[list[TestClient]]:
    runtimes = [
        LedgerRuntime(
            Settings(
                data_dir=tmp_path / f"instance-{n}",
                database_url=database_url,
                rate_limit_per_minute=6,
                rate_limit_burst=2,
                rate_limit_shared=shared,
            )
        )
        for n in range(2)
    ]
    yield [TestClient(create_app(runtime)) for runtime in runtimes]
    for runtime in runtimes:
        runtime.close()


def _answers(instances: list[TestClient], count: int) -> list[int]:
    """`count` public requests from one client, alternating between the instances."""
    return [instances[n % len(instances)].get("/v1/notices").status_code for n in range(count)]


def test_instances_sharing_the_database_allow_a_client_its_burst_once_not_once_each(
    empty_database_url: str, tmp_path: Path
) -> None:
    for instances in _instances(empty_database_url, tmp_path, shared=True):
        answers = _answers(instances, 4)
        assert answers[:2] == [200, 200]
        assert answers[2:] == [429, 429]
        refused = instances[0].get("/v1/notices")
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 10  # the next one is due within one interval (10 s)


def test_instances_with_limits_of_their_own_each_allow_the_burst(empty_database_url: str, tmp_path: Path) -> None:
    """The documented limit of the default: N instances let a client through N times the rate."""
    for instances in _instances(empty_database_url, tmp_path, shared=False):
        assert _answers(instances, 4) == [200, 200, 200, 200]
        assert _answers(instances, 2) == [429, 429]
