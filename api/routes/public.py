"""Public reads: verification, proof bundles, lineage, certificates, the catalogue and public notices.

No token is needed. Immutable answers (a proof bundle is pinned to blocks) carry ETags.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, UploadFile
from pydantic import AfterValidator, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.bodies import ADDRESS_PATTERN, checksummed
from api.deps import MAX_ID, DbSession, RegistrationId, Runtime
from api.errors import ProblemError
from api.etag import respond_with_etag
from ledger.bundles import BundleUnavailableError, FileNotRegisteredError, bundle_of
from ledger.index import queries
from ledger.index.queries import CatalogueEntry, CatalogueFilter
from ledger.ipfs import IpfsError
from ledger.proofs.bundle import ProofBundle
from ledger.verification import (
    RegistrationReport,
    VerificationReport,
    registration_report,
    verification_json,
    verify,
)
from ledger.vocabulary import Grade, Kind, Origin, Right, Status

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
async def verify_query(
    runtime: Runtime,
    sha256: Annotated[str | None, Query(pattern=HEX64.pattern)] = None,
    certificate: Annotated[str | None, Query(pattern=r"^\d{12,18}$")] = None,
    registration: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The verification report (DESIGN.md §4) of a data hash, a certificate number or a registration id."""
    given = [value for value in (sha256, certificate, registration) if value is not None]
    if len(given) != 1:
        raise ProblemError(400, "one_query", "Give exactly one of sha256, certificate, registration")
    query = sha256 or certificate or f"reg:{registration}"
    # Built and validated once in the ledger; returning the model would make FastAPI validate it a second time.
    answer = await run_in_threadpool(verification_json, runtime.sessions, str(query))
    return Response(answer, media_type="application/json")


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
    try:
        bundle = bundle_of(session, runtime.ipfs, runtime.deployment, registration_id, file_sha256)
    except FileNotRegisteredError as error:
        raise ProblemError(404, "file_not_registered", "The file is not part of this registration") from error
    except BundleUnavailableError as error:
        raise ProblemError(404, "registration_not_found", "No such registration", str(error)) from error
    except IpfsError as error:
        raise ProblemError(503, "manifest_unavailable", "The manifest cannot be read from IPFS", str(error)) from error
    return respond_with_etag(request, bundle.model_dump(mode="json"))


@router.get("/registrations/{registration_id}/lineage", response_model=LineageGraph)
def get_lineage(registration_id: RegistrationId, session: DbSession) -> LineageGraph:
    """The derivation graph around a registration: its ancestors and its descendants."""
    graph = queries.lineage(session, registration_id)
    if graph is None:
        raise ProblemError(404, "registration_not_found", "No such registration")
    return LineageGraph(
        nodes=[{"id": row.id, "status": Status.of(row.status), "registrant": row.registrant} for row in graph.nodes],
        edges=[{"child": child, "parent": parent} for child, parent in graph.edges],
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


class CatalogueItem(BaseModel):
    """A registration as the catalogue and the notices list it."""

    registration_id: int
    status: Status
    registrant: str
    authority_id: int
    kind: Kind
    origin: Origin
    grade: Grade
    certificate_number: int | None
    title: str | None
    category: str | None
    industry: str | None
    manifest_digest: str
    notice_ends_at: int | None
    holders: dict[Right, str] = Field(description="The current holder of each right (transferred rights included)")


class CataloguePage(BaseModel):
    """A page of the catalogue: its items and where the next page starts."""

    items: list[CatalogueItem]
    total: int
    offset: int
    limit: int


def _item(entry: CatalogueEntry) -> CatalogueItem:
    row, record = entry.registration, entry.record
    return CatalogueItem(
        registration_id=row.id,
        status=Status.of(row.status),
        registrant=row.registrant,
        authority_id=row.authority_id,
        kind=Kind.of(row.kind),
        origin=Origin.of(row.origin),
        grade=Grade.of(row.grade),
        certificate_number=row.certificate_number,
        title=record.title if record else None,
        category=record.category if record else None,
        industry=record.industry if record else None,
        manifest_digest=row.manifest_digest,
        notice_ends_at=row.notice_ends_at,
        holders=entry.holders,
    )


def _listing(
    session: DbSession, statuses: list[Status], offset: int, limit: int, where: CatalogueFilter | None = None
) -> CataloguePage:
    entries, total = queries.catalogue(session, statuses, where or CatalogueFilter(), offset, limit)
    return CataloguePage(items=[_item(entry) for entry in entries], total=total, offset=offset, limit=limit)


class CatalogueStatus(StrEnum):
    """The statuses the catalogue lists: live registrations, whose certificate was issued."""

    CERTIFIED = "certified"
    FROZEN = "frozen"
    LAPSED = "lapsed"


Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/catalogue", response_model=CataloguePage, summary="The data catalogue (数据目录)")
def catalogue(
    session: DbSession,
    category: Annotated[str | None, Query(max_length=200)] = None,
    industry: Annotated[
        str | None,
        Query(
            pattern=r"^[A-T](\d{2}(\d{1,2})?)?$",
            description="A GB/T 4754 code: a section (G) lists its divisions, groups and classes (G54, G541) too",
        ),
    ] = None,
    kind: Kind | None = None,
    status: Annotated[
        CatalogueStatus | None, Query(description="certified (the default), or frozen or lapsed registrations")
    ] = None,
    grade: Grade | None = None,
    origin: Origin | None = None,
    holder: Annotated[
        str | None,
        Query(pattern=ADDRESS_PATTERN, description="A current holder of any of the three rights, in any case"),
        AfterValidator(checksummed),
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or the description")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> CataloguePage:
    """Certified registrations (or frozen or lapsed ones), searchable by kind, category, industry, grade, origin,
    holder and text."""
    where = CatalogueFilter(
        category=category, industry=industry, kind=kind, grade=grade, origin=origin, holder=holder, text=q
    )
    return _listing(session, [Status(status or CatalogueStatus.CERTIFIED)], offset, limit, where)


@router.get("/notices", response_model=CataloguePage, summary="Registrations in public notice (公示)")
def notices(session: DbSession, offset: Offset = 0, limit: Limit = 50) -> CataloguePage:
    """Registrations in their public-notice window, or objected to during it."""
    return _listing(session, [Status.PUBLIC_NOTICE, Status.OBJECTED], offset, limit)
