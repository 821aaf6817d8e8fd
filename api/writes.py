"""Writes on behalf of a caller, as the service answers them: the ledger's send path (`ledger.writes.send`)
under the caller's idempotency key (`api.idempotency`), and the write's state as the client sees it."""

from __future__ import annotations

from pydantic import BaseModel

from api.idempotency import ClientRequest
from ledger.chain.contracts import Write
from ledger.index.freshness import wait_until_indexed
from ledger.outbox import OutboxStatus, WriteResult
from ledger.runtime import LedgerRuntime
from ledger.writes import Signer, relayed_signature_request, send, write_key

INDEX_WAIT_SECONDS = 10.0  # past it, the write is answered as mined and reads may lag behind it


class WriteAccepted(BaseModel):
    """A write the service accepted: where it stands now."""

    key: str
    status: OutboxStatus
    tx_hash: str | None
    block_number: int | None
    error: str | None


def accepted(result: WriteResult) -> WriteAccepted:
    return WriteAccepted(
        key=result.key,
        status=result.status,
        tx_hash=result.tx_hash,
        block_number=result.block_number,
        error=result.error,
    )


def relay(
    runtime: LedgerRuntime,
    write: Write,
    *,
    sender: str,
    scope: str,
    idempotency_key: ClientRequest | None,
    signer: Signer | None = None,
    wait: bool = False,
    fallback_key: str | None = None,
) -> WriteAccepted:
    """Sends `write` from `sender` under the client's idempotency key, bound to the client's request; without
    one, under `scope` (which names the caller) and `fallback_key` (a fresh key when None: every call a new
    write; "signed" for a relayed signature, which a repeat finds again by its nonce in the scope). With
    `wait`, answers once the write is final and the index has read its block (up to `INDEX_WAIT_SECONDS`
    more), so that the caller's next read shows it.

    The ledger's refusals become problem documents in `api.errors` (`contract_refused`, `no_custody_key`,
    `idempotency_conflict`).
    """
    if idempotency_key is None:
        key = write_key(scope, fallback_key)
        request = relayed_signature_request(write) if fallback_key == "signed" else None
    else:
        key, request = idempotency_key.outbox_key, idempotency_key.digest
    result = send(runtime, write, sender=sender, key=key, signer=signer, wait=wait, request=request)
    if wait and result.block_number is not None:
        wait_until_indexed(runtime.sessions, result.block_number, INDEX_WAIT_SECONDS)
    return accepted(result)
