"""The registrant portal: my registrations and their status, my drafts, the rights I hold, my licences (as
licensee or licensor) and the rights pledged to me; and registering, step by step, with the data hashed in the
browser and the typed data signed by the browser's wallet (EIP-1193 `eth_signTypedData_v4`) or through custody."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse

from api.deps import DbSession, Principal, Runtime, holds
from api.errors import ProblemError
from api.routes import registrant
from api.sessions import admitted, csrf_holds, csrf_token, signed_in
from api.tokens import Role
from api.web.manifest_form import manifest_form
from api.web.rendering import render
from api.writes import INDEX_WAIT_SECONDS
from ledger.drafts import open_drafts
from ledger.index.freshness import wait_until_indexed
from ledger.index.overview import holdings_of
from ledger.manifest.model import EvidenceKind

router = APIRouter(include_in_schema=False)
REGISTRANT = (Role.REGISTRANT,)
DRAFTS_LIMIT = 100


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request, session: DbSession) -> Response:
    """Everything the signed-in party has on the ledger, newest first."""
    principal = admitted(session, request, REGISTRANT)
    if isinstance(principal, Response):
        return principal
    drafts = open_drafts(session, principal.address, DRAFTS_LIMIT)
    return render(
        request,
        "registrant.html",
        principal=principal,
        csrf=csrf_token(session, request),
        holdings=holdings_of(session, principal.address),
        drafts=drafts,
    )


# ------------------------------------------------------------------------------------------------ registering
# The portal's script drives the registrant routes of `/v1` (draft, manifest signature, submission) with the
# session in place of a bearer token: each call below is that route's own function, and each carries the
# session's CSRF token in the `X-CSRF-Token` header (a JSON call from another site cannot set it).

CSRF_HEADER = "x-csrf-token"


def _caller(session: DbSession, request: Request) -> Principal:
    """The signed-in registrant of a script's call, its CSRF header checked; refused as a problem document."""
    principal = signed_in(session, request)
    if principal is None:
        raise ProblemError(401, "unauthenticated", "Sign in first")
    if not csrf_holds(session, request, request.headers.get(CSRF_HEADER)):
        raise ProblemError(403, "csrf_refused", "The call did not carry this session's CSRF token")
    if not holds(principal, REGISTRANT):
        raise ProblemError(403, "forbidden", "The token lacks the role", "needs registrant")
    return principal


@router.get("/portal/register", response_class=HTMLResponse)
def register_page(request: Request, session: DbSession, runtime: Runtime) -> Response:
    """A registration step by step: the metadata form (generated from the manifest's schema), the sources picked
    from the catalogue, the data (hashed here), evidence uploads, the typed data in words, two signatures."""
    principal = admitted(session, request, REGISTRANT)
    if isinstance(principal, Response):
        return principal
    return render(
        request,
        "registrant_register.html",
        principal=principal,
        csrf=csrf_token(session, request),
        custody=principal.address in runtime.custody,
        form=manifest_form(),
        authorities=runtime.settings.authority_names,
    )


@router.post("/portal/drafts", response_model=registrant.DraftView, status_code=201)
def create_draft(fields: dict[str, Any], request: Request, session: DbSession, runtime: Runtime) -> Any:
    """`POST /v1/drafts` for the signed-in registrant."""
    return registrant.create_draft(fields, _caller(session, request), session, runtime)


@router.post("/portal/drafts/{draft_id}/evidence", response_model=registrant.DraftView)
async def upload_evidence(
    draft_id: str,
    file: UploadFile,
    request: Request,
    session: DbSession,
    runtime: Runtime,
    kind: Annotated[EvidenceKind, Form()],
    issuing_agency: Annotated[str | None, Form(max_length=200)] = None,
) -> Any:
    """`POST /v1/drafts/{id}/evidence` for the signed-in registrant (the page shows the upload's progress)."""
    principal = _caller(session, request)
    return await registrant.upload_evidence(draft_id, file, principal, session, runtime, kind, issuing_agency)


@router.post("/portal/drafts/{draft_id}/manifest-signature", response_model=registrant.DraftView)
def sign_manifest(
    draft_id: str, body: registrant.SignatureBody, request: Request, session: DbSession, runtime: Runtime
) -> Any:
    """`POST /v1/drafts/{id}/manifest-signature` for the signed-in registrant."""
    return registrant.sign_manifest(draft_id, body, _caller(session, request), session, runtime)


@router.post("/portal/drafts/{draft_id}/submission", response_model=registrant.DraftView, status_code=202)
def submit(
    draft_id: str, body: registrant.SubmissionBody, request: Request, session: DbSession, runtime: Runtime
) -> Any:
    """`POST /v1/drafts/{id}/submission?wait=true` for the signed-in registrant: answered once the index has the
    registration, so that the page can show its id."""
    principal = _caller(session, request)
    view = registrant.submit(draft_id, body, principal, session, runtime, None, True)
    if view.write is not None and view.write.block_number is not None:
        wait_until_indexed(runtime.sessions, view.write.block_number, INDEX_WAIT_SECONDS)
        session.expire_all()
        view = registrant.get_draft(draft_id, principal, session, runtime)
    return view
