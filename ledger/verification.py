"""Verification reports: what a buyer learns about a file, a hash, a certificate number or a registration.

Answers come from the index (which mirrors the chain) and from the manifests on IPFS, each checked:
the manifest's CID must be the digest on chain and its signature must recover to the registrant.
Lineage is walked back to the sources, each ancestor reported the same way.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, computed_field
from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from ledger.encoding import from_hex, to_hex
from ledger.evidence_bundles import RegisteredEvidence, registered_evidence
from ledger.index import queries
from ledger.index.tables import CertificateRow, LicenceRow
from ledger.manifest.cid import raw_cid_of_digest
from ledger.manifest.data import sha256_file
from ledger.manifest.model import SignedManifest, file_entry
from ledger.proofs.merkle import MerkleTree
from ledger.proofs.merkle import verify as verify_merkle
from ledger.verdict import Verdict, verdict_of
from ledger.vocabulary import (
    CertificateType,
    Encumbrance,
    Grade,
    Kind,
    LicenceStatus,
    LicenceType,
    Origin,
    ReportKind,
    Right,
    Status,
)

MAX_LINEAGE = 64
"""At most this many ancestors are reported with a registration (each once); beyond, the lineage is truncated."""
LIVE = (Status.CERTIFIED, Status.LAPSED, Status.FROZEN)


class ManifestCheck(BaseModel):
    """The manifest a registration points to, and whether it checks out."""

    version: int
    cid: str
    digest: str
    retrieved: bool
    signature_valid: bool
    problem: str | None = None
    title: str | None = None


class CertificateView(BaseModel):
    token_id: str
    number: int
    certificate_type: CertificateType
    holder: str
    retired: bool
    document_cid: str | None


class EventView(BaseModel):
    block_number: int
    timestamp: int
    tx_hash: str
    log_index: int
    name: str
    args: dict[str, Any]


class RightView(BaseModel):
    """Who holds one of the three rights now, and whether it is pledged or in trust."""

    right: Right
    holder: str
    encumbrance: Encumbrance
    creditor: str | None


class LicenceView(BaseModel):
    licence_id: str
    right: Right
    licence_type: LicenceType | None
    licensee: str
    licensor: str
    starts_at: int
    ends_at: int
    status: LicenceStatus
    scope_digest: str
    scope_public: bool


class EndorsementView(BaseModel):
    report_digest: str
    agency: str
    kind: ReportKind
    withdrawn: bool


class FileMatch(BaseModel):
    """The file asked about, when it is one of a registered folder's files."""

    path: str
    merkle_root: str
    proof: list[str]


class RegistrationReport(BaseModel):
    """One registration as a buyer sees it."""

    registration_id: int
    status: Status
    current: bool
    disputed: bool
    version: int
    registrant: str
    authority_id: int
    kind: Kind
    origin: Origin
    grade: Grade
    personal_info: bool
    data_commitment: str
    manifest: ManifestCheck
    matched_version: int | None = None
    matched_file: FileMatch | None = None
    certificates: list[CertificateView]
    rights: list[RightView] = []
    licences: list[LicenceView] = []
    pending_transfers: list[dict[str, Any]] = []
    endorsements: list[EndorsementView] = []
    history: list[EventView]
    parents: list[int] = []
    lineage: list[RegistrationReport] = []
    lineage_truncated: bool = False
    evidence: list[RegisteredEvidence] = []


class QueryKind(StrEnum):
    """What a verification query is."""

    FILE = "file"  # a local file (the command line only)
    SHA256 = "sha256"
    CERTIFICATE = "certificate"
    REGISTRATION = "registration"


class VerificationReport(BaseModel):
    """The answer to one verification query."""

    query: str
    query_kind: QueryKind
    matches: list[RegistrationReport]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> Verdict:
        """The one answer a person reads first (ledger/verdict.py)."""
        return verdict_of(self.matches, self.query_kind, self.query)

    @property
    def verified(self) -> bool:
        """Some match is live (certified, lapsed or frozen) and its manifest checks out."""
        return any(match.manifest.signature_valid and match.status is Status.CERTIFIED for match in self.matches)


def _manifest_check(row: Row[*tuple[Any, ...]]) -> ManifestCheck:
    """The current manifest of `row` (`queries.registration_with_manifest`) and whether it checks out."""
    if row.record_version is None:
        assert row.version_digest is not None, f"registration {row.id} has no manifest version {row.current_version}"
        return ManifestCheck(
            version=row.current_version,
            cid=raw_cid_of_digest(from_hex(row.version_digest)),
            digest=row.version_digest,
            retrieved=False,
            signature_valid=False,
            problem="manifest not retrieved from IPFS yet",
        )
    return ManifestCheck(
        version=row.current_version,
        cid=row.record_cid,
        digest=row.record_digest,
        retrieved=True,
        signature_valid=row.record_valid,
        problem=row.record_problem,
        title=row.record_title,
    )


def file_match(session: Session, registration_id: int, version: int, path: str) -> FileMatch | None:
    """The Merkle proof of one file of a registered folder, if it proves against the data commitment on chain.

    The manifest only says which files a folder holds; the root is taken from the chain (the indexed
    `dataCommitment` of that version), never from the manifest, so a manifest listing files its root does
    not cover proves nothing (issue 11, item 0).
    """
    record = queries.manifest_record(session, registration_id, version)
    on_chain = queries.manifest_version(session, registration_id, version)
    if record is None or record.document is None or on_chain is None:
        return None
    commitment = SignedManifest.model_validate(record.document).manifest.data_commitment
    files = {file.path: file for file in commitment.files}
    if commitment.scheme == "sha256" or path not in files:
        return None
    tree = MerkleTree.build([file_entry(file) for file in commitment.files], commitment.scheme)
    entry = file_entry(files[path])
    proof = tree.proof(entry)
    if not verify_merkle(from_hex(on_chain.data_commitment), entry, proof):
        return None
    return FileMatch(path=path, merkle_root=on_chain.data_commitment, proof=[to_hex(node) for node in proof])


def lineage_of(
    session: Session, registration_id: int, limit: int = MAX_LINEAGE, parents: list[int] | None = None
) -> tuple[list[int], bool]:
    """The ancestors of a registration, each once, nearest generations first, at most `limit` of them; and
    whether some were left out. Remembering visited registrations keeps a diamond-shaped lineage linear
    (issue 11, item 5: without it, 27 registrations with 3 parents each made 9,841 nested reports).
    `parents`, when the caller has already read them, are the registration's own (not read again)."""

    def parents_of(current: int) -> list[int]:
        if current == registration_id and parents is not None:
            return parents
        return queries.parents(session, current)

    seen, frontier = {registration_id}, [registration_id]
    ancestors: list[int] = []
    while frontier:
        following: list[int] = []
        for current in frontier:
            for parent in parents_of(current):
                if parent in seen:
                    continue
                if len(ancestors) == limit:
                    return ancestors, True
                seen.add(parent)
                ancestors.append(parent)
                following.append(parent)
        frontier = following
    return ancestors, False


def registration_report(
    session: Session, registration_id: int, matched: tuple[int, str | None] | None = None
) -> RegistrationReport | None:
    """The report of one registration, with its lineage: every ancestor once, up to `MAX_LINEAGE` of them."""
    report = _single_report(session, registration_id, matched)
    if report is None:
        return None
    ancestors, truncated = lineage_of(session, registration_id, parents=report.parents)
    if not ancestors:  # most registrations: the report as it is, not a copy
        return report
    lineage = [a for a in (_single_report(session, ancestor) for ancestor in ancestors) if a is not None]
    return report.model_copy(update={"lineage": lineage, "lineage_truncated": truncated})


def _single_report(
    session: Session, registration_id: int, matched: tuple[int, str | None] | None = None
) -> RegistrationReport | None:
    row = queries.registration_with_manifest(session, registration_id)
    if row is None:
        return None
    current_version = row.current_version
    status = Status.of(row.status)
    matched_version, matched_path = matched if matched else (None, None)
    return RegistrationReport(
        registration_id=row.id,
        status=status,
        current=matched_version in (None, current_version),
        disputed=row.open_objections > 0 and status in LIVE,
        version=row.version,
        registrant=row.registrant,
        authority_id=row.authority_id,
        kind=Kind.of(row.kind),
        origin=Origin.of(row.origin),
        grade=Grade.of(row.grade),
        personal_info=row.personal_info,
        data_commitment=row.data_commitment,
        manifest=_manifest_check(row),
        matched_version=matched_version,
        matched_file=file_match(session, row.id, matched_version, matched_path)
        if matched_path and matched_version
        else None,
        certificates=[_certificate_view(certificate) for certificate in queries.certificates_of(session, row.id)],
        rights=[
            RightView(
                right=Right.of(r.right), holder=r.holder, encumbrance=Encumbrance(r.encumbrance), creditor=r.creditor
            )
            for r in queries.rights_of(session, row.id)
        ],
        licences=[_licence_view(licence) for licence in queries.licences_of(session, row.id)],
        pending_transfers=[
            {
                "right": Right.of(p.right),
                "holder": p.holder,
                "new_holder": p.new_holder,
                "lawful": p.lawful,
                "authority_approved": p.authority_approved,
                "regulator_approved": p.regulator_approved,
            }
            for p in queries.pending_transfers_of(session, row.id)
        ],
        endorsements=[
            EndorsementView(
                report_digest=e.report_digest, agency=e.agency, kind=ReportKind.of(e.kind), withdrawn=e.withdrawn
            )
            for e in queries.endorsements_of(session, row.id)
        ],
        history=[
            EventView(
                block_number=e.block_number,
                timestamp=e.timestamp,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                name=e.name,
                args=e.args,
            )
            for e in queries.history(session, row.id)
        ],
        parents=queries.parents(session, row.id),
        evidence=registered_evidence(session, row.id),
    )


def _licence_view(licence: LicenceRow) -> LicenceView:
    return LicenceView(
        licence_id=licence.id,
        right=Right.of(licence.right),
        licence_type=LicenceType.of(licence.licence_type) if licence.licence_type is not None else None,
        licensee=licence.licensee,
        licensor=licence.licensor,
        starts_at=licence.starts_at,
        ends_at=licence.ends_at,
        status=LicenceStatus(licence.status),
        scope_digest=licence.scope_digest,
        scope_public=licence.scope_public,
    )


def _certificate_view(certificate: CertificateRow) -> CertificateView:
    document = certificate.document_digest
    return CertificateView(
        token_id=certificate.token_id,
        number=certificate.number,
        certificate_type=CertificateType.of(certificate.certificate_type),
        holder=certificate.holder,
        retired=certificate.retired,
        document_cid=raw_cid_of_digest(from_hex(document)) if document else None,
    )


HEX_DIGEST = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
CERTIFICATE_NUMBER = re.compile(r"^\d{12,18}$")  # yyyymmdd + sequence; 18 digits fit the index
REGISTRATION_ID = re.compile(r"^(reg:|#)?(\d{1,19})$")


def classify(query: str, allow_files: bool = False) -> QueryKind:
    """What a query is: `file` (only where local files may be read), `sha256`, `certificate` or `registration`."""
    if allow_files and Path(query).is_file():
        return QueryKind.FILE
    if HEX_DIGEST.match(query):
        return QueryKind.SHA256
    if CERTIFICATE_NUMBER.match(query):
        return QueryKind.CERTIFICATE
    match = REGISTRATION_ID.match(query)
    if match and int(match.group(2)) < 2**63:
        return QueryKind.REGISTRATION
    raise ValueError(
        f"{query!r} is neither a readable file, a sha256 (64 hex digits), a certificate number (12 digits) "
        "nor a registration id (reg:N)"
    )


def verify(session: Session, query: str, allow_files: bool = False) -> VerificationReport:
    """The verification report of a sha256, certificate number or registration id, or (for the command line,
    with `allow_files`) of a local file. The service never passes `allow_files`: a query string must not make
    it read its own files."""
    kind = classify(query, allow_files)
    matches: list[RegistrationReport] = []
    if kind in (QueryKind.FILE, QueryKind.SHA256):
        digest = to_hex(sha256_file(Path(query)) if kind is QueryKind.FILE else from_hex(query))
        for registration_id, version, path in queries.registrations_by_data_hash(session, digest):
            report = registration_report(session, registration_id, matched=(version, path))
            # a whole-commitment match is the chain's own value; a file of a folder counts only once proven
            if report and (path is None or report.matched_file is not None):
                matches.append(report)
    elif kind is QueryKind.CERTIFICATE:
        for certificate in queries.certificates_by_number(session, int(query)):
            report = registration_report(session, certificate.registration_id)
            if report:
                matches.append(report)
    else:
        match = REGISTRATION_ID.match(query)
        assert match is not None
        report = registration_report(session, int(match.group(2)))
        if report:
            matches.append(report)
    return VerificationReport(query=query, query_kind=kind, matches=matches)


def verification_json(sessions: sessionmaker[Session], query: str) -> str:
    """The service's answer to a verification query: the report of a sha256, certificate number or registration
    id as JSON, read in a session of its own. One call for the route to hand to a worker thread: a session opened
    by a dependency and a synchronous route were three hand-offs between the event loop and the threads."""
    with sessions() as session:
        return verify(session, query).model_dump_json()
