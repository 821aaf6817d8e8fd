"""Manifests of indexed registrations, fetched from IPFS, checked, and made searchable.

The chain holds each manifest's digest; the loader fetches the block from the ledger's own node
(offline: it never waits on the network), checks that it is the canonical form of a valid signed
manifest whose CID is the digest on chain and whose signature recovers to the registrant, and stores
the fields the catalogue searches and the files of the data commitment (for verification by file).
A manifest that cannot be fetched is retried on the next pass and reported by the retention check.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.encoding import from_hex
from ledger.index.tables import DataFileRow, ManifestRecord, ManifestVersion, RegistrationRow
from ledger.ipfs import ContentMismatchError, IpfsError, IpfsUnavailableError
from ledger.manifest.canonical import parse_canonical
from ledger.manifest.cid import raw_cid_of_digest
from ledger.manifest.model import SignedManifest
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature
from ledger.replication import Pinset

log = logging.getLogger(__name__)


def _check(
    block: bytes, row: RegistrationRow, version: ManifestVersion, chain_id: int, registry: str
) -> tuple[SignedManifest | None, str | None]:
    try:
        document = parse_canonical(SignedManifest, block)
    except (ValidationError, ValueError) as error:
        return None, f"not a canonical signed manifest: {str(error)[:300]}"
    try:
        verify_manifest_signature(document, chain_id, registry)
    except ManifestSignatureError as error:
        return document, str(error)
    if document.manifest.registrant != row.registrant:
        return document, f"manifest names registrant {document.manifest.registrant}, the chain {row.registrant}"
    if document.manifest.data_commitment.root != version.data_commitment:
        root = document.manifest.data_commitment.root
        return document, f"manifest commits to data {root}, the chain to {version.data_commitment}"
    return document, None


def load_manifests(
    sessions: sessionmaker[Session], ipfs: Pinset, chain_id: int, registry: str, limit: int = 500
) -> int:
    """Loads up to `limit` manifest versions not loaded yet; returns how many were recorded."""
    with sessions() as session:
        pending = session.execute(
            select(ManifestVersion, RegistrationRow)
            .join(RegistrationRow, RegistrationRow.id == ManifestVersion.registration_id)
            .outerjoin(
                ManifestRecord,
                (ManifestRecord.registration_id == ManifestVersion.registration_id)
                & (ManifestRecord.version == ManifestVersion.version),
            )
            .where(ManifestRecord.registration_id.is_(None))
            .order_by(ManifestVersion.registration_id, ManifestVersion.version)
            .limit(limit)
        ).all()
    recorded = 0
    for version, registration in pending:
        cid = raw_cid_of_digest(from_hex(version.manifest_digest))
        try:
            block = ipfs.get_raw_block(cid, offline=True)
        except IpfsUnavailableError:
            raise
        except (IpfsError, ContentMismatchError) as error:
            log.info("manifest %s of registration %s not retrievable yet: %s", cid, registration.id, error)
            continue
        document, problem = _check(block, registration, version, chain_id, registry)
        with sessions.begin() as session:
            session.add(_record(version, cid, document, problem))
            if document is not None and problem is None:
                for file in document.manifest.data_commitment.files:
                    session.add(
                        DataFileRow(
                            registration_id=version.registration_id,
                            version=version.version,
                            path=file.path,
                            sha256=file.sha256,
                            size=file.size,
                        )
                    )
        recorded += 1
    return recorded


def _record(version: ManifestVersion, cid: str, document: SignedManifest | None, problem: str | None) -> ManifestRecord:
    manifest = document.manifest if document else None
    return ManifestRecord(
        registration_id=version.registration_id,
        version=version.version,
        manifest_digest=version.manifest_digest,
        cid=cid,
        valid=problem is None,
        problem=problem,
        title=manifest.title if manifest else None,
        description=manifest.description if manifest else None,
        category=manifest.category if manifest else None,
        industry=manifest.industry if manifest else None,
        document=document.model_dump(mode="json", by_alias=True, exclude_none=True) if document else None,
    )
