"""Decoding the ledger contracts' logs into (contract, event, arguments) with JSON-ready arguments.

One decoder for the index and the offline verifier, so an event reads the same in both: bytes as
0x-hex, tuples as lists, addresses checksummed, integers as integers.
"""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress
from eth_utils.abi import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data
from web3.types import LogReceipt

from ledger.chain.artifacts import DEPLOYED_CONTRACTS, abi_of
from ledger.encoding import to_hex


def plain(value: Any) -> Any:
    """An event argument as JSON: bytes as 0x-hex, tuples as lists."""
    if isinstance(value, bytes | bytearray | HexBytes):
        return to_hex(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


class EventDecoder:
    """Decodes logs by topic; with `addresses`, only logs of those contracts (address → contract name)."""

    def __init__(self, w3: Web3, addresses: dict[str, str] | None = None) -> None:
        self._w3 = w3
        self._by_topic: dict[bytes, list[tuple[str, dict[str, Any]]]] = {}
        for contract in DEPLOYED_CONTRACTS:
            for entry in abi_of(contract):
                if entry["type"] == "event" and not entry.get("anonymous", False):
                    topic = bytes(event_abi_to_log_topic(entry))  # type: ignore[arg-type]
                    self._by_topic.setdefault(topic, []).append((contract, entry))
        self._contract_at: dict[ChecksumAddress, str] | None = (
            {Web3.to_checksum_address(address): name for address, name in addresses.items()} if addresses else None
        )

    @property
    def addresses(self) -> list[ChecksumAddress]:
        return sorted(self._contract_at or {})

    def decode(self, entry: LogReceipt) -> tuple[str, str, dict[str, Any]] | None:
        """(contract, event name, arguments), or None for a log of no known event."""
        if not entry["topics"]:
            return None
        candidates = self._by_topic.get(bytes(entry["topics"][0]), [])
        if self._contract_at is not None:
            owner = self._contract_at.get(Web3.to_checksum_address(entry["address"]))
            candidates = [candidate for candidate in candidates if candidate[0] == owner]
        for contract, abi in candidates:
            try:
                data = get_event_data(self._w3.codec, abi, entry)
            except Exception:  # noqa: BLE001, S112 - another event shares the topic (e.g. ERC-20 vs ERC-721 Transfer)
                continue
            return contract, str(data["event"]), {key: plain(value) for key, value in data["args"].items()}
        return None
