"""The public pages: home, verify, certificates (with PDF and QR code), the catalogue and public notices.

Each page calls the same ledger function as its JSON twin under `/v1` and renders the answer with the
templates of `api/web`. No sign-in; nothing here writes.
"""

from __future__ import annotations

import io
import re
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import DbSession, Runtime
from api.errors import ProblemError
from api.routes import public
from api.web import WEB
from api.web.pdf import FontsMissingError, render_pdf
from api.web.rendering import render, render_html
from ledger.certificate_sheet import CertificateSheet, certificate_sheet
from ledger.chain.artifacts import bundle_check_abi
from ledger.index import queries
from ledger.lineage_graph import LineageDrawing, lineage_drawings
from ledger.public_objections import (
    MAX_REASON_CHARS,
    NoticeClosedError,
    NoticeNotFoundError,
    notice_of,
    receive_public_objection,
)
from ledger.verification import classify, verify
from ledger.vocabulary import Grade, Kind, Origin

E = TypeVar("E", bound=StrEnum)
router = APIRouter(include_in_schema=False)
CERTIFICATE_NUMBER = re.compile(r"^\d{12,18}$")
PAGE_SIZE = 20


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """What the ledger is, and the verify box."""
    return render(request, "home.html")


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, session: DbSession, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The verdict on a file's hash (computed in the browser), a certificate number or a registration id."""
    query = q.strip()
    if not query:
        return render(request, "verify.html", query="", report=None, invalid=False)
    try:
        classify(query)
    except ValueError:
        return render(request, "verify.html", status_code=400, query=query, report=None, invalid=True)
    report = verify(session, query)
    shown = [match.registration_id for match in report.matches[:MAX_DRAWN_MATCHES]]
    layouts = {
        registration_id: _layout(drawing) for registration_id, drawing in lineage_drawings(session, shown).items()
    }
    trees = queries.file_trees(session, shown)
    return render(request, "verify.html", query=query, report=report, invalid=False, layouts=layouts, trees=trees)


NODE_WIDTH, NODE_HEIGHT, COLUMN, ROW = 210, 48, 260, 64
MAX_DRAWN_MATCHES = 5


def _layout(drawing: LineageDrawing) -> dict[str, Any]:
    """Where the drawing's boxes go: one column per generation, sources on the left, derived products on the right;
    edges from a source's right side to the derived one's left side."""
    first = min(node.generation for node in drawing.nodes)
    rows: dict[int, int] = {}
    places: dict[int, tuple[int, int]] = {}
    for node in drawing.nodes:
        row = rows[node.generation] = rows.get(node.generation, -1) + 1
        places[node.registration_id] = (10 + (node.generation - first) * COLUMN, 10 + row * ROW)
    boxes = [
        {"node": node, "x": places[node.registration_id][0], "y": places[node.registration_id][1]}
        for node in drawing.nodes
    ]
    middle = NODE_HEIGHT // 2
    lines = [
        (places[a][0] + NODE_WIDTH, places[a][1] + middle, places[b][0], places[b][1] + middle)
        for a, b in drawing.edges
    ]
    width = 20 + (max(n.generation for n in drawing.nodes) - first) * COLUMN + NODE_WIDTH
    height = 20 + max(rows.values()) * ROW + NODE_HEIGHT
    return {"drawing": drawing, "boxes": boxes, "lines": lines, "width": width, "height": height}


@router.get("/verify/bundle", response_class=HTMLResponse)
def bundle_page(request: Request) -> Response:
    """A proof bundle checked in the browser against a node the user chooses (api/web/static/verify-bundle.mjs)."""
    return render(request, "verify_bundle.html", abi=bundle_check_abi())


def _certificate_sheet_or_404(
    request: Request, session: DbSession, runtime: Runtime, number: str
) -> CertificateSheet | Response:
    if not CERTIFICATE_NUMBER.match(number):
        return render(request, "not_found.html", status_code=404, what=number)
    sheet = certificate_sheet(session, int(number), runtime.settings.authority_names, runtime.ipfs)
    if sheet is None:
        return render(request, "not_found.html", status_code=404, what=number)
    return sheet


def _qr_svg(url: str) -> str:
    out = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return out.getvalue().decode().split("?>", 1)[-1]  # inline: without the XML declaration


def _page_url(runtime: Runtime, number: int) -> str:
    return f"{runtime.settings.public_base_url.rstrip('/')}/certificates/{number}"


@router.get("/certificates/{number}", response_class=HTMLResponse)
def certificate_page(number: str, request: Request, session: DbSession, runtime: Runtime) -> Response:
    """The certificate, bilingual, with a QR code to this page and a PDF download."""
    sheet = _certificate_sheet_or_404(request, session, runtime, number)
    if isinstance(sheet, Response):
        return sheet
    url = _page_url(runtime, sheet.number)
    return render(request, "certificate.html", sheet=sheet, url=url, qr=_qr_svg(url), pdf=False)


def print_certificate(request: Request, runtime: Runtime, sheet: CertificateSheet) -> bytes:
    """The certificate page's own template printed to PDF, with the CJK fonts embedded (FontsMissingError
    without them). The publication of a certificate document pins this PDF as issued."""
    url = _page_url(runtime, sheet.number)
    styles = (WEB / "static" / "certificate.css").read_text()
    html = render_html(request, "certificate.html", sheet=sheet, url=url, qr=_qr_svg(url), pdf=True, styles=styles)
    return render_pdf(html)


@router.get("/certificates/{number}/pdf")
def certificate_pdf(number: str, request: Request, session: DbSession, runtime: Runtime) -> Response:
    """The certificate printed to PDF, as it stands now (a retired certificate says so)."""
    sheet = _certificate_sheet_or_404(request, session, runtime, number)
    if isinstance(sheet, Response):
        return sheet
    try:
        pdf = print_certificate(request, runtime, sheet)
    except FontsMissingError as error:
        raise ProblemError(503, "fonts_missing", "The CJK fonts for PDFs are not installed", str(error)) from error
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="certificate-{sheet.number}.pdf"'},
    )


def _member(kind: type[E], value: str | None) -> E | None:
    """The vocabulary member named `value`, or None: a page ignores a filter it does not know."""
    return kind(value) if value is not None and value in kind._value2member_map_ else None


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    industry: Annotated[str | None, Query(max_length=5)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    grade: Annotated[str | None, Query(max_length=10)] = None,
    origin: Annotated[str | None, Query(max_length=10)] = None,
    holder: Annotated[str | None, Query(max_length=42)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """数据目录: certified registrations, searchable and filtered (the `/v1/catalogue` query)."""
    code = (industry or "").upper()
    filters = {
        "q": q or None,
        "category": category or None,
        "industry": code if re.fullmatch(r"[A-T](\d{2}(\d{1,2})?)?", code) else None,
        "kind": _member(Kind, kind),
        "status": _member(public.CatalogueStatus, status),
        "grade": _member(Grade, grade),
        "origin": _member(Origin, origin),
        "holder": holder if holder and re.fullmatch(r"0x[0-9a-fA-F]{40}", holder) else None,
    }
    page = public.catalogue(
        session=session,
        offset=offset,
        limit=PAGE_SIZE,
        q=filters["q"],
        category=filters["category"],
        industry=filters["industry"],
        kind=_member(Kind, kind),
        status=_member(public.CatalogueStatus, status),
        grade=_member(Grade, grade),
        origin=_member(Origin, origin),
        holder=filters["holder"],
    )
    return render(request, "catalogue.html", page=page, filters=filters)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(
    request: Request, session: DbSession, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> Response:
    """公示: registrations in their public-notice window, with the day each window ends."""
    page = public.notices(session=session, offset=offset, limit=PAGE_SIZE)
    return render(request, "notices.html", page=page)


@router.get("/notices/{registration_id}", response_class=HTMLResponse)
def notice_page(registration_id: int, request: Request, session: DbSession, runtime: Runtime) -> Response:
    """One application in public notice, with the form anyone may object through while the notice runs."""
    notice = notice_of(session, runtime.w3, registration_id)
    if notice is None:
        return render(request, "not_found.html", status_code=404, what=f"reg:{registration_id}")
    return render(request, "notice.html", notice=notice, errors=set(), values={})


def _objection_errors(reason: str, evidence: str) -> set[str]:
    """The fields of the form that are wrong (the page says why beside each)."""
    errors = set()
    if not reason or len(reason) > MAX_REASON_CHARS:
        errors.add("reason")
    if not re.fullmatch(r"0x[0-9a-f]{64}", evidence):
        errors.add("evidence")
    return errors


@router.post("/notices/{registration_id}/objections", response_class=HTMLResponse)
def object_page(
    registration_id: int,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    reason: Annotated[str, Form(max_length=2 * MAX_REASON_CHARS)] = "",
    evidence_digest: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Receives an objection from anyone during the notice (ledger/public_objections.py); after the notice, says so."""
    reason, evidence = reason.strip(), evidence_digest.strip().lower()
    if re.fullmatch(r"[0-9a-f]{64}", evidence):
        evidence = "0x" + evidence
    errors = _objection_errors(reason, evidence)
    try:
        if errors:
            notice = notice_of(session, runtime.w3, registration_id)
            if notice is None:
                raise NoticeNotFoundError(registration_id)
            values = {"reason": reason, "evidence": evidence_digest}
            return render(request, "notice.html", status_code=400, notice=notice, errors=errors, values=values)
        receipt = receive_public_objection(session, runtime.w3, registration_id, reason, evidence)
    except NoticeNotFoundError:
        return render(request, "not_found.html", status_code=404, what=f"reg:{registration_id}")
    except NoticeClosedError as closed:
        return render(request, "objection_closed.html", status_code=409, closed=closed)
    return render(request, "objection_received.html", status_code=201, receipt=receipt)
