"""Sending a write on behalf of a caller: refused up front when the contract would refuse, else queued once.

The one send path of the faces (registry, rights, holder and party actions alike):
1. the sender must be a key the ledger holds (the relayer, or a custodied authority, regulator or registrant);
2. a write already queued under the same key is answered as it stands (idempotency), if it answers the same
   client request (its digest, `request`); under a key a client gave for another request it is an
   `IdempotencyConflictError`;
3. otherwise it is dry-run from the sender: a refusal is recorded durably (an outbox row with status
   `refused`, so the regulator's conflicts view lists it beside the refusals of the worker) and raised
   as `ContractRefusedError` naming the broken rule, before any gas is spent. One refusal is no refusal:
   `InvalidAccountNonce` for a signature whose previous nonce is still in the outbox; the chain has not
   seen the earlier write yet, and the worker dry-runs this one again once it has (several submissions
   of one party in flight);
4. accepted, it is queued in the outbox; with `wait`, the worker is run until it is final.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from web3 import Web3

from ledger.chain.contracts import Write
from ledger.chain.errors import CONTRACT_REFUSALS, DecodedError, decode_refusal
from ledger.outbox import FINAL, IdempotencyConflictError, OutboxStatus, OutboxWrite, WriteResult
from ledger.runtime import LedgerRuntime

WAIT_SECONDS = 30.0
NONCE_AHEAD = "InvalidAccountNonce"  # the contract's refusal of a signature whose nonce is not the next one


class NoCustodyKeyError(LookupError):
    """The ledger holds no key for the account that must send the write."""


class ContractRefusedError(RuntimeError):
    """The contracts refuse (or refused) the write; `rule` names the broken rule (the custom error)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True)
class Signer:
    """The party whose EIP-712 signature a relayed write carries, and that signature's nonce."""

    address: str
    nonce: int


def relayed_signature_request(write: Write) -> str:
    """The request a relayed signature's write stands for: the digest of its target and calldata, which hold
    the signed terms and the signature. Such a write is found again by its nonce, and the nonce alone must not
    answer another request: terms signed over the same nonce for another creditor or licensee would get the
    first write's answer (`mined`) for a request never sent. With this digest a retry (same bytes) gets its
    first answer and another request `IdempotencyConflictError`."""
    return hashlib.sha256(bytes.fromhex(write.to.removeprefix("0x")) + write.data).hexdigest()


def write_key(scope: str, idempotency_key: str | None) -> str:
    """The outbox key of a write: its scope and the caller's idempotency key (a fresh one when none is given)."""
    return f"{scope}:{idempotency_key or uuid.uuid4().hex}"


def send(
    runtime: LedgerRuntime,
    write: Write,
    *,
    sender: str,
    key: str,
    signer: Signer | None = None,
    wait: bool = False,
    request: str | None = None,
) -> WriteResult:
    """Dry-runs `write` from `sender`, then queues it under `key`; the write's result as it stands (or final).

    `request` is the digest of the client request that a client's idempotency key names: a write already under
    the key answers only that request. The calldata is not compared, since the service may build it afresh
    on a retry (a new nonce or deadline for a custodied signature).

    Raises NoCustodyKeyError, ContractRefusedError (at the dry run, or when the write ended refused or
    reverted) and IdempotencyConflictError (the key was used for another request).
    """
    sender = Web3.to_checksum_address(sender)
    if sender not in runtime.custody:
        raise NoCustodyKeyError(f"{sender} must send it itself")
    existing = runtime.outbox.result(key)
    if existing is not None and request is not None and existing.request_digest != request:
        raise IdempotencyConflictError(f"idempotency key {key!r} was used for another request")
    if existing is None:
        _dry_run(runtime, write, sender, signer)
        runtime.outbox.enqueue(
            key,
            sender,
            write.to,
            write.data,
            write.purpose,
            signer=signer.address if signer else None,
            signer_nonce=signer.nonce if signer else None,
            request_digest=request,
        )
    elif existing.status in FINAL or not wait:
        return _final_or_refused(existing)
    result = runtime.outbox.wait(key, timeout=WAIT_SECONDS) if wait else runtime.outbox.result(key)
    assert result is not None
    return _final_or_refused(result)


@dataclass(frozen=True)
class WalletTransaction:
    """A write for a party to send from its own wallet (EIP-1193 `eth_sendTransaction`): for the calls a contract
    takes from their sender only (an objection), when the service holds no key of the party's."""

    sender: str
    to: str
    data: str
    chain_id: int
    purpose: str


def wallet_transaction(runtime: LedgerRuntime, write: Write, sender: str) -> WalletTransaction:
    """Dry-runs `write` from `sender`, so that a refusal is read as a sentence before the wallet asks its holder
    to pay for it, and answers the unsigned transaction. Nothing is queued: the party's wallet sends it, and the
    index reads it from the chain like any other write."""
    sender = Web3.to_checksum_address(sender)
    try:
        runtime.w3.eth.call({"from": sender, "to": write.to, "data": write.data})
    except CONTRACT_REFUSALS as refusal:
        decoded = decode_refusal(refusal)
        raise ContractRefusedError(decoded.name, str(decoded)) from refusal
    return WalletTransaction(sender, write.to, "0x" + write.data.hex(), runtime.w3.eth.chain_id, write.purpose)


def _dry_run(runtime: LedgerRuntime, write: Write, sender: str, signer: Signer | None) -> None:
    try:
        runtime.w3.eth.call({"from": sender, "to": write.to, "data": write.data})
    except CONTRACT_REFUSALS as refusal:
        decoded = decode_refusal(refusal)
        if decoded.name == NONCE_AHEAD and _follows_write_in_flight(runtime, signer):
            return
        _record_refusal(runtime, write, sender, decoded)
        raise ContractRefusedError(decoded.name, str(decoded)) from refusal


def _follows_write_in_flight(runtime: LedgerRuntime, signer: Signer | None) -> bool:
    """Whether the signature's previous nonce is in the outbox, not yet on chain: this one is next in line."""
    return (
        signer is not None and signer.nonce > 0 and runtime.outbox.holds_signer_nonce(signer.address, signer.nonce - 1)
    )


def _record_refusal(runtime: LedgerRuntime, write: Write, sender: str, decoded: DecodedError) -> None:
    """Keeps a refusal at the dry run as a refused outbox row under a key of its own, so a later retry under
    the caller's key is tried afresh while the attempt stays on record (the regulator's refused writes)."""
    with runtime.sessions.begin() as session:
        session.add(
            OutboxWrite(
                idempotency_key=f"refused:{uuid.uuid4().hex}",
                purpose=write.purpose,
                sender=sender,
                to=write.to,
                data=write.data,
                status=OutboxStatus.REFUSED,
                error=str(decoded)[:2000],
            )
        )


def _final_or_refused(result: WriteResult) -> WriteResult:
    if result.status in (OutboxStatus.REFUSED, OutboxStatus.REVERTED):
        raise ContractRefusedError((result.error or "Error").partition("(")[0], result.error or "refused")
    return result


__all__ = [
    "ContractRefusedError",
    "IdempotencyConflictError",
    "NoCustodyKeyError",
    "Signer",
    "WalletTransaction",
    "send",
    "wallet_transaction",
    "write_key",
]
