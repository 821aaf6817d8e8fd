"""Helpers of the integration tests: signing and sending registry calls on the real chain."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.logs import EventLogErrorFlags
from web3.types import TxReceipt

from ledger.chain.deployment import Deployment
from ledger.chain.transactions import send_and_wait
from ledger.chain.typed_data import signable


def submission(w3: Web3, registrant: str, manifest: bytes, **overrides: Any) -> dict[str, Any]:
    """A data-resource application claiming the holding and processing rights, valid for an hour of chain time."""
    message: dict[str, Any] = {
        "registrant": registrant,
        "authorityId": 1,
        "kind": 0,
        "origin": 1,
        "grade": 0,
        "personalInfo": False,
        "rights": 3,
        "manifestDigest": Web3.keccak(manifest),
        "dataCommitment": Web3.keccak(b"data:" + manifest),
        "parents": [],
        "nonce": 0,
        "deadline": w3.eth.get_block("latest")["timestamp"] + 3600,
    }
    message.update(overrides)
    return message


def sign(w3: Web3, deployment: Deployment, signer: LocalAccount, primary_type: str, message: dict[str, Any]) -> bytes:
    signed = signer.sign_message(signable(primary_type, message, w3.eth.chain_id, deployment.registrations))
    return bytes(signed.signature)


def as_tuple(message: dict[str, Any]) -> tuple[Any, ...]:
    """The Submission struct in ABI order."""
    keys = ("registrant", "authorityId", "kind", "origin", "grade", "personalInfo", "rights", "manifestDigest")
    keys += ("dataCommitment", "parents", "nonce", "deadline")
    return tuple(message[key] for key in keys)


def transact(w3: Web3, sender: LocalAccount, call: Any) -> TxReceipt:
    return send_and_wait(w3, sender, call.build_transaction({"from": sender.address}))


def events(contract: Contract, name: str, receipt: TxReceipt) -> list[Any]:
    """The events `name` of `contract` in a receipt, ignoring other contracts' logs."""
    return list(contract.events[name]().process_receipt(receipt, errors=EventLogErrorFlags.Discard))


def registrations(w3: Web3, deployment: Deployment) -> Contract:
    return deployment.contract(w3, "Registrations")


def advance_time(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
