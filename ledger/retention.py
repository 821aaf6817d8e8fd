"""Retention: everything the chain references stays retrievable, hashes right, and can be exported.

The ledger keeps, pinned and never garbage-collected, every manifest, every evidence file a manifest
lists and every certificate document, on R nodes (ledger.replication). The check proves, node by node,
that each is in the node's own store (no network lookup), rebuilds its CID from the bytes, and confirms
the pin; an item with fewer than R such copies is reported, and the repair pins it again elsewhere. The
export writes them all as one CAR (v1) file for another node or the national registration platform.
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
from ledger.ipfs import IpfsError
from ledger.manifest.cid import raw_cid_of_digest
from ledger.manifest.model import evidence_profile
from ledger.manifest.unixfs import LEGACY_PROFILE, UnixFsProfile
from ledger.replication import Pinset


@dataclass(frozen=True)
class Referenced:
    """One piece of content the chain references, directly or through a manifest."""

    kind: str  # manifest | evidence | certificate_document
    cid: str
    registration_id: int
    profile: UnixFsProfile = LEGACY_PROFILE  # evidence only: the import profile its manifest records

    @property
    def unixfs_profile(self) -> UnixFsProfile | None:
        """The profile its CID is rebuilt under: evidence files are UnixFS, the rest single raw blocks."""
        return self.profile if self.kind == "evidence" else None


class MissingItem(BaseModel):
    """An item held by fewer than R nodes: how many good copies there are and what is wrong on each other node."""

    kind: str
    cid: str
    registration_id: int
    problem: str
    copies: int = 0
    nodes: dict[str, str] = {}


class RetentionReport(BaseModel):
    checked: int
    replicas: int
    nodes: list[str]
    missing: list[MissingItem]


class RepairedItem(BaseModel):
    kind: str
    cid: str
    pinned_on: list[str]


class RepairReport(BaseModel):
    repaired: list[RepairedItem]
    missing: list[MissingItem]
    replicas: int
    nodes: list[str]


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


def _below(pinset: Pinset, item: Referenced) -> MissingItem | None:
    """The item as missing when fewer than R nodes hold a good copy of it, else None."""
    copies = pinset.copies(item.cid, item.unixfs_profile)
    good = sum(copy.good for copy in copies)
    if good >= pinset.replicas:
        return None
    problems = {copy.node: copy.problem for copy in copies if copy.problem is not None}
    return MissingItem(
        kind=item.kind,
        cid=item.cid,
        registration_id=item.registration_id,
        problem=f"{good} of {pinset.replicas} copies: " + "; ".join(f"{n}: {p}" for n, p in problems.items()),
        copies=good,
        nodes=problems,
    )


def _require_a_node(pinset: Pinset) -> None:
    """Raises IpfsUnavailableError when no node answers: the check then says nothing rather than "all lost"."""
    pinset.version()


def check_retention(sessions: sessionmaker[Session], pinset: Pinset) -> RetentionReport:
    """Checks every referenced item on every node; the report lists each item held by fewer than R nodes."""
    _require_a_node(pinset)
    items = referenced_content(sessions)
    missing = [below for item in items if (below := _below(pinset, item)) is not None]
    return RetentionReport(checked=len(items), replicas=pinset.replicas, nodes=pinset.nodes, missing=missing)


def repair_retention(sessions: sessionmaker[Session], pinset: Pinset) -> RepairReport:
    """Re-pins every item held by fewer than R nodes on other reachable nodes, then checks again."""
    _require_a_node(pinset)
    repaired = []
    still_missing = []
    for item in referenced_content(sessions):
        if _below(pinset, item) is None:
            continue
        pinned = pinset.replicate(item.cid, item.unixfs_profile)
        if pinned:
            repaired.append(RepairedItem(kind=item.kind, cid=item.cid, pinned_on=pinned))
        below = _below(pinset, item)
        if below is not None:
            still_missing.append(below)
    return RepairReport(repaired=repaired, missing=still_missing, replicas=pinset.replicas, nodes=pinset.nodes)


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


def export_car(sessions: sessionmaker[Session], ipfs: Pinset, output: Path) -> int:
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
