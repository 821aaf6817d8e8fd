"""The registrant portal: my registrations and their status, my drafts, the rights I hold, my licences (as
licensee or licensor) and the rights pledged to me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.deps import DbSession
from api.sessions import admitted, csrf_token
from api.tables import Draft
from api.tokens import Role
from api.web.rendering import render
from ledger.index.overview import holdings_of

router = APIRouter(include_in_schema=False)
REGISTRANT = (Role.REGISTRANT,)
DRAFTS_LIMIT = 100


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request, session: DbSession) -> Response:
    """Everything the signed-in party has on the ledger, newest first."""
    principal = admitted(session, request, REGISTRANT)
    if isinstance(principal, Response):
        return principal
    drafts = session.scalars(
        select(Draft)
        .where(Draft.registrant == principal.address, Draft.write_key.is_(None))
        .order_by(Draft.updated_at.desc())
        .limit(DRAFTS_LIMIT)
    )
    return render(
        request,
        "registrant.html",
        principal=principal,
        csrf=csrf_token(session, request),
        holdings=holdings_of(session, principal.address),
        drafts=list(drafts),
    )
