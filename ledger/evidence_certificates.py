"""Evidence certificates of log entries (存证证书, `drl.evidence-certificate/1`), issued off chain.

The contracts mint an evidence certificate only for a registration (`Registrations.issueEvidenceCertificate`);
an evidence log entry has none. Rather than a new deployment, the authority issues the certificate as a
document: it names each certified entry (index, leaf hash) and the anchored checkpoint that includes them all
(origin, size, root, the signed note and the anchoring transaction), so anyone can check it with the entries'
bundles against any node. The document is numbered like every evidence certificate (`yyyymmdd` in China
Standard Time and a daily sequence, ledger/chain/ids.py), in the log's own series (table
`evidence_certificates`), pinned on IPFS as one raw block, and anchored by the log itself: its sha256 is
recorded as an evidence entry of the authority (kind `operation`), which the next checkpoint anchors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, DateTime, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger import evidence
from ledger.chain.ids import CertificateNumber, issue_day
from ledger.db import Base
from ledger.evidence import EvidenceItem, EvidenceRow
from ledger.evidence_bundles import EvidenceNotAnchoredError, anchoring_of
from ledger.manifest.canonical import canonical_json, parse_canonical, sha256
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import EvidenceEntryKind

EVIDENCE_CERTIFICATE_VERSION: Literal["drl.evidence-certificate/1"] = "drl.evidence-certificate/1"
MAX_CERTIFIED_ENTRIES = 1000
EVIDENCE_STATEMENT = (
    "本证书证明所列条目已记入存证日志，且包含它们的检查点已锚定于链上；不是权属认定。 This certificate evidences "
    "that the listed entries were recorded in the evidence log and that a checkpoint including them is anchored "
    "on chain; it is not a finding of rights."
)


class CertifiedEntry(BaseModel):
    """An entry the certificate names: its place in the log and the RFC 6962 leaf hash the tree commits to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    leaf_hash: str


class CertifiedCheckpoint(BaseModel):
    """The anchored checkpoint that includes every certified entry, and the transaction that anchored it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: str
    size: int = Field(ge=1)
    root: str = Field(description="the tree root (0x hex), as anchored")
    signed_note: str = Field(description="the checkpoint as the log signed it (C2SP signed note)")
    anchoring_transaction: str
    anchoring_block: int


class EvidenceCertificateDocument(BaseModel):
    """An evidence certificate of log entries (docs/formats/evidence-certificate.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal["drl.evidence-certificate/1"] = EVIDENCE_CERTIFICATE_VERSION
    certificate_number: str
    certificate_type: Literal["evidence"] = "evidence"
    issued_by: str = Field(description="the authority's account that issued it")
    issued_at: str = Field(description="RFC 3339 UTC time of issue")
    chain_id: int
    evidence_anchors: str
    anchorer: str
    log_key: str = Field(description="the log's note verifier key")
    entries: list[CertifiedEntry] = Field(min_length=1, max_length=MAX_CERTIFIED_ENTRIES)
    checkpoint: CertifiedCheckpoint
    statement: str = EVIDENCE_STATEMENT


class EvidenceCertificateRow(Base):
    """An evidence certificate issued off chain: its number, its document and the log entry anchoring it."""

    __tablename__ = "evidence_certificates"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document_digest: Mapped[str] = mapped_column(String(66), unique=True)
    cid: Mapped[str] = mapped_column(String(100))
    log_index: Mapped[int] = mapped_column(BigInteger)
    issued_by: Mapped[str] = mapped_column(String(42))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class EvidenceCertificate:
    """An issued evidence certificate: its document, the CID of its pinned block, and the entry anchoring it."""

    number: int
    document: EvidenceCertificateDocument
    cid: str
    document_digest: str
    log_index: int


def parse_evidence_certificate(block: bytes) -> EvidenceCertificateDocument:
    """A stored document block, refused unless canonical (so its digest is unambiguous)."""
    return parse_canonical(EvidenceCertificateDocument, block)


def evidence_certificate_schema() -> dict[str, Any]:
    """The JSON Schema of the document (docs/formats/schemas/evidence-certificate.schema.json)."""
    schema = EvidenceCertificateDocument.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:drl:evidence-certificate:1"
    return schema


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
            checkpoint=CertifiedCheckpoint(
                origin=covering.origin,
                size=covering.size,
                root=covering.root,
                signed_note=covering.checkpoint,
                anchoring_transaction=write.tx_hash,
                anchoring_block=write.block_number,
            ),
        )
        block = canonical_json(document)
        digest = "0x" + sha256(block).hex()
        cid = runtime.ipfs.put_raw_block(block)
        item = EvidenceItem(kind=EvidenceEntryKind.OPERATION, subject=digest, at=now)
        # Keyed by content, not by number: a document that differs (a retry after a crash) is logged as itself.
        [logged] = evidence.record(session, runtime.evidence_log, authority, [item])
        session.add(
            EvidenceCertificateRow(
                number=number,
                document_digest=digest,
                cid=cid,
                log_index=logged.index,
                issued_by=authority,
                issued_at=now,
            )
        )
        session.commit()
    return EvidenceCertificate(number, document, cid, digest, logged.index)
