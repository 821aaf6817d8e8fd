"""Readers over any JSON-RPC node for the offline verifiers: `ChainReader` (proof bundles) and
`CertificateReader` (certificate documents), both in `ledger.proofs`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BlockNotFound, ContractLogicError, TransactionNotFound

from ledger.chain.artifacts import abi_of
from ledger.chain.events import EventDecoder, plain
from ledger.encoding import to_hex
from ledger.proofs.certificate import LoggedEvent


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


class Web3CertificateReader:
    """Reads the certificate token, the registry and their events from a node; trusts nothing else."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3

    def _contract(self, name: str, address: str) -> Contract:
        return self._w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi_of(name))

    def chain_id(self) -> int:
        return int(self._w3.eth.chain_id)

    def certificates_of(self, registry: str) -> str:
        return str(self._contract("Registrations", registry).functions.certificates().call())

    def rights_of(self, registry: str) -> str:
        return str(self._contract("Registrations", registry).functions.rights().call())

    def document_digest(self, certificates: str, token_id: int) -> str:
        return to_hex(self._contract("Certificates", certificates).functions.documentOf(token_id).call())

    def is_live(self, certificates: str, token_id: int) -> bool:
        try:
            self._contract("Certificates", certificates).functions.ownerOf(token_id).call()
        except ContractLogicError:
            return False
        return True

    def registration(self, registry: str, registration_id: int) -> Mapping[str, Any]:
        function = self._contract("Registrations", registry).functions.registration(registration_id)
        names = [component["name"] for component in function.abi["outputs"][0]["components"]]
        return dict(zip(names, plain(function.call()), strict=True))

    def events(self, contract: str, address: str, event: str, filters: Mapping[str, Any]) -> list[LoggedEvent]:
        logs = (
            self._contract(contract, address)
            .events[event]
            .get_logs(argument_filters=dict(filters), from_block=0, to_block="latest")
        )
        found = [
            LoggedEvent(
                int(log["blockNumber"]),
                (int(log["blockNumber"]), int(log["transactionIndex"]), int(log["logIndex"])),
                plain(dict(log["args"])),
            )
            for log in logs
        ]
        return sorted(found, key=lambda logged: logged.position)

    def block_timestamp(self, number: int) -> int:
        return int(self._w3.eth.get_block(number)["timestamp"])
