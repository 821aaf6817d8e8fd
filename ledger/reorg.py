"""Writes whose transaction fell out of the chain in a reorganisation go back to the outbox.

The outbox settles a write when its receipt appears; a reorganisation can take that block away again.
The leader checks every write settled within a horizon of blocks below the head: a write whose transaction
the node no longer has a receipt for is pending again, and the outbox's next pass re-broadcasts its stored
signed transaction. The same bytes at the same nonce cannot land twice, so the write is on chain exactly
once; a transaction the new chain included elsewhere only has its block updated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound

from ledger.outbox import OutboxStatus, OutboxWrite

log = logging.getLogger(__name__)


@dataclass
class StandingWrites:
    """What the last check found still on chain: those writes, and the hash of the highest block among them.

    While that block keeps its hash, every block below it does too (each block commits to its parent's hash),
    so those writes still stand and their receipts need not be asked for again: each pass asks for the receipts
    of the writes settled since, not of every write within the horizon (on an instant-mining chain, one block a
    write, that was most of the leader's JSON-RPC calls).
    """

    write_ids: set[int] = field(default_factory=set)
    block: int | None = None
    block_hash: str | None = None

    def still_standing(self, w3: Web3) -> bool:
        """Whether the highest block of the last check is still the chain's block at that height."""
        return self.block is not None and _hash_at(w3, self.block) == self.block_hash


def requeue_orphaned_writes(
    sessions: sessionmaker[Session], w3: Web3, horizon: int, standing: StandingWrites | None = None
) -> list[str]:
    """Puts back to pending every write settled within `horizon` blocks of the head whose receipt is gone;
    returns their idempotency keys. With `standing` (kept between the calls of one process), writes found on
    chain before are checked by one block hash rather than a receipt each."""
    head = int(w3.eth.block_number)
    known = standing.write_ids if standing is not None and standing.still_standing(w3) else set()
    requeued: list[str] = []
    with sessions.begin() as session:
        settled = session.scalars(
            select(OutboxWrite).where(
                OutboxWrite.status.in_([OutboxStatus.MINED, OutboxStatus.REVERTED]),
                OutboxWrite.tx_hash.is_not(None),
                OutboxWrite.block_number > head - horizon,
            )
        ).all()
        top = max((write.block_number or 0 for write in settled), default=None)
        top_hash = _hash_at(w3, top) if standing is not None and top is not None else None  # before the receipts
        moved = False
        for write in settled:
            if write.id in known:
                continue
            try:
                receipt = w3.eth.get_transaction_receipt(HexBytes(write.tx_hash or ""))
            except TransactionNotFound:
                log.warning(
                    "write %s (%s) fell out of the chain; sending it again", write.idempotency_key, write.tx_hash
                )
                write.status, write.block_number, write.gas_used, write.error = OutboxStatus.PENDING, None, None, None
                requeued.append(write.idempotency_key)
                continue
            moved = moved or write.block_number != int(receipt["blockNumber"])
            write.block_number = int(receipt["blockNumber"])
    if standing is not None:  # anything requeued or moved: the next call checks every receipt again
        clean = not requeued and not moved and top_hash is not None
        standing.write_ids = {write.id for write in settled} if clean else set()
        standing.block, standing.block_hash = (top, top_hash) if clean else (None, None)
    return requeued


def _hash_at(w3: Web3, number: int) -> str | None:
    """The hash of the chain's block at `number`, or None when the chain is not that high (any more)."""
    try:
        return w3.eth.get_block(number)["hash"].hex()
    except BlockNotFound:
        return None
