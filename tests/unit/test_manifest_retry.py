"""The schedule on which a manifest no node had is asked for again."""

from __future__ import annotations

from datetime import timedelta

from ledger.index.manifests import RETRY_CEILING, RETRY_FIRST, retry_delay


def test_a_manifest_is_asked_for_again_ten_seconds_after_its_first_miss_and_at_most_an_hour_after_many() -> None:
    assert retry_delay(1) == timedelta(seconds=10)
    assert [retry_delay(attempts) for attempts in (1, 2, 3)] == [RETRY_FIRST, 2 * RETRY_FIRST, 4 * RETRY_FIRST]
    assert retry_delay(12) == retry_delay(10_000) == RETRY_CEILING == timedelta(hours=1)
