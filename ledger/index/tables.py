"""The event index: every event the ledger's contracts emitted, and the current state they imply.

The index is a cache of the chain: `drl index rebuild` recreates it from the chain alone. Numbers
wider than 63 bits (token ids) and digests are stored as text; registration ids are uint64 on chain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base
from ledger.vocabulary import Encumbrance


class IndexCursor(Base):
    """How far the index has followed the chain (one row)."""

    __tablename__ = "index_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))


class IndexedBlock(Base):
    """A block the index took events from (or ended a range on); used to detect reorganisations."""

    __tablename__ = "indexed_blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(66))
    timestamp: Mapped[int] = mapped_column(BigInteger)


class ChainEvent(Base):
    """One decoded event: the audit trail."""

    __tablename__ = "chain_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index"),
        Index("ix_chain_events_registration", "registration_id", "block_number", "log_index"),
        Index("ix_chain_events_name_block", "name", "block_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    timestamp: Mapped[int] = mapped_column(BigInteger, index=True)
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    contract: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(200), index=True)
    registration_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str | None] = mapped_column(String(42), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(JSON)


class RegistrationRow(Base):
    """The current state of a registration."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    registrant: Mapped[str] = mapped_column(String(42), index=True)
    authority_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[int] = mapped_column(Integer, index=True)
    origin: Mapped[int] = mapped_column(Integer, index=True)
    grade: Mapped[int] = mapped_column(Integer, index=True)
    personal_info: Mapped[bool] = mapped_column(Boolean)
    rights: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    manifest_digest: Mapped[str] = mapped_column(String(66), index=True)
    data_commitment: Mapped[str] = mapped_column(String(66), index=True)
    pending_manifest_digest: Mapped[str | None] = mapped_column(String(66))
    pending_data_commitment: Mapped[str | None] = mapped_column(String(66))
    notice_ends_at: Mapped[int | None] = mapped_column(BigInteger)
    review_due_at: Mapped[int | None] = mapped_column(BigInteger)
    open_objections: Mapped[int] = mapped_column(Integer, default=0)
    certificate_number: Mapped[int | None] = mapped_column(BigInteger, index=True)
    certificate_token: Mapped[str | None] = mapped_column(String(80))
    submitted_block: Mapped[int] = mapped_column(BigInteger)
    submitted_tx: Mapped[str] = mapped_column(String(66))
    submitted_at: Mapped[int] = mapped_column(BigInteger)
    updated_block: Mapped[int] = mapped_column(BigInteger)


class ManifestVersion(Base):
    """Every manifest a registration pointed to, by the version it is (or, before certification, will be)."""

    __tablename__ = "manifest_versions"

    registration_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    manifest_digest: Mapped[str] = mapped_column(String(66), index=True)
    data_commitment: Mapped[str] = mapped_column(String(66), index=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))


class ManifestBlock(Base):
    """A signed manifest's block as the service pinned it, offered to the index so that the loader need not fetch
    it back from the node a moment later. Not trusted: the loader uses it only if its sha256 is the digest the
    chain holds, and deletes it once recorded (or when stale)."""

    __tablename__ = "manifest_blocks"

    digest: Mapped[str] = mapped_column(String(66), primary_key=True)  # sha256 of `block`, 0x-hex, as on chain
    block: Mapped[bytes] = mapped_column(LargeBinary)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC), index=True)


class ManifestMiss(Base):
    """A manifest version no node had when the loader asked: asked for again at `next_attempt_at`, after a delay
    that doubles with each miss (ledger.index.manifests.retry_delay), and forgotten once loaded. Anyone admitted
    can put on chain the digest of a manifest that is on no node; without this the loader asked for it on every
    pass, for ever. Not part of the state the chain defines: a rebuilt index asks again at once."""

    __tablename__ = "manifest_misses"

    registration_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The digest asked for: a miss holds back only that digest (a reorganised history may name another).
    manifest_digest: Mapped[str] = mapped_column(String(66))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LineageEdge(Base):
    """A registration derived from a parent registration."""

    __tablename__ = "lineage_edges"

    child_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    parent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, index=True)


class ObjectionRow(Base):
    """An objection registration (异议登记)."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    registration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    objector: Mapped[str] = mapped_column(String(42), index=True)
    evidence_digest: Mapped[str] = mapped_column(String(66))
    status: Mapped[str] = mapped_column(String(16))
    decision_digest: Mapped[str | None] = mapped_column(String(66))
    filed_block: Mapped[int] = mapped_column(BigInteger)


class CertificateRow(Base):
    """A certificate token."""

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_authority_type_number", "authority_id", "certificate_type", "number"),)

    token_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    registration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    authority_id: Mapped[int] = mapped_column(Integer)
    certificate_type: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(BigInteger, index=True)
    holder: Mapped[str] = mapped_column(String(42), index=True)
    document_digest: Mapped[str | None] = mapped_column(String(66))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_block: Mapped[int] = mapped_column(BigInteger)


class AnchorRow(Base):
    """A batch root anchored by an account."""

    __tablename__ = "anchors"

    anchorer: Mapped[str] = mapped_column(String(42), primary_key=True)
    root: Mapped[str] = mapped_column(String(66), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    metadata_digest: Mapped[str] = mapped_column(String(66))
    block_number: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))


class PartyRow(Base):
    """An admitted (or suspended) party."""

    __tablename__ = "parties"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    identity_commitment: Mapped[str | None] = mapped_column(String(66))


class AuthorityRow(Base):
    """A registration authority."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(42), index=True)
    code: Mapped[str] = mapped_column(String(66))
    notice_period: Mapped[int | None] = mapped_column(BigInteger)
    review_interval: Mapped[int | None] = mapped_column(BigInteger)


class RoleRow(Base):
    """A role held by an account (LedgerAccess)."""

    __tablename__ = "roles"

    role: Mapped[str] = mapped_column(String(66), primary_key=True)
    account: Mapped[str] = mapped_column(String(42), primary_key=True)


class ManifestRecord(Base):
    """The checked content of one manifest version."""

    __tablename__ = "manifest_records"

    registration_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    manifest_digest: Mapped[str] = mapped_column(String(66), index=True)
    cid: Mapped[str] = mapped_column(String(80))
    valid: Mapped[bool] = mapped_column(Boolean)
    problem: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    industry: Mapped[str | None] = mapped_column(String(8), index=True)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DataFileRow(Base):
    """A file of a registered data folder (or the single registered file)."""

    __tablename__ = "data_files"

    registration_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(66), index=True)
    size: Mapped[int] = mapped_column(BigInteger)


class RightRow(Base):
    """One of the three rights of a certified registration: its holder and what encumbers it."""

    __tablename__ = "rights"

    registration_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    right: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(42), index=True)
    encumbrance: Mapped[str] = mapped_column(String(8), default=Encumbrance.NONE)
    creditor: Mapped[str | None] = mapped_column(String(42), index=True)
    agreement_digest: Mapped[str | None] = mapped_column(String(66))


class PendingTransferRow(Base):
    """A transfer registration waiting for its approvals."""

    __tablename__ = "pending_transfers"

    registration_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    right: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(42))
    new_holder: Mapped[str] = mapped_column(String(42), index=True)
    digest: Mapped[str] = mapped_column(String(66))
    lawful: Mapped[bool] = mapped_column(Boolean)
    authority_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    regulator_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_block: Mapped[int] = mapped_column(BigInteger)


class LicenceRow(Base):
    """A licence registration (许可登记)."""

    __tablename__ = "licences"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    registration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    right: Mapped[int] = mapped_column(Integer)
    licence_type: Mapped[int | None] = mapped_column(Integer)
    licensee: Mapped[str] = mapped_column(String(42), index=True)
    licensor: Mapped[str] = mapped_column(String(42), index=True)
    scope_digest: Mapped[str] = mapped_column(String(66))
    scope_public: Mapped[bool] = mapped_column(Boolean)
    starts_at: Mapped[int] = mapped_column(BigInteger)
    ends_at: Mapped[int] = mapped_column(BigInteger)
    sublicensable: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    granted_block: Mapped[int] = mapped_column(BigInteger)


class EndorsementRow(Base):
    """An agency's endorsement of a report about a registration, keyed as on chain by (agency, report digest):
    two agencies may vouch for the same report."""

    __tablename__ = "endorsements"

    agency: Mapped[str] = mapped_column(String(42), primary_key=True, index=True)
    report_digest: Mapped[str] = mapped_column(String(66), primary_key=True)
    registration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    block_number: Mapped[int] = mapped_column(BigInteger)


STATE_TABLES: tuple[type[Base], ...] = (
    RightRow,
    PendingTransferRow,
    LicenceRow,
    EndorsementRow,
    ManifestRecord,
    DataFileRow,
    RoleRow,
    RegistrationRow,
    ManifestVersion,
    LineageEdge,
    ObjectionRow,
    CertificateRow,
    AnchorRow,
    PartyRow,
    AuthorityRow,
)
