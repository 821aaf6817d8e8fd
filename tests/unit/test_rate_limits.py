"""Rate limits on public routes: a token bucket per client address, 429 with Retry-After, off when set to 0."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import MemoryCounters, RateLimiter
from ledger.config import Settings
from ledger.runtime import LedgerRuntime


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_burst_then_one_request_per_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.retry_after("192.0.2.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.retry_after("192.0.2.1") == 1.0
    assert limiter.retry_after("192.0.2.2") == 0.0  # another client has its own bucket
    clock.now += 1.0
    assert limiter.retry_after("192.0.2.1") == 0.0
    assert limiter.retry_after("192.0.2.1") > 0


def test_an_ipv6_client_is_one_client_per_64_and_the_table_stays_bounded() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, clock=Clock(), max_clients=10)
    assert limiter.retry_after("2001:db8::1") == 0.0
    assert limiter.retry_after("2001:db8::2") > 0  # the same /64
    for host in range(100):
        limiter.retry_after(f"198.51.100.{host}")
    assert isinstance(limiter.counters, MemoryCounters)
    assert len(limiter.counters) == 10


def _client(tmp_path: Path, per_minute: int) -> TestClient:
    settings = Settings(data_dir=tmp_path, rate_limit_per_minute=per_minute, rate_limit_burst=2)
    return TestClient(create_app(LedgerRuntime(settings)))


def test_public_routes_answer_429_with_retry_after_past_the_burst(tmp_path: Path) -> None:
    client = _client(tmp_path, per_minute=6)
    answers = [client.get("/v1/verify", params={"sha256": "00" * 32}) for _ in range(3)]
    assert [answer.status_code for answer in answers[:2]] != [429, 429]
    refused = answers[2]
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "10"
    assert client.get("/healthz").status_code == 200  # probes are never limited


def test_rate_limits_can_be_turned_off(tmp_path: Path) -> None:
    client = _client(tmp_path, per_minute=0)
    assert all(client.get("/v1/notices").status_code != 429 for _ in range(10))
