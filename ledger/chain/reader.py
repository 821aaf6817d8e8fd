"""A `ChainReader` over any JSON-RPC node, for the offline bundle verifier."""

from __future__ import annotations

from typing import Any

from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BlockNotFound, TransactionNotFound

from ledger.chain.artifacts import abi_of
from ledger.chain.events import EventDecoder
from ledger.encoding import to_hex


class Web3ChainReader:
    """Reads blocks, receipts and registry state from a node; trusts nothing else."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._decoder = EventDecoder(w3)
        self._registries: dict[str, Contract] = {}

    def chain_id(self) -> int:
        return int(self._w3.eth.chain_id)

    def canonical_block_hash(self, number: int) -> str | None:
        try:
            return to_hex(self._w3.eth.get_block(number)["hash"])
        except BlockNotFound:
            return None

    def log_of(self, tx_hash: str, log_index: int) -> dict[str, Any] | None:
        try:
            receipt = self._w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        for entry in receipt["logs"]:
            if int(entry["logIndex"]) == log_index:
                decoded = self._decoder.decode(entry)
                if decoded is None:
                    return None
                _, name, args = decoded
                return {
                    "address": Web3.to_checksum_address(entry["address"]),
                    "name": name,
                    "args": args,
                    "block_hash": to_hex(entry["blockHash"]),
                }
        return None

    def status_of(self, registry: str, registration_id: int) -> int:
        address = Web3.to_checksum_address(registry)
        contract = self._registries.get(address)
        if contract is None:  # built once per registry: building one hashes every selector of the ABI
            contract = self._registries[address] = self._w3.eth.contract(address=address, abi=abi_of("Registrations"))
        return int(contract.functions.statusOf(registration_id).call())
