"""Signature recovery runs in C: eth-keys picks coincurve when it is installed (4 ms per recovery otherwise)."""

from __future__ import annotations

from eth_keys.backends import get_backend
from eth_keys.backends.coincurve import CoinCurveECCBackend


def test_eth_keys_recovers_signatures_with_coincurve() -> None:
    assert isinstance(get_backend(), CoinCurveECCBackend)
