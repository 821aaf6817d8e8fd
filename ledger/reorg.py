"""Writes whose transaction fell out of the chain in a reorganisation go back to the outbox.

The outbox settles a write when its receipt appears; a reorganisation can take that block away again.
The leader checks every write settled within a horizon of blocks below the head: a write whose transaction
the node no longer has a receipt for is pending again, and the outbox's next pass re-broadcasts its stored
signed transaction. The same bytes at the same nonce cannot land twice, so the write is on chain exactly
once; a transaction the new chain included elsewhere only has its block updated.
"""

from __future__ import annotations

import logging

from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ledger.outbox import OutboxStatus, OutboxWrite

log = logging.getLogger(__name__)


def requeue_orphaned_writes(sessions: sessionmaker[Session], w3: Web3, horizon: int) -> list[str]:
    """Puts back to pending every write settled within `horizon` blocks of the head whose receipt is gone;
    returns their idempotency keys."""
    head = int(w3.eth.block_number)
    requeued: list[str] = []
    with sessions.begin() as session:
        settled = session.scalars(
            select(OutboxWrite).where(
                OutboxWrite.status.in_([OutboxStatus.MINED, OutboxStatus.REVERTED]),
                OutboxWrite.tx_hash.is_not(None),
                OutboxWrite.block_number > head - horizon,
            )
        ).all()
        for write in settled:
            try:
                receipt = w3.eth.get_transaction_receipt(HexBytes(write.tx_hash or ""))
            except TransactionNotFound:
                log.warning(
                    "write %s (%s) fell out of the chain; sending it again", write.idempotency_key, write.tx_hash
                )
                write.status, write.block_number, write.gas_used, write.error = OutboxStatus.PENDING, None, None, None
                requeued.append(write.idempotency_key)
                continue
            write.block_number = int(receipt["blockNumber"])
    return requeued
