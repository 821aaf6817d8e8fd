"""Evidence certificates of log entries (存证证书, `drl.evidence-certificate/1`), issued off chain.

The contracts mint an evidence certificate only for a registration (`Registrations.issueEvidenceCertificate`);
an evidence log entry has none. Rather than a new deployment, the authority issues the certificate as a
document: it names each certified entry (index, leaf hash) and the anchored checkpoint that includes them all
(origin, size, root, the signed note and the anchoring transaction), so anyone can check it with the entries'
bundles against any node. The document is numbered like every evidence certificate (`yyyymmdd` in China
Standard Time and a daily sequence, ledger/chain/ids.py), in the log's own series (table
`evidence_certificates`), pinned on IPFS as one raw block, and anchored by the log itself: its sha256 is
recorded as an evidence entry of the authority (kind `operation`), which the next checkpoint anchors.

Issuing is resumable: the number and the document are saved first (a `pending` row holding the document's
canonical bytes), then the block is pinned and its digest logged, then the row is marked `issued`. A crash in
between leaves the intent, not an orphan: the next issue first finishes every pending certificate with the
same bytes (pinning and logging are idempotent: the same block, the same entry, its first index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger import evidence
from ledger.chain.ids import CertificateNumber, issue_day
from ledger.db import Base
from ledger.evidence import EvidenceItem, EvidenceRow
from ledger.evidence_bundles import EvidenceNotAnchoredError, anchoring_of
from ledger.manifest.canonical import canonical_json, sha256
from ledger.proofs.tlog_certificate import (
    CertifiedCheckpoint,
    CertifiedEntry,
    EvidenceCertificateDocument,
    parse_evidence_certificate,
)
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import EvidenceEntryKind

NUMBER_ATTEMPTS = 5


class CertificateState(StrEnum):
    """Where issuing a certificate stands: its document saved (`pending`), or pinned and logged (`issued`)."""

    PENDING = "pending"
    ISSUED = "issued"


class EvidenceCertificateRow(Base):
    """An evidence certificate issued off chain: its number, its document and the log entry anchoring it."""

    __tablename__ = "evidence_certificates"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document_digest: Mapped[str] = mapped_column(String(66), unique=True)
    cid: Mapped[str | None] = mapped_column(String(100))
    log_index: Mapped[int | None] = mapped_column(BigInteger)
    issued_by: Mapped[str] = mapped_column(String(42))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16), default=CertificateState.ISSUED.value, server_default="issued")
    document: Mapped[str | None] = mapped_column(Text, doc="the canonical document (rows before revision 0011: none)")


@dataclass(frozen=True)
class EvidenceCertificate:
    """An issued evidence certificate: its document, the CID of its pinned block, and the entry anchoring it."""

    number: int
    document: EvidenceCertificateDocument
    cid: str
    document_digest: str
    log_index: int


def _next_number(session: Session, now: datetime) -> int:
    """The next number of the log's series on the day of `now` in China Standard Time."""
    day = issue_day(int(now.timestamp()))
    first = CertificateNumber(day, 1).encode()
    issued = session.scalar(
        select(func.count())
        .select_from(EvidenceCertificateRow)
        .where(EvidenceCertificateRow.number.between(first, first + 9998))
    )
    return CertificateNumber(day, int(issued or 0) + 1).encode()


def certified_entries(session: Session, indices: Sequence[int]) -> list[CertifiedEntry]:
    """The entries to certify that are recorded here, in log order, each once."""
    query = select(EvidenceRow).where(EvidenceRow.log_index.in_(set(indices))).order_by(EvidenceRow.log_index)
    rows = session.scalars(query)
    return [CertifiedEntry(index=row.log_index, leaf_hash=row.leaf_hash) for row in rows]


def certify_entries(runtime: LedgerRuntime, authority: str, indices: Sequence[int]) -> EvidenceCertificate:
    """Issues one evidence certificate for the entries at `indices` (see the module): refused with
    EvidenceNotAnchoredError while an entry is not recorded here or no anchored checkpoint includes them all."""
    finish_pending(runtime)
    wanted = sorted(set(indices))
    with runtime.sessions() as session:
        entries = certified_entries(session, wanted)
    missing = sorted(set(wanted) - {entry.index for entry in entries})
    if missing:
        raise EvidenceNotAnchoredError(f"no evidence entry at index {missing[0]} was recorded here")
    anchoring = anchoring_of(runtime, wanted[-1])  # the oldest anchored checkpoint that includes them all
    covering, write = anchoring.checkpoint, anchoring.write
    assert write.tx_hash is not None  # a mined write has its transaction
    assert write.block_number is not None
    checkpoint = CertifiedCheckpoint(
        origin=covering.origin,
        size=covering.size,
        root=covering.root,
        signed_note=covering.checkpoint,
        anchoring_transaction=write.tx_hash,
        anchoring_block=write.block_number,
    )
    for _ in range(NUMBER_ATTEMPTS):
        now = datetime.now(UTC)
        with runtime.sessions() as session:
            number = _next_number(session, now)
            document = EvidenceCertificateDocument(
                certificate_number=str(number),
                issued_by=authority,
                issued_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                chain_id=runtime.deployment.chain_id,
                evidence_anchors=runtime.deployment.evidence_anchors,
                anchorer=covering.anchorer,
                log_key=runtime.evidence_log.key.encode(),
                entries=entries,
                checkpoint=checkpoint,
            )
            block = canonical_json(document)
            row = EvidenceCertificateRow(
                number=number,
                document_digest="0x" + sha256(block).hex(),
                issued_by=authority,
                issued_at=now,
                state=CertificateState.PENDING.value,
                document=block.decode(),
            )
            session.add(row)
            try:
                session.commit()  # the intent, before anything is pinned or logged
            except IntegrityError:
                session.rollback()  # another issue drew the same number at the same instant: draw again
                continue
        return _finish(runtime, row)
    raise RuntimeError(f"no certificate number was free after {NUMBER_ATTEMPTS} attempts")


def _finish(runtime: LedgerRuntime, row: EvidenceCertificateRow) -> EvidenceCertificate:
    """Pins the saved document, logs its digest and marks the row issued; the same bytes every time, so a
    resumed finish pins the same block and gets the entry the first attempt logged."""
    assert row.document is not None  # a pending row always holds its document
    block = row.document.encode()
    cid = runtime.ipfs.put_raw_block(block)
    item = EvidenceItem(kind=EvidenceEntryKind.OPERATION, subject=row.document_digest, at=row.issued_at)
    with runtime.sessions() as session:
        [logged] = evidence.record(session, runtime.evidence_log, row.issued_by, [item])
        stored = session.get(EvidenceCertificateRow, row.number)
        assert stored is not None
        stored.cid, stored.log_index, stored.state = cid, logged.index, CertificateState.ISSUED.value
        session.commit()
    return EvidenceCertificate(row.number, parse_evidence_certificate(block), cid, row.document_digest, logged.index)


def finish_pending(runtime: LedgerRuntime) -> list[EvidenceCertificate]:
    """Finishes every certificate a crash left pending (its document saved, perhaps pinned or logged)."""
    with runtime.sessions() as session:
        pending = list(
            session.scalars(
                select(EvidenceCertificateRow).where(EvidenceCertificateRow.state == CertificateState.PENDING.value)
            )
        )
    return [_finish(runtime, row) for row in pending]


def evidence_certificate(runtime: LedgerRuntime, number: int) -> EvidenceCertificate | None:
    """The issued evidence certificate of that number, read back (None when none is, or it is still pending);
    its document from the row, or from IPFS for a row saved before documents were kept."""
    with runtime.sessions() as session:
        row = session.get(EvidenceCertificateRow, number)
    if row is None or row.state != CertificateState.ISSUED.value or row.cid is None or row.log_index is None:
        return None
    block = row.document.encode() if row.document is not None else runtime.ipfs.get_raw_block(row.cid)
    document = parse_evidence_certificate(block)
    return EvidenceCertificate(row.number, document, row.cid, row.document_digest, row.log_index)
