"""Retention: everything the chain references stays retrievable, hashes right, and can be exported.

The ledger keeps, pinned and never garbage-collected, every manifest, every evidence file a manifest
lists and every certificate document. The check proves each is in the node's own store (no network
lookup), rebuilds its CID from the bytes, and confirms the pin. The export writes them all as one CAR
(v1) file for another node or the national registration platform.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dag_cbor
from multiformats import CID, varint
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.encoding import from_hex
from ledger.index.tables import CertificateRow, ManifestRecord, ManifestVersion
from ledger.ipfs import ContentMismatchError, IpfsClient, IpfsError, IpfsUnavailableError
from ledger.manifest.cid import raw_cid_of_digest
from ledger.manifest.model import evidence_profile
from ledger.manifest.unixfs import LEGACY_PROFILE, UnixFsProfile, unixfs_cid


@dataclass(frozen=True)
class Referenced:
    """One piece of content the chain references, directly or through a manifest."""

    kind: str  # manifest | evidence | certificate_document
    cid: str
    registration_id: int
    profile: UnixFsProfile = LEGACY_PROFILE  # evidence only: the import profile its manifest records


class MissingItem(BaseModel):
    kind: str
    cid: str
    registration_id: int
    problem: str


class RetentionReport(BaseModel):
    checked: int
    missing: list[MissingItem]


def referenced_content(sessions: sessionmaker[Session]) -> list[Referenced]:
    """Every CID the chain references, from the index."""
    items: dict[str, Referenced] = {}
    with sessions() as session:
        for version in session.scalars(select(ManifestVersion)):
            cid = raw_cid_of_digest(from_hex(version.manifest_digest))
            items.setdefault(cid, Referenced("manifest", cid, version.registration_id))
        for record in session.scalars(select(ManifestRecord).where(ManifestRecord.valid.is_(True))):
            manifest = (record.document or {}).get("manifest", {})
            profile = evidence_profile(manifest)
            for evidence in manifest.get("evidence", []):
                items.setdefault(
                    evidence["cid"], Referenced("evidence", evidence["cid"], record.registration_id, profile)
                )
        for certificate in session.scalars(select(CertificateRow).where(CertificateRow.document_digest.is_not(None))):
            assert certificate.document_digest is not None
            cid = raw_cid_of_digest(from_hex(certificate.document_digest))
            items.setdefault(cid, Referenced("certificate_document", cid, certificate.registration_id))
    return list(items.values())


def _problem(ipfs: IpfsClient, item: Referenced) -> str | None:
    if not ipfs.has_block(item.cid):
        return "not in the node's store"
    try:
        if item.kind == "evidence":
            rebuilt = unixfs_cid(_chunks(ipfs.cat(item.cid), item.profile.chunk_size), item.profile)
            if rebuilt != item.cid:
                return f"content rebuilds {rebuilt}"
        else:
            ipfs.get_raw_block(item.cid, offline=True)
    except ContentMismatchError as error:
        return str(error)
    except IpfsUnavailableError:
        raise
    except IpfsError as error:
        return str(error)
    if not ipfs.is_pinned(item.cid):
        return "not pinned: garbage collection could remove it"
    return None


def _chunks(stream: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Re-chunks a byte stream into the chunk size UnixFS files were built with."""
    buffer = b""
    for piece in stream:
        buffer += piece
        while len(buffer) >= size:
            yield buffer[:size]
            buffer = buffer[size:]
    if buffer:
        yield buffer


def check_retention(sessions: sessionmaker[Session], ipfs: IpfsClient) -> RetentionReport:
    """Checks every referenced item; the report lists what is missing or wrong."""
    items = referenced_content(sessions)
    missing = []
    for item in items:
        problem = _problem(ipfs, item)
        if problem is not None:
            missing.append(
                MissingItem(kind=item.kind, cid=item.cid, registration_id=item.registration_id, problem=problem)
            )
    return RetentionReport(checked=len(items), missing=missing)


def _blocks_of(export: Iterator[bytes]) -> Iterator[bytes]:
    """The block section of a CAR v1 stream: everything after its length-prefixed header."""
    buffer = b""
    pieces = iter(export)
    for piece in pieces:
        buffer += piece
        if len(buffer) >= 10:
            break
    length, prefix, _ = varint.decode_raw(buffer)
    while len(buffer) < prefix + length:
        more = next(pieces, None)
        if more is None:
            raise IpfsError("the node's CAR export ended inside its header")
        buffer += more
    yield buffer[prefix + length :]
    yield from pieces


def export_car(sessions: sessionmaker[Session], ipfs: IpfsClient, output: Path) -> int:
    """Writes every referenced item as one CAR v1 file; returns the number of roots."""
    items = referenced_content(sessions)
    roots = [CID.decode(item.cid) for item in items]
    header = dag_cbor.encode({"roots": list[dag_cbor.IPLDKind](roots), "version": 1})
    temporary = output.with_name(output.name + ".part")
    with temporary.open("wb") as out:
        out.write(varint.encode(len(header)) + header)
        for item in items:
            for piece in _blocks_of(ipfs.export_car(item.cid)):
                out.write(piece)
    temporary.replace(output)
    return len(roots)
