"""Helpers of the integration tests: signing and sending registry calls on the real chain."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import EventLogErrorFlags
from web3.types import TxReceipt

from ledger.chain.registry import Submission
from ledger.chain.transactions import send_and_wait
from ledger.vocabulary import Grade, Kind, Origin, Right


def submission(w3: Web3, registrant: str, manifest: bytes, nonce: int, **overrides: Any) -> Submission:
    """A data-resource application claiming the holding and processing rights, valid for an hour of chain time."""
    fields: dict[str, Any] = {
        "registrant": registrant,
        "authority_id": 1,
        "kind": Kind.DATA_RESOURCE,
        "origin": Origin.ENTERPRISE,
        "grade": Grade.GENERAL,
        "personal_info": False,
        "rights": frozenset({Right.RESOURCE_HOLDING, Right.PROCESSING_AND_USE}),
        "manifest_digest": Web3.keccak(manifest),
        "data_commitment": Web3.keccak(b"data:" + manifest),
        "nonce": nonce,
        "deadline": w3.eth.get_block("latest")["timestamp"] + 3600,
    }
    fields.update(overrides)
    return Submission(**fields)


def transact(w3: Web3, sender: LocalAccount, call: Any) -> TxReceipt:
    return send_and_wait(w3, sender, call.build_transaction({"from": sender.address}))


def events(contract: Contract, name: str, receipt: TxReceipt) -> list[Any]:
    """The events `name` of `contract` in a receipt, ignoring other contracts' logs."""
    return list(contract.events[name]().process_receipt(receipt, errors=EventLogErrorFlags.Discard))


def advance_time(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
