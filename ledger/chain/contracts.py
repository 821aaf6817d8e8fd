"""The deployed contracts as typed writes and named reads: the one door from the faces to the chain's ABI.

A write is built, not sent: `Write(to, data, purpose)` is the call's target and ABI-encoded data, ready
for a dry run and the outbox. Each function's selector and types are worked out once per deployment, and
calls are encoded and decoded with eth-abi directly: web3's contract functions look the ABI up and hash a
selector on every call (a web3 contract object, built once too, remains for decoding call data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.exceptions import EncodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract

from ledger.chain.artifacts import abi_of
from ledger.chain.deployment import Deployment
from ledger.chain.errors import abi_type
from ledger.encoding import from_hex


@dataclass(frozen=True)
class Write:
    """A contract call to send: its target, its ABI-encoded data, and what it is for (the function's name)."""

    to: str
    data: bytes
    purpose: str


@dataclass(frozen=True)
class Function:
    """One function of a contract's ABI, ready to encode calls and decode answers."""

    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Function:
        inputs = tuple(abi_type(item) for item in entry["inputs"])
        outputs = tuple(abi_type(item) for item in entry.get("outputs", []))
        return cls(function_signature_to_4byte_selector(f"{entry['name']}({','.join(inputs)})"), inputs, outputs)

    def encode(self, args: tuple[Any, ...]) -> bytes:
        return self.selector + encode(list(self.inputs), list(args))

    def decode(self, answer: bytes) -> Any:
        """The answer as web3 gives it: one value for one output, else a list; addresses checksummed."""
        values = [
            _readable(kind, value) for kind, value in zip(self.outputs, decode(self.outputs, answer), strict=True)
        ]
        return values[0] if len(values) == 1 else values


def _readable(kind: str, value: Any) -> Any:
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("(") and kind.endswith(")") and isinstance(value, tuple):
        return tuple(_readable(inner, item) for inner, item in zip(_components(kind), value, strict=True))
    return value


def _components(kind: str) -> list[str]:
    """The component types of a tuple type `(a,(b,c),d)`, split at its top-level commas."""
    parts, depth, current = [], 0, ""
    for char in kind[1:-1]:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


class Contracts:
    """The contracts of one deployment, each built once."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.deployment = deployment
        self._w3 = w3
        self._contracts: dict[str, Contract] = {
            name: w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi_of(name))
            for name, address in deployment.addresses().items()
        }
        self._functions: dict[tuple[str, str], Function] = {}
        for name in self._contracts:
            entries = [entry for entry in abi_of(name) if entry["type"] == "function"]
            for entry in entries:
                if sum(other["name"] == entry["name"] for other in entries) == 1:  # overloads go through web3
                    self._functions[(name, entry["name"])] = Function.of(entry)

    def write(self, contract: str, function: str, *args: Any) -> Write:
        """The write calling `contract.function(*args)`."""
        target = self._contracts[contract]
        known = self._functions.get((contract, function))
        if known is not None:
            try:
                return Write(target.address, known.encode(args), function)
            except EncodingError:
                pass  # a value only web3 normalises (a hex string for bytes, say): its slower path below
        return Write(target.address, from_hex(target.encode_abi(function, args=list(args))), function)

    def call(self, contract: str, function: str, *args: Any) -> Any:
        """The answer of the view `contract.function(*args)` at the chain's latest block."""
        known = self._functions.get((contract, function))
        if known is None:
            return self._contracts[contract].get_function_by_name(function)(*args).call()
        answer = self._w3.eth.call(
            {"to": self._contracts[contract].address, "data": self.write(contract, function, *args).data}
        )
        return known.decode(bytes(answer))

    def decode(self, contract: str, data: bytes) -> tuple[str, dict[str, Any]]:
        """The function name and arguments of `data`, a call to `contract`."""
        function, arguments = self._contracts[contract].decode_function_input(data)
        return str(function.fn_name), dict(arguments)
