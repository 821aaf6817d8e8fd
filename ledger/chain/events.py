"""Decoding the ledger contracts' logs into (contract, event, arguments) with JSON-ready arguments.

One decoder for the index and the offline verifier, so an event reads the same in both: bytes as
0x-hex, tuples as lists, addresses checksummed, integers as integers.

Each event's layout (which inputs are topics, which are ABI-encoded data) is worked out once from the
ABI, and a log is decoded with the ABI codec alone: no web3 `Contract` or per-log ABI walk, which made
decoding the indexer's largest cost. The arguments come out as web3's `get_event_data` gives them
(topics first, then data), a test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_typing import ChecksumAddress
from eth_utils.abi import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3
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


@lru_cache(maxsize=65_536)
def checksummed(address: str) -> ChecksumAddress:
    """An address in its EIP-55 form; the same few addresses recur in every log, so they are hashed once."""
    return Web3.to_checksum_address(address)


def _is_dynamic(abi_type: str) -> bool:
    return abi_type in ("string", "bytes") or abi_type.endswith("]") or abi_type.startswith("tuple")


def _json_ready(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return checksummed(value)
    if abi_type == "address[]":
        return [checksummed(item) for item in value]
    return plain(value)


@dataclass(frozen=True)
class EventLayout:
    """Where an event's arguments are: the topics after the signature, then the data."""

    contract: str
    name: str
    topics: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, contract: str, entry: dict[str, Any]) -> EventLayout:
        inputs = entry["inputs"]
        # An indexed argument of a dynamic type is only its keccak in the topic: it reads as bytes32.
        topics = tuple((i["name"], "bytes32" if _is_dynamic(i["type"]) else i["type"]) for i in inputs if i["indexed"])
        data = tuple((i["name"], i["type"]) for i in inputs if not i["indexed"])
        return cls(contract, entry["name"], topics, data)

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any] | None:
        """The arguments, or None if the log does not have this layout (another event of the same topic)."""
        if len(topics) != len(self.topics) + 1:
            return None
        try:
            indexed = [abi_decode([t], topic)[0] for (_, t), topic in zip(self.topics, topics[1:], strict=True)]
            values = abi_decode([t for _, t in self.data], data) if self.data else ()
        except (DecodingError, ValueError, OverflowError):
            return None
        args = {name: _json_ready(t, v) for (name, t), v in zip(self.topics, indexed, strict=True)}
        args.update({name: _json_ready(t, v) for (name, t), v in zip(self.data, values, strict=True)})
        return args


class EventDecoder:
    """Decodes logs by topic; with `addresses`, only logs of those contracts (address → contract name)."""

    def __init__(self, w3: Web3, addresses: dict[str, str] | None = None) -> None:
        self._w3 = w3
        self._by_topic: dict[bytes, list[EventLayout]] = {}
        for contract in DEPLOYED_CONTRACTS:
            for entry in abi_of(contract):
                if entry["type"] == "event" and not entry.get("anonymous", False):
                    topic = bytes(event_abi_to_log_topic(entry))  # type: ignore[arg-type]
                    self._by_topic.setdefault(topic, []).append(EventLayout.of(contract, entry))
        self._contract_at: dict[ChecksumAddress, str] | None = (
            {checksummed(address): name for address, name in addresses.items()} if addresses else None
        )

    @property
    def addresses(self) -> list[ChecksumAddress]:
        return sorted(self._contract_at or {})

    def decode(self, entry: LogReceipt) -> tuple[str, str, dict[str, Any]] | None:
        """(contract, event name, arguments), or None for a log of no known event."""
        if not entry["topics"]:
            return None
        topics = [bytes(topic) for topic in entry["topics"]]
        candidates = self._by_topic.get(topics[0], [])
        if self._contract_at is not None:
            owner = self._contract_at.get(checksummed(entry["address"]))
            candidates = [candidate for candidate in candidates if candidate.contract == owner]
        data = bytes(entry["data"])
        for layout in candidates:
            args = layout.decode(topics, data)
            if args is not None:
                return layout.contract, layout.name, args
        return None
