"""Writes on behalf of a caller, as the service answers them: the ledger's send path (`ledger.writes.send`)
under the caller's idempotency key, and the write's state as the client sees it."""

from __future__ import annotations

from pydantic import BaseModel

from ledger.chain.contracts import Write
from ledger.index.freshness import wait_until_indexed
from ledger.outbox import OutboxStatus, WriteResult
from ledger.runtime import LedgerRuntime
from ledger.writes import Signer, send, write_key

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
    idempotency_key: str | None,
    signer: Signer | None = None,
    wait: bool = False,
) -> WriteAccepted:
    """Sends `write` from `sender` under the caller's idempotency key, scoped to `scope`; with `wait`, answers once
    the write is final and the index has read its block (up to `INDEX_WAIT_SECONDS` more), so that the caller's
    next read shows it.

    The ledger's refusals become problem documents in `api.errors` (`contract_refused`, `no_custody_key`,
    `idempotency_conflict`).
    """
    key = write_key(scope, idempotency_key)
    result = send(runtime, write, sender=sender, key=key, signer=signer, wait=wait)
    if wait and result.block_number is not None:
        wait_until_indexed(runtime.sessions, result.block_number, INDEX_WAIT_SECONDS)
    return accepted(result)
