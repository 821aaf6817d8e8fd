"""Building evidence proof bundles (`drl.evidence-bundle/1`) from the index, the log's tiles and the anchors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eth_typing import HexStr
from pydantic import BaseModel
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ledger.chain.artifacts import abi_of
from ledger.evidence import EvidenceRow
from ledger.evidence_anchoring import EvidenceCheckpointRow
from ledger.outbox import OutboxStatus, OutboxWrite, WriteResult
from ledger.proofs.tlog_bundle import AnchoredCheckpoint, ConsistencyStep, EvidenceBundle
from ledger.proofs.tlog_certificate import AnchoringTransaction
from ledger.runtime import LedgerRuntime


class EvidenceNotAnchoredError(LookupError):
    """No entry at that index, or no anchored checkpoint includes it yet."""


def _anchoring(runtime: LedgerRuntime, row: EvidenceCheckpointRow) -> WriteResult | None:
    """The mined anchoring write of a queued checkpoint, or None while it is not mined."""
    result = runtime.outbox.result(row.outbox_key)
    return result if result is not None and result.status == OutboxStatus.MINED else None


@dataclass(frozen=True)
class Anchoring:
    """The oldest anchored checkpoint that includes an entry, the anchored ones in order, and its mined write."""

    checkpoint: EvidenceCheckpointRow
    anchored: list[EvidenceCheckpointRow]
    write: WriteResult


def anchoring_of(runtime: LedgerRuntime, index: int) -> Anchoring:
    """Where the entry at `index` is anchored; refused (EvidenceNotAnchoredError) when it is not recorded here or
    no anchored checkpoint includes it yet (the bundle and the evidence certificate both start here)."""
    with runtime.sessions() as session:
        if session.get(EvidenceRow, index) is None:
            raise EvidenceNotAnchoredError(f"no evidence entry at index {index} was recorded here")
        rows = list(session.scalars(select(EvidenceCheckpointRow).order_by(EvidenceCheckpointRow.size)))
    mined = [(row, _anchoring(runtime, row)) for row in rows]
    anchored = [(row, write) for row, write in mined if write is not None]
    covering = next(((row, write) for row, write in anchored if row.size > index), None)
    if covering is None:
        raise EvidenceNotAnchoredError(f"no anchored checkpoint includes entry {index} yet")
    return Anchoring(covering[0], [row for row, _ in anchored], covering[1])


def evidence_bundle(runtime: LedgerRuntime, index: int) -> EvidenceBundle:
    """The bundle of the entry at `index`: proven in the oldest anchored checkpoint that includes it, and that
    checkpoint proven consistent with the anchored one before it."""
    anchoring = anchoring_of(runtime, index)
    covering, anchored = anchoring.checkpoint, anchoring.anchored
    with runtime.sessions() as session:
        entry = session.get(EvidenceRow, index)
        assert entry is not None
    earlier = next((row for row in reversed(anchored) if row.size < covering.size), None)
    log = runtime.evidence_log
    newest = log.checkpoint().size
    consistency = None
    if earlier is not None:
        proof = log.consistency_proof(earlier.size, covering.size, newest)
        consistency = ConsistencyStep(
            checkpoint=AnchoredCheckpoint(signed_note=earlier.checkpoint), proof=["0x" + p.hex() for p in proof]
        )
    return EvidenceBundle(
        chain_id=runtime.deployment.chain_id,
        evidence_anchors=runtime.deployment.evidence_anchors,
        anchorer=covering.anchorer,
        log_key=log.key.encode(),
        entry=entry.entry,
        index=index,
        checkpoint=AnchoredCheckpoint(signed_note=covering.checkpoint),
        inclusion_proof=["0x" + p.hex() for p in log.inclusion_proof(index, covering.size, newest)],
        consistency=consistency,
    )


class RegisteredEvidence(BaseModel):
    """An evidence entry naming a registration, as the verification report lists it: where it is in the log, the
    oldest anchored checkpoint that includes it (none yet: `anchored_size` is null) and where its proof bundle is
    (for the entry's party or a regulator; `drl verify-bundle` or the bundle page check it)."""

    index: int
    kind: str
    at: datetime
    leaf_hash: str
    anchored_size: int | None
    anchored_root: str | None
    bundle: str


MAX_REPORTED_EVIDENCE = 20
"""The newest entries a report lists; `GET /v1/evidence?registration_id=` (regulator) lists them all."""


def _registered_evidence() -> Select[*tuple[Any, ...]]:
    newest = (
        select(EvidenceRow.log_index, EvidenceRow.kind, EvidenceRow.at, EvidenceRow.leaf_hash)
        .where(EvidenceRow.registration_id == bindparam("registration_id"))
        .order_by(EvidenceRow.log_index.desc())
        .limit(MAX_REPORTED_EVIDENCE)
        .subquery()
    )
    # The anchoring's state as a scalar subquery, not a join: a join let SQLite walk every mined write of the
    # outbox; this way it walks the checkpoints up from the entry's index and stops at the first mined one.
    mined = select(OutboxWrite.status).where(OutboxWrite.idempotency_key == EvidenceCheckpointRow.outbox_key)
    covering = (
        select(EvidenceCheckpointRow.size)
        .where(EvidenceCheckpointRow.size > newest.c.log_index, mined.scalar_subquery() == OutboxStatus.MINED)
        .order_by(EvidenceCheckpointRow.size)
        .limit(1)
        .correlate(newest)
        .scalar_subquery()
    )
    anchor = aliased(EvidenceCheckpointRow)
    return (
        select(newest, anchor.size, anchor.root)
        .outerjoin(anchor, anchor.size == covering)
        .order_by(newest.c.log_index.desc())
    )


_REGISTERED_EVIDENCE = _registered_evidence()
"""Built once: building it (a subquery, an alias) cost SQLAlchemy more CPU than running it."""


def registered_evidence(session: Session, registration_id: int) -> list[RegisteredEvidence]:
    """The newest evidence entries naming the registration, each with the anchored checkpoint that includes it.

    One statement, whose cost does not grow with the log: the newest entries first, then for each the smallest
    anchored checkpoint larger than its index (from the checkpoints' primary key), where every anchored
    checkpoint was read for each verification.
    """
    rows = session.execute(_REGISTERED_EVIDENCE, {"registration_id": registration_id})
    return [
        RegisteredEvidence(
            index=row.log_index,
            kind=row.kind,
            at=row.at,
            leaf_hash=row.leaf_hash,
            anchored_size=row.size,
            anchored_root=row.root,
            bundle=f"/v1/evidence/{row.log_index}/bundle",
        )
        for row in rows
    ]


class Web3AnchorReader:
    """Reads anchors from any node of the chain (the AnchorReader of `verify_evidence_bundle`, the ChainAnchors of
    `verify_evidence_certificate`)."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def chain_id(self) -> int:
        """The node's chain id."""
        return int(self.w3.eth.chain_id)

    def transaction(self, tx_hash: str) -> AnchoringTransaction | None:
        """The mined transaction's block, status and callee (None when the node knows no such transaction)."""
        try:
            receipt = self.w3.eth.get_transaction_receipt(HexStr(tx_hash))
        except TransactionNotFound:
            return None
        return AnchoringTransaction(int(receipt["blockNumber"]), receipt["status"] == 1, str(receipt["to"] or ""))

    def anchored_size(self, evidence_anchors: str, anchorer: str, root: bytes) -> int:
        """The size anchored for `root` by `anchorer` (0 when it never anchored it)."""
        contract = self.w3.eth.contract(
            address=Web3.to_checksum_address(evidence_anchors), abi=abi_of("EvidenceAnchors")
        )
        anchor = contract.functions.anchorOf(Web3.to_checksum_address(anchorer), root).call()
        return int(anchor[0])
