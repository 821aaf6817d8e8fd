"""Certificate documents: the authority publishes them; anyone downloads them, checked against the chain."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from api.deps import DbSession, IdempotencyKey, Principal, Runtime, Wait, require
from api.errors import ProblemError
from api.etag import respond_with_etag
from api.routes.pages import print_certificate
from api.tokens import Role
from api.web.pdf import FontsMissingError
from api.writes import WriteAccepted, relay
from ledger.certificate_sheet import certificate_sheet
from ledger.certificates import CertificateNotFoundError, publication, published_document
from ledger.ipfs import IpfsError
from ledger.manifest.cid import raw_cid

router = APIRouter(prefix="/v1", tags=["certificates"])
Authority = Annotated[Principal, Depends(require(Role.AUTHORITY))]


class PublishedDocument(BaseModel):
    cid: str
    write: WriteAccepted


def _number(text: str) -> int:
    if not text.isdigit() or not 12 <= len(text) <= 18:
        raise ProblemError(400, "invalid_certificate_number", "A certificate number has 12 to 18 digits")
    return int(text)


@router.post("/certificates/{number}/document", response_model=PublishedDocument, status_code=202)
def publish_document(
    number: str,
    request: Request,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> PublishedDocument:
    """Builds the certificate document from the chain's record with the PDF as issued (both pinned), and names the
    document's digest on chain."""

    def print_pdf(certificate_number: int) -> bytes:
        sheet = certificate_sheet(session, certificate_number, runtime.settings.authority_names)
        if sheet is None:
            raise CertificateNotFoundError(f"no certificate {certificate_number}")
        return print_certificate(request, runtime, sheet)

    try:
        published = publication(session, runtime, _number(number), print_pdf)
    except FontsMissingError as error:
        raise ProblemError(503, "fonts_missing", "The CJK fonts for the PDF are not installed", str(error)) from error
    except CertificateNotFoundError as error:
        raise ProblemError(404, "certificate_not_found", "No such certificate", str(error)) from error
    except IpfsError as error:
        raise ProblemError(503, "ipfs_unavailable", "The document could not be stored", str(error)) from error
    written = relay(
        runtime,
        published.write,
        sender=principal.address,
        scope=f"certificate-document:{published.token_id}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )
    return PublishedDocument(cid=published.cid, write=written)


@router.get("/certificates/{number}/document")
def get_document(number: str, request: Request, session: DbSession, runtime: Runtime) -> Response:
    """The certificate document, whose CID the certificate token names on chain (re-hashed on the way)."""
    try:
        block = published_document(session, runtime.ipfs, _number(number))
    except IpfsError as error:
        raise ProblemError(503, "document_unavailable", "The document cannot be read from IPFS", str(error)) from error
    if block is None:
        raise ProblemError(404, "document_not_published", "No published document for this certificate")
    body: dict[str, Any] = json.loads(block)
    body["cid"] = raw_cid(block)
    return respond_with_etag(request, body)


@router.get("/certificates/{number}/qr.svg", response_class=Response)
def get_qr(number: str, runtime: Runtime) -> Response:
    """The certificate's QR code (SVG): it points at the certificate lookup of this service."""
    url = f"{runtime.settings.public_base_url.rstrip('/')}/v1/certificates/{_number(number)}"
    out = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return Response(out.getvalue(), media_type="image/svg+xml")
