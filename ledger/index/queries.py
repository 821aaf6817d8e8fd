"""Read queries over the index. Nothing here reads the chain's logs: the follower already did."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.index.tables import (
    CertificateRow,
    ChainEvent,
    DataFileRow,
    EndorsementRow,
    LicenceRow,
    LineageEdge,
    ManifestRecord,
    ManifestVersion,
    PendingTransferRow,
    RegistrationRow,
    RightRow,
)


def registration(session: Session, registration_id: int) -> RegistrationRow | None:
    """The current state of a registration."""
    return session.get(RegistrationRow, registration_id)


def registrations_by_data_hash(session: Session, sha256_hex: str) -> list[tuple[int, int, str | None]]:
    """(registration, version, file path) of every manifest version whose data is, or includes, this hash."""
    digest = sha256_hex.lower()
    whole = session.execute(
        select(ManifestVersion.registration_id, ManifestVersion.version).where(
            ManifestVersion.data_commitment == digest
        )
    ).all()
    files = session.execute(
        select(DataFileRow.registration_id, DataFileRow.version, DataFileRow.path).where(DataFileRow.sha256 == digest)
    ).all()
    found: dict[tuple[int, int], str | None] = {(r, v): None for r, v in whole}
    for registration_id, version, path in files:
        found.setdefault((registration_id, version), path)
    return sorted((r, v, p) for (r, v), p in found.items())


def registrations_by_manifest(session: Session, digest_hex: str) -> list[int]:
    """Registrations that ever pointed at this manifest digest."""
    rows = session.scalars(
        select(ManifestVersion.registration_id).where(ManifestVersion.manifest_digest == digest_hex.lower())
    )
    return sorted(set(rows))


def certificates_by_number(session: Session, number: int) -> Sequence[CertificateRow]:
    """Certificates with this number (unique per authority and certificate type)."""
    return session.scalars(select(CertificateRow).where(CertificateRow.number == number)).all()


def certificates_of(session: Session, registration_id: int) -> Sequence[CertificateRow]:
    return session.scalars(
        select(CertificateRow)
        .where(CertificateRow.registration_id == registration_id)
        .order_by(CertificateRow.issued_block)
    ).all()


def history(session: Session, registration_id: int) -> Sequence[ChainEvent]:
    """Every event of a registration, in chain order."""
    return session.scalars(
        select(ChainEvent)
        .where(ChainEvent.registration_id == registration_id)
        .order_by(ChainEvent.block_number, ChainEvent.log_index)
    ).all()


def parents(session: Session, registration_id: int) -> list[int]:
    return sorted(session.scalars(select(LineageEdge.parent_id).where(LineageEdge.child_id == registration_id)))


def children(session: Session, registration_id: int) -> list[int]:
    return sorted(session.scalars(select(LineageEdge.child_id).where(LineageEdge.parent_id == registration_id)))


def manifest_record(session: Session, registration_id: int, version: int) -> ManifestRecord | None:
    return session.get(ManifestRecord, (registration_id, version))


def data_file(session: Session, registration_id: int, version: int, path: str) -> DataFileRow | None:
    return session.get(DataFileRow, (registration_id, version, path))


def manifest_version(session: Session, registration_id: int, version: int) -> ManifestVersion | None:
    return session.get(ManifestVersion, (registration_id, version))


def current_manifest_version(session: Session, registration_id: int) -> int:
    """The version of the current manifest (1 before certification)."""
    row = session.get(RegistrationRow, registration_id)
    return max(row.version, 1) if row else 1


def search_text(session: Session, text: str, limit: int = 50) -> list[int]:
    """Registrations whose current manifest's title or description contains `text`."""
    pattern = f"%{text}%"
    rows = session.scalars(
        select(ManifestRecord.registration_id)
        .where(or_(ManifestRecord.title.ilike(pattern), ManifestRecord.description.ilike(pattern)))
        .limit(limit)
    )
    return sorted(set(rows))


def rights_of(session: Session, registration_id: int) -> Sequence[RightRow]:
    return session.scalars(
        select(RightRow).where(RightRow.registration_id == registration_id).order_by(RightRow.right)
    ).all()


def licences_of(session: Session, registration_id: int) -> Sequence[LicenceRow]:
    return session.scalars(
        select(LicenceRow).where(LicenceRow.registration_id == registration_id).order_by(LicenceRow.granted_block)
    ).all()


def pending_transfers_of(session: Session, registration_id: int) -> Sequence[PendingTransferRow]:
    return session.scalars(
        select(PendingTransferRow).where(PendingTransferRow.registration_id == registration_id)
    ).all()


def endorsements_of(session: Session, registration_id: int) -> Sequence[EndorsementRow]:
    return session.scalars(
        select(EndorsementRow)
        .where(EndorsementRow.registration_id == registration_id)
        .order_by(EndorsementRow.block_number)
    ).all()
