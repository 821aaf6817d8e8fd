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
            args = {name: _topic_value(t, topic) for (name, t), topic in zip(self.topics, topics[1:], strict=True)}
            args.update(self._data_values(data))
        except (DecodingError, ValueError, OverflowError, IndexError):
            return None
        return args

    def _data_values(self, data: bytes) -> dict[str, Any]:
        """The data's arguments; words of the static types (and arrays of them) read directly, the rest by eth_abi."""
        if not all(_word_type(t) or _word_type(t.removesuffix("[]")) for _, t in self.data):
            decoded = abi_decode([t for _, t in self.data], data) if self.data else ()
            return {name: _json_ready(t, v) for (name, t), v in zip(self.data, decoded, strict=True)}
        if len(data) < 32 * len(self.data):
            raise ValueError("data shorter than its head")
        values: dict[str, Any] = {}
        for position, (name, abi_type) in enumerate(self.data):
            word = data[32 * position : 32 * position + 32]
            if abi_type.endswith("[]"):
                offset = int.from_bytes(word, "big")
                length = int.from_bytes(data[offset : offset + 32], "big")
                items = data[offset + 32 : offset + 32 + 32 * length]
                if len(items) != 32 * length:
                    raise ValueError("array runs past the data")
                item_type = abi_type.removesuffix("[]")
                values[name] = [_topic_value(item_type, items[i : i + 32]) for i in range(0, len(items), 32)]
            else:
                values[name] = _topic_value(abi_type, word)
        return values


def _word_type(abi_type: str) -> bool:
    """Whether a value of this type is one 32-byte word read directly (see `_topic_value`)."""
    return abi_type in ("address", "bool", "bytes32") or (abi_type.startswith("uint") and abi_type[4:].isdigit())


def _topic_value(abi_type: str, topic: bytes) -> Any:
    """An indexed argument from its 32-byte topic: the static types the ledger's events index read directly."""
    if abi_type == "address":
        if any(topic[:12]):
            raise ValueError("an address word with high bytes set")
        return checksummed("0x" + topic[12:].hex())
    if abi_type.startswith("uint") and abi_type[4:].isdigit():
        value = int.from_bytes(topic, "big")
        if value >> int(abi_type[4:]):
            raise ValueError(f"{value} does not fit {abi_type}")
        return value
    if abi_type == "bytes32":
        return to_hex(topic)
    if abi_type == "bool":
        if int.from_bytes(topic, "big") > 1:
            raise ValueError("a bool word other than 0 or 1")
        return bool(topic[-1])
    return _json_ready(abi_type, abi_decode([abi_type], topic)[0])


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
        topics = [bytes(topic) for topic in entry["topics"]]
        return self.decode_parts(str(entry["address"]), topics, bytes(entry["data"]))

    def decode_parts(self, address: str, topics: list[bytes], data: bytes) -> tuple[str, str, dict[str, Any]] | None:
        """`decode` of a log given as its address, topics and data (as a raw JSON-RPC answer has them)."""
        if not topics:
            return None
        candidates = self._by_topic.get(topics[0], [])
        if self._contract_at is not None:
            owner = self._contract_at.get(checksummed(address))
            candidates = [candidate for candidate in candidates if candidate.contract == owner]
        for layout in candidates:
            args = layout.decode(topics, data)
            if args is not None:
                return layout.contract, layout.name, args
        return None
