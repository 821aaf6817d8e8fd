"""The certificate sheet: what a certificate's page and its PDF print, gathered from the index in one read.

The certificate document on IPFS (`ledger.certificates`) is the signed-off record; the sheet adds what a
person reads on paper: the data's name and condition from the checked manifest, the issue date from the
certification event, and whether this certificate was retired and by which one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ledger.certificates import STATEMENT, CertificateDocument, authority_name, parse_certificate_document
from ledger.encoding import from_hex
from ledger.index import queries
from ledger.index.tables import AuthorityRow, CertificateRow
from ledger.ipfs import IpfsError
from ledger.manifest.cid import raw_cid_of_digest
from ledger.replication import Pinset
from ledger.vocabulary import CertificateType, Encumbrance, Grade, Kind, Origin, Right, Status


class SheetRight(BaseModel):
    right: Right
    holder: str
    encumbrance: Encumbrance


class CertificateSheet(BaseModel):
    """One certificate as printed."""

    number: int
    certificate_type: CertificateType
    registration_id: int
    status: Status
    retired: bool
    current_number: int | None
    holder: str
    authority_id: int
    authority_name: str
    authority_account: str | None
    issued_at: datetime | None
    issued_tx: str | None
    title: str | None
    description: str | None
    kind: Kind
    origin: Origin
    grade: Grade
    category: str | None
    industry: str | None
    volume: str | None
    time_range: tuple[str, str] | None
    formats: list[str]
    data_commitment: str
    manifest_cid: str | None
    rights: list[SheetRight]
    document_published: bool
    current: bool = Field(description="certified and not retired: what the certificate states holds now")
    document_version: str | None = None
    pdf_sha256: str | None = None
    pdf_cid: str | None = None
    statement: str = STATEMENT


def _published(certificate: CertificateRow, ipfs: Pinset | None) -> dict[str, str | None]:
    """What the published document adds to the sheet (its version, the issued PDF's hash and CID), read from
    the node's own store; nothing if there is no document, no node, or the block is not there."""
    if ipfs is None or certificate.document_digest is None:
        return {}
    try:
        block = ipfs.get_raw_block(raw_cid_of_digest(from_hex(certificate.document_digest)), offline=True)
        document = parse_certificate_document(block)
    except (IpfsError, ValueError):
        return {}
    if not isinstance(document, CertificateDocument):
        return {"document_version": document.schema_version}
    return {"document_version": document.schema_version, "pdf_sha256": document.pdf_sha256, "pdf_cid": document.pdf_cid}


def certificate_sheet(
    session: Session, number: int, authority_names: dict[int, str] | None = None, ipfs: Pinset | None = None
) -> CertificateSheet | None:
    """The sheet of the certificate with this number (the live one if several share it), or None. With `ipfs`,
    what its published document adds (the issued PDF's hash) is read from the node's own store."""
    certificates = sorted(queries.certificates_by_number(session, number), key=lambda c: c.retired)
    if not certificates:
        return None
    certificate = certificates[0]
    row = queries.registration(session, certificate.registration_id)
    if row is None:
        return None
    live = [c for c in queries.certificates_of(session, row.id) if not c.retired]
    record = queries.manifest_record(session, row.id, queries.current_manifest_version(session, row.id))
    manifest = (record.document or {}).get("manifest", {}) if record else {}
    time_range = manifest.get("time_range")
    certified = [e for e in queries.history(session, row.id) if e.name == "RegistrationCertified"]
    authority = session.get(AuthorityRow, certificate.authority_id)
    return CertificateSheet(
        number=certificate.number,
        certificate_type=CertificateType.of(certificate.certificate_type),
        registration_id=row.id,
        status=Status.of(row.status),
        retired=certificate.retired,
        current_number=live[-1].number if live else None,
        holder=certificate.holder,
        authority_id=certificate.authority_id,
        authority_name=authority_name(authority_names or {}, certificate.authority_id),
        authority_account=authority.account if authority else None,
        issued_at=datetime.fromtimestamp(certified[-1].timestamp, UTC) if certified else None,
        issued_tx=certified[-1].tx_hash if certified else None,
        title=record.title if record else None,
        description=record.description if record else None,
        kind=Kind.of(row.kind),
        origin=Origin.of(row.origin),
        grade=Grade.of(row.grade),
        category=record.category if record else None,
        industry=record.industry if record else None,
        volume=manifest.get("volume"),
        time_range=(time_range["start"], time_range["end"]) if time_range else None,
        formats=list(manifest.get("formats", [])),
        data_commitment=row.data_commitment,
        manifest_cid=record.cid if record else None,
        rights=[
            SheetRight(right=Right.of(r.right), holder=r.holder, encumbrance=Encumbrance(r.encumbrance))
            for r in queries.rights_of(session, row.id)
        ],
        document_published=certificate.document_digest is not None,
        current=not certificate.retired and Status.of(row.status) == Status.CERTIFIED,
        **_published(certificate, ipfs),
    )
