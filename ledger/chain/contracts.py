"""The deployed contracts as typed writes and named reads: the one door from the faces to the chain's ABI.

A write is built, not sent: `Write(to, data, purpose)` is the call's target and ABI-encoded data, ready
for a dry run and the outbox. The web3 contract objects are built once per deployment (building one
costs milliseconds), not once per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from ledger.chain.artifacts import abi_of
from ledger.chain.deployment import Deployment
from ledger.encoding import from_hex


@dataclass(frozen=True)
class Write:
    """A contract call to send: its target, its ABI-encoded data, and what it is for (the function's name)."""

    to: str
    data: bytes
    purpose: str


class Contracts:
    """The contracts of one deployment, each built once."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.deployment = deployment
        self._contracts: dict[str, Contract] = {
            name: w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi_of(name))
            for name, address in deployment.addresses().items()
        }

    def write(self, contract: str, function: str, *args: Any) -> Write:
        """The write calling `contract.function(*args)`."""
        target = self._contracts[contract]
        return Write(target.address, from_hex(target.encode_abi(function, args=list(args))), function)

    def call(self, contract: str, function: str, *args: Any) -> Any:
        """The answer of the view `contract.function(*args)` at the chain's latest block."""
        return self._contracts[contract].get_function_by_name(function)(*args).call()

    def decode(self, contract: str, data: bytes) -> tuple[str, dict[str, Any]]:
        """The function name and arguments of `data`, a call to `contract`."""
        function, arguments = self._contracts[contract].decode_function_input(data)
        return str(function.fn_name), dict(arguments)
