"""An idempotency key names one write: repeating it with another write is a conflict, not the earlier answer."""

from __future__ import annotations

import pytest
from eth_utils.address import to_checksum_address

from ledger.chain import registry
from ledger.outbox import IdempotencyConflictError
from ledger.writes import send

from .conftest import Service

pytestmark = pytest.mark.integration


def test_a_repeated_key_with_another_write_is_refused_not_answered(service: Service) -> None:
    runtime = service.runtime
    relayer = runtime.relayer.address
    first = registry.admit_party(runtime.contracts, to_checksum_address("0x" + "a1" * 20), b"\x01" * 32)
    other = registry.admit_party(runtime.contracts, to_checksum_address("0x" + "a2" * 20), b"\x02" * 32)
    accepted = send(runtime, first, sender=relayer, key="idempotency:same")

    assert send(runtime, first, sender=relayer, key="idempotency:same").key == accepted.key
    with pytest.raises(IdempotencyConflictError):
        send(runtime, other, sender=relayer, key="idempotency:same")
