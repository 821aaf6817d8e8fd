"""Writes on behalf of a caller: refused up front when the contract would refuse, then queued exactly once."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pydantic import BaseModel
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from api.errors import ProblemError
from ledger.chain.errors import decode_revert
from ledger.outbox import FINAL, OutboxStatus, WriteResult
from ledger.runtime import LedgerRuntime


class WriteAccepted(BaseModel):
    """A write the service accepted: where it stands now."""

    key: str
    status: str
    tx_hash: str | None
    block_number: int | None
    error: str | None


def accepted(result: WriteResult) -> WriteAccepted:
    return WriteAccepted(
        key=result.key,
        status=result.status.value,
        tx_hash=result.tx_hash,
        block_number=result.block_number,
        error=result.error,
    )


def _refusal(error: ContractCustomError | ContractLogicError) -> ProblemError:
    data = error.data
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
    decoded = decode_revert(raw) if raw else None
    name = decoded.name if decoded else "Error"
    return ProblemError(
        409,
        "contract_refused",
        "The ledger's contracts refuse this action",
        str(decoded) if decoded else str(error),
        rule=name,
    )


def send(
    runtime: LedgerRuntime,
    sender: str,
    contract: str,
    call: Any,
    purpose: str,
    scope: str,
    idempotency_key: str | None,
    signer: str | None = None,
    signer_nonce: int | None = None,
    wait: bool = False,
) -> WriteAccepted:
    """Dry-runs `call` from `sender`, then queues it under the caller's idempotency key (scoped to `scope`)."""
    sender = Web3.to_checksum_address(sender)
    if sender not in runtime.custody:
        raise ProblemError(
            409, "no_custody_key", "The service holds no key for this account", f"{sender} must send it itself"
        )
    data = bytes.fromhex(call._encode_transaction_data()[2:])
    to = Web3.to_checksum_address(runtime.deployment.addresses()[contract])
    key = f"{scope}:{idempotency_key}" if idempotency_key else f"{scope}:{uuid.uuid4().hex}"
    existing = runtime.outbox.result(key)
    if existing is not None:
        if existing.status in FINAL or not wait:
            return accepted(existing)
    else:
        try:
            runtime.w3.eth.call({"from": sender, "to": to, "data": data})
        except (ContractCustomError, ContractLogicError) as error:
            raise _refusal(error) from error
        try:
            runtime.outbox.enqueue(key, sender, to, data, purpose, signer=signer, signer_nonce=signer_nonce)
        except ValueError as error:
            raise ProblemError(
                409, "idempotency_conflict", "The idempotency key was used for another request"
            ) from error
    result = runtime.outbox.wait(key, timeout=30) if wait else runtime.outbox.result(key)
    assert result is not None
    if result.status in (OutboxStatus.REFUSED, OutboxStatus.REVERTED):
        raise ProblemError(409, "contract_refused", "The ledger's contracts refused this action", result.error)
    return accepted(result)


def digest_of(text: str) -> bytes:
    """The sha256 of a reason or decision text: the chain keeps only the hash."""
    return hashlib.sha256(text.encode()).digest()
