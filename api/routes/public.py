"""Public reads: verification, proof bundles, lineage, certificates, the catalogue and public notices.

No token is needed. Immutable answers (a proof bundle is pinned to blocks) carry ETags.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy import case, func, select

from api.deps import MAX_ID, DbSession, RegistrationId, Runtime
from api.errors import ProblemError
from api.etag import respond_with_etag
from ledger.bundles import BundleUnavailableError, build_bundle
from ledger.chain.registry import Grade, Origin, Status
from ledger.index import queries
from ledger.index.tables import ManifestRecord, RegistrationRow
from ledger.ipfs import IpfsError
from ledger.proofs.bundle import ProofBundle
from ledger.verification import RegistrationReport, VerificationReport, registration_report, verify

router = APIRouter(prefix="/v1", tags=["public"])

MAX_UPLOAD_BYTES = 1 << 30
HEX64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class Page(BaseModel):
    """A page of a list: its items and where the next page starts."""

    items: list[Any]
    total: int
    offset: int
    limit: int


class LineageGraph(BaseModel):
    nodes: list[dict[str, Any]]
    edges: list[dict[str, int]]


@router.get("/verify", response_model=VerificationReport, summary="Verify by sha256, certificate number or id")
def verify_query(
    session: DbSession,
    sha256: Annotated[str | None, Query(pattern=HEX64.pattern)] = None,
    certificate: Annotated[str | None, Query(pattern=r"^\d{12,18}$")] = None,
    registration: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The verification report (DESIGN.md §4) of a data hash, a certificate number or a registration id."""
    given = [value for value in (sha256, certificate, registration) if value is not None]
    if len(given) != 1:
        raise ProblemError(400, "one_query", "Give exactly one of sha256, certificate, registration")
    query = sha256 or certificate or f"reg:{registration}"
    # Built and validated once here; returning the model would make FastAPI validate it a second time.
    return Response(verify(session, str(query)).model_dump_json(), media_type="application/json")


@router.post("/verify/file", response_model=VerificationReport, summary="Verify an uploaded file")
async def verify_file(session: DbSession, file: UploadFile) -> VerificationReport:
    """Hashes the uploaded file as it streams in (nothing is stored) and verifies its sha256."""
    digest, size = hashlib.sha256(), 0
    while piece := await file.read(1 << 20):
        size += len(piece)
        if size > MAX_UPLOAD_BYTES:
            raise ProblemError(413, "upload_too_large", "The file is too large", f"at most {MAX_UPLOAD_BYTES} bytes")
        digest.update(piece)
    return verify(session, digest.hexdigest())


@router.get("/registrations/{registration_id}", response_model=RegistrationReport)
def get_registration(registration_id: RegistrationId, session: DbSession) -> RegistrationReport:
    """A registration with its status, history, certificates, manifest check and lineage."""
    report = registration_report(session, registration_id)
    if report is None:
        raise ProblemError(404, "registration_not_found", "No such registration", f"registration {registration_id}")
    return report


@router.get("/registrations/{registration_id}/bundle", response_model=ProofBundle)
def get_bundle(
    registration_id: RegistrationId,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    file_sha256: Annotated[str | None, Query(pattern=HEX64.pattern)] = None,
) -> Response:
    """The proof bundle, to check with `drl verify-bundle` against any node of the chain."""
    matched: tuple[int, str] | None = None
    if file_sha256:
        digest = "0x" + file_sha256.lower().removeprefix("0x")
        found: list[tuple[int, str]] = [
            (version, path)
            for registration, version, path in queries.registrations_by_data_hash(session, digest)
            if registration == registration_id and path is not None
        ]
        if not found:
            raise ProblemError(404, "file_not_registered", "The file is not part of this registration")
        matched = found[-1]
    try:
        bundle = build_bundle(session, runtime.ipfs, runtime.deployment, registration_id, matched)
    except BundleUnavailableError as error:
        raise ProblemError(404, "registration_not_found", "No such registration", str(error)) from error
    except IpfsError as error:
        raise ProblemError(503, "manifest_unavailable", "The manifest cannot be read from IPFS", str(error)) from error
    return respond_with_etag(request, bundle.model_dump(mode="json"))


@router.get("/registrations/{registration_id}/lineage", response_model=LineageGraph)
def get_lineage(registration_id: RegistrationId, session: DbSession) -> LineageGraph:
    """The derivation graph around a registration: its ancestors and its descendants."""
    if queries.registration(session, registration_id) is None:
        raise ProblemError(404, "registration_not_found", "No such registration")
    nodes: dict[int, dict[str, Any]] = {}
    edges: set[tuple[int, int]] = set()
    frontier = [registration_id]
    while frontier and len(nodes) < 1000:
        current = frontier.pop()
        if current in nodes:
            continue
        row = queries.registration(session, current)
        if row is None:
            continue
        nodes[current] = {"id": current, "status": Status(row.status).name.lower(), "registrant": row.registrant}
        for parent in queries.parents(session, current):
            edges.add((current, parent))
            frontier.append(parent)
        for child in queries.children(session, current):
            edges.add((child, current))
            frontier.append(child)
    return LineageGraph(
        nodes=sorted(nodes.values(), key=lambda node: node["id"]),
        edges=[{"child": child, "parent": parent} for child, parent in sorted(edges)],
    )


@router.get("/certificates/{number}", response_model=VerificationReport)
def get_certificate(number: str, session: DbSession) -> VerificationReport:
    """Certificate lookup by number (the certificate's QR code points here)."""
    if not re.fullmatch(r"\d{12,18}", number):
        raise ProblemError(400, "invalid_certificate_number", "A certificate number has 12 to 18 digits")
    report = verify(session, number)
    if not report.matches:
        raise ProblemError(404, "certificate_not_found", "No such certificate", number)
    return report


def _summary(row: RegistrationRow, record: ManifestRecord | None) -> dict[str, Any]:
    return {
        "registration_id": row.id,
        "status": Status(row.status).name.lower(),
        "registrant": row.registrant,
        "authority_id": row.authority_id,
        "origin": Origin(row.origin).name.lower(),
        "grade": Grade(row.grade).name.lower(),
        "certificate_number": row.certificate_number,
        "title": record.title if record else None,
        "category": record.category if record else None,
        "industry": record.industry if record else None,
        "manifest_digest": row.manifest_digest,
        "notice_ends_at": row.notice_ends_at,
    }


def _listing(session: DbSession, statuses: list[Status], offset: int, limit: int, **filters: Any) -> Page:
    query = (
        select(RegistrationRow, ManifestRecord)
        .outerjoin(
            ManifestRecord,
            (ManifestRecord.registration_id == RegistrationRow.id)
            & (ManifestRecord.version == case((RegistrationRow.version > 1, RegistrationRow.version), else_=1)),
        )
        .where(RegistrationRow.status.in_([int(s) for s in statuses]))
    )
    if filters.get("category"):
        query = query.where(ManifestRecord.category == filters["category"])
    if filters.get("industry"):
        query = query.where(ManifestRecord.industry == filters["industry"])
    if filters.get("grade"):
        query = query.where(RegistrationRow.grade == int(Grade[filters["grade"].upper()]))
    if filters.get("origin"):
        query = query.where(RegistrationRow.origin == int(Origin[filters["origin"].upper()]))
    if filters.get("holder"):
        query = query.where(RegistrationRow.registrant == filters["holder"])
    if filters.get("q"):
        pattern = f"%{filters['q']}%"
        query = query.where(ManifestRecord.title.ilike(pattern) | ManifestRecord.description.ilike(pattern))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(RegistrationRow.id).offset(offset).limit(limit)).all()
    return Page(items=[_summary(row, record) for row, record in rows], total=total, offset=offset, limit=limit)


GradeName = Annotated[str | None, Query(pattern="^(general|important|core)$")]
OriginName = Annotated[str | None, Query(pattern="^(public|enterprise|personal)$")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/catalogue", response_model=Page, summary="The data catalogue (数据目录)")
def catalogue(
    session: DbSession,
    category: Annotated[str | None, Query(max_length=200)] = None,
    industry: Annotated[str | None, Query(pattern=r"^[A-T](\d{2}(\d{1,2})?)?$")] = None,
    grade: GradeName = None,
    origin: OriginName = None,
    holder: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page:
    """Certified registrations, searchable by category, industry, grade, origin, holder and text."""
    return _listing(
        session,
        [Status.CERTIFIED],
        offset,
        limit,
        category=category,
        industry=industry,
        grade=grade,
        origin=origin,
        holder=holder,
        q=q,
    )


@router.get("/notices", response_model=Page, summary="Registrations in public notice (公示)")
def notices(session: DbSession, offset: Offset = 0, limit: Limit = 50) -> Page:
    """Registrations in their public-notice window, or objected to during it."""
    return _listing(session, [Status.PUBLIC_NOTICE, Status.OBJECTED], offset, limit)
