"""Sending a transaction and waiting for its receipt, for deployment and administration.

Registrant and authority writes go through the durable outbox; this direct path is for setting up a
deployment, where a failure simply stops the setup.
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxParams, TxReceipt

from ledger.encoding import to_hex


class TransactionRevertedError(RuntimeError):
    """The transaction was mined but reverted."""


def send_and_wait(w3: Web3, account: LocalAccount, tx: TxParams, timeout: float = 120.0) -> TxReceipt:
    """Fills nonce, gas and fees, signs with `account`, sends, and waits for a successful receipt."""
    filled: dict[str, Any] = dict(tx)
    filled.setdefault("from", account.address)
    filled.setdefault("chainId", w3.eth.chain_id)
    filled.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    if "gas" not in filled:
        filled["gas"] = int(w3.eth.estimate_gas(filled) * 1.2) + 10_000  # type: ignore[arg-type]
    if "maxFeePerGas" not in filled and "gasPrice" not in filled:
        base_fee = w3.eth.get_block("latest").get("baseFeePerGas", 0)
        priority = w3.eth.max_priority_fee
        filled["maxPriorityFeePerGas"] = priority
        filled["maxFeePerGas"] = 2 * base_fee + priority
    signed = account.sign_transaction(filled)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    if receipt["status"] != 1:
        raise TransactionRevertedError(f"transaction {to_hex(tx_hash)} reverted")
    return receipt
