"""The registrant portal's pages for rights after certification: transfers (both holders sign), licences and their
revocation, pledges and trusts and their release, and the holder's own actions (change, annual review,
cancellation), and objections to registrations in public notice filed on chain by an admitted party.

Each action page shows the terms in words before anything is signed (the EIP-712 typed data the `/v1` terms route
answers), signs them with the browser's wallet (EIP-1193 `eth_signTypedData_v4`) or through custody, and sends
them with `wait`, so that the page shows the result, the fields' errors beside them, or the contract's refusal as
a sentence. The script's calls below are the `/v1` routes' own functions with the session in place of a bearer
token, each carrying the session's CSRF token in the `X-CSRF-Token` header.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.bodies import RequestBody
from api.deps import DbSession, RegistrationId, Runtime
from api.errors import ProblemError
from api.routes import authority, registrant, rights
from api.routes.pages_registrant import REGISTRANT, _caller
from api.sessions import admitted, csrf_token
from api.web.rendering import render
from api.writes import WriteAccepted, accepted
from ledger import transfer_offers
from ledger.chain.registry import HolderAction
from ledger.encoding import from_hex
from ledger.index.overview import holdings_of, registrations_in
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import Encumbrance, LicenceType, Right, Status

router = APIRouter(include_in_schema=False)
Signature = Annotated[str | None, Field(default=None, pattern=r"^0x[0-9a-fA-F]{130}$")]
RightAction = Annotated[str, Path(pattern=r"^(transfer|licence|encumbrance|release)$")]
OfferId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


# ------------------------------------------------------------------------------------------------ pages


@router.get("/portal/rights", response_class=HTMLResponse)
def rights_page(request: Request, session: DbSession, runtime: Runtime) -> Response:
    """The rights I hold and what I can do with each, transfers awaiting my signature, my licences and pledges."""
    principal = admitted(session, request, REGISTRANT)
    if isinstance(principal, Response):
        return principal
    return render(
        request,
        "portal_rights.html",
        principal=principal,
        csrf=csrf_token(session, request),
        holdings=holdings_of(session, principal.address),
        offers=transfer_offers.offers_of(session, runtime, principal.address, runtime.chain_time()),
        in_notice=registrations_in(session, [Status.PUBLIC_NOTICE]),
    )


@router.get("/portal/registrations/{registration_id}/rights/{right}/{action}", response_class=HTMLResponse)
def right_action_page(
    registration_id: RegistrationId, right: Right, action: RightAction, request: Request, session: DbSession
) -> Response:
    """The form of one action on one right: its terms, then the terms in words, then the signature."""
    return _action_page(request, session, action, registration_id=registration_id, right=right)


@router.get("/portal/registrations/{registration_id}/holder-actions/{action}", response_class=HTMLResponse)
def holder_action_page(
    registration_id: RegistrationId, action: HolderAction, request: Request, session: DbSession
) -> Response:
    """A change, an annual review or a cancellation of my registration."""
    return _action_page(request, session, f"holder-{action}", registration_id=registration_id, holder_action=action)


@router.get("/portal/licences/{licence_id}/revocation", response_class=HTMLResponse)
def revocation_page(licence_id: rights.LicenceId, request: Request, session: DbSession) -> Response:
    """The licensor revokes a licence, with a reason."""
    return _action_page(request, session, "revocation", licence_id=licence_id)


def _action_page(request: Request, session: DbSession, action: str, **subject: Any) -> Response:
    principal = admitted(session, request, REGISTRANT)
    if isinstance(principal, Response):
        return principal
    runtime: LedgerRuntime = request.app.state.runtime
    return render(
        request,
        "portal_action.html",
        principal=principal,
        csrf=csrf_token(session, request),
        custody=principal.address in runtime.custody,
        action=action,
        licence_types=list(LicenceType),
        encumbrances=[Encumbrance.PLEDGE, Encumbrance.TRUST],
        **subject,
    )


@router.get("/portal/registrations/{registration_id}/objection", response_class=HTMLResponse)
def objection_page(registration_id: RegistrationId, request: Request, session: DbSession) -> Response:
    """An admitted party objects, on chain, to a registration in public notice (with its evidence's digest)."""
    return _action_page(request, session, "objection", registration_id=registration_id)


@router.get("/portal/transfer-offers/{offer_id}", response_class=HTMLResponse)
def offer_page(offer_id: OfferId, request: Request, session: DbSession, runtime: Runtime) -> Response:
    """A transfer offer: its terms in words, the new holder's signature while it waits for it, and its state."""
    principal = admitted(session, request, REGISTRANT)
    if isinstance(principal, Response):
        return principal
    try:
        row = transfer_offers.offer_of(session, offer_id, principal.address)
    except transfer_offers.OfferNotFoundError:
        return render(request, "not_found.html", status_code=404)
    return render(
        request,
        "portal_offer.html",
        principal=principal,
        csrf=csrf_token(session, request),
        custody=principal.address in runtime.custody,
        view=transfer_offers.view_of(session, runtime, row, runtime.chain_time()),
    )


# ------------------------------------------------------------------------------------------------ transfers


class OfferBody(rights.TransferRequest, rights.Signed):
    holder_signature: Signature


class CountersignBody(RequestBody):
    signature: Signature


class OfferAnswer(BaseModel):
    id: str
    state: transfer_offers.OfferState
    write: WriteAccepted | None = None


@router.post("/portal/registrations/{registration_id}/transfers/terms")
def transfer_terms(
    registration_id: RegistrationId,
    body: rights.TransferRequest,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> dict[str, Any]:
    """`POST /v1/registrations/{id}/transfers/terms` for the signed-in holder."""
    return rights.transfer_terms(registration_id, body, _caller(session, request), runtime)


@router.post("/portal/registrations/{registration_id}/transfer-offers", status_code=201)
def make_offer(
    registration_id: RegistrationId, body: OfferBody, request: Request, session: DbSession, runtime: Runtime
) -> OfferAnswer:
    """The holder's signed terms, kept for the new holder to sign from their own portal."""
    principal = _caller(session, request)
    terms = rights.transfer_terms_of(registration_id, body, principal.address, body.nonce, body.deadline)
    given = None if body.holder_signature is None else from_hex(body.holder_signature)
    try:
        row = transfer_offers.offer(session, runtime, terms, given)
    except transfer_offers.NotHolderError as error:
        raise ProblemError(403, "not_holder", "You do not hold this right", str(error)) from error
    except transfer_offers.WrongSignerError as error:
        raise ProblemError(422, "invalid_signature", "The signature is not the holder's", str(error)) from error
    return OfferAnswer(id=row.id, state=transfer_offers.OfferState.AWAITING_NEW_HOLDER)


@router.post("/portal/transfer-offers/{offer_id}/countersignature", status_code=202)
def countersign(
    offer_id: OfferId, body: CountersignBody, request: Request, session: DbSession, runtime: Runtime
) -> OfferAnswer:
    """The new holder signs the same terms; the transfer is registered and waits for its approvals."""
    principal = _caller(session, request)
    given = None if body.signature is None else from_hex(body.signature)
    try:
        result = transfer_offers.countersign(session, runtime, offer_id, principal.address, given, wait=True)
    except transfer_offers.OfferNotFoundError as error:
        raise ProblemError(404, "offer_not_found", "No such transfer offer for you") from error
    except transfer_offers.OfferClosedError as error:
        raise ProblemError(409, "offer_closed", "The offer can no longer be signed", str(error)) from error
    except transfer_offers.WrongSignerError as error:
        raise ProblemError(422, "invalid_signature", "The signature is not the new holder's", str(error)) from error
    session.expire_all()
    row = transfer_offers.offer_of(session, offer_id, principal.address)
    state = transfer_offers.state_of(session, runtime, row, runtime.chain_time())
    return OfferAnswer(id=offer_id, state=state, write=accepted(result))


# ------------------------------------------------------------------------------------------------ licences


class LicenceBody(rights.LicenceRequest, rights.Signed):
    signature: Signature


class RevocationBody(rights.Reason):
    """The reason; from a wallet also the signature over the revocation's typed data, with its nonce and deadline."""

    signature: Signature
    nonce: int | None = Field(default=None, ge=0)
    deadline: int | None = Field(default=None, ge=0)


class ReleaseBody(RequestBody):
    """Empty through custody; from a wallet the signature over the release's typed data, with its nonce and deadline."""

    signature: Signature
    nonce: int | None = Field(default=None, ge=0)
    deadline: int | None = Field(default=None, ge=0)


@router.post("/portal/registrations/{registration_id}/licences/terms")
def licence_terms(
    registration_id: RegistrationId, body: rights.LicenceRequest, request: Request, session: DbSession, runtime: Runtime
) -> dict[str, Any]:
    """`POST /v1/registrations/{id}/licences/terms` for the signed-in licensor."""
    return rights.licence_terms(registration_id, body, _caller(session, request), runtime)


@router.post("/portal/registrations/{registration_id}/licences", status_code=202)
def grant_licence(
    registration_id: RegistrationId, body: LicenceBody, request: Request, session: DbSession, runtime: Runtime
) -> WriteAccepted:
    """`POST /v1/registrations/{id}/licences?wait=true`, signed by the wallet or through custody."""
    principal = _caller(session, request)
    terms = rights.licence_terms_of(registration_id, body, principal.address, body.nonce, body.deadline)
    typed = terms.typed_data(runtime.deployment.chain_id, runtime.deployment.rights)
    signed = rights.SignedLicence(
        **body.model_dump(exclude={"signature"}),
        signature=registrant.signature_or_custody(runtime, principal, typed, body.signature),
    )
    return rights.grant_licence(registration_id, signed, principal, session, runtime, None, True)


@router.post("/portal/licences/{licence_id}/revocation/typed-data")
def revocation_typed_data(
    licence_id: rights.LicenceId, body: rights.Reason, request: Request, session: DbSession, runtime: Runtime
) -> dict[str, Any]:
    """The licensor's wallet signs the revocation: `POST /v1/licences/{id}/revocation/typed-data`."""
    return rights.revocation_typed_data(licence_id, body, _caller(session, request), runtime)


@router.post("/portal/licences/{licence_id}/revocation", status_code=202)
def revoke_licence(
    licence_id: rights.LicenceId, body: RevocationBody, request: Request, session: DbSession, runtime: Runtime
) -> WriteAccepted:
    """`POST /v1/licences/{id}/revocation?wait=true`: the licensor's wallet signature relayed, or its custodied key."""
    revocation = rights.Revocation(**body.model_dump())
    return rights.revoke_licence(licence_id, revocation, _caller(session, request), runtime, None, True)


# ------------------------------------------------------------------------------------------------ pledges, trusts


class EncumbranceBody(rights.EncumbranceRequest, rights.Signed):
    signature: Signature


@router.post("/portal/registrations/{registration_id}/encumbrances/terms")
def encumbrance_terms(
    registration_id: RegistrationId,
    body: rights.EncumbranceRequest,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> dict[str, Any]:
    """`POST /v1/registrations/{id}/encumbrances/terms` for the signed-in holder."""
    return rights.encumbrance_terms(registration_id, body, _caller(session, request), runtime)


@router.post("/portal/registrations/{registration_id}/encumbrances", status_code=202)
def encumber(
    registration_id: RegistrationId, body: EncumbranceBody, request: Request, session: DbSession, runtime: Runtime
) -> WriteAccepted:
    """`POST /v1/registrations/{id}/encumbrances?wait=true`, signed by the wallet or through custody."""
    principal = _caller(session, request)
    terms = rights.encumbrance_terms_of(registration_id, body, principal.address, body.nonce, body.deadline)
    typed = terms.typed_data(runtime.deployment.chain_id, runtime.deployment.rights)
    signed = rights.SignedEncumbrance(
        **body.model_dump(exclude={"signature"}),
        signature=registrant.signature_or_custody(runtime, principal, typed, body.signature),
    )
    return rights.encumber(registration_id, signed, principal, runtime, None, True)


@router.post("/portal/registrations/{registration_id}/rights/{right}/release/typed-data")
def release_typed_data(
    registration_id: RegistrationId, right: Right, request: Request, session: DbSession, runtime: Runtime
) -> dict[str, Any]:
    """The pledgee's wallet signs the release: `POST /v1/registrations/{id}/rights/{right}/release/typed-data`."""
    return rights.release_typed_data(registration_id, right, _caller(session, request), runtime)


@router.post("/portal/registrations/{registration_id}/rights/{right}/release", status_code=202)
def release(
    registration_id: RegistrationId,
    right: Right,
    body: ReleaseBody,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> WriteAccepted:
    """`POST /v1/registrations/{id}/rights/{right}/release?wait=true`: the pledgee's wallet signature relayed, or
    its custodied key."""
    signed = None
    if body.signature is not None:
        if body.nonce is None or body.deadline is None:
            raise ProblemError(422, "signature_terms_missing", "A signature needs the nonce and deadline it signed")
        signed = rights.SignedByParty(signature=body.signature, nonce=body.nonce, deadline=body.deadline)
    return rights.release(registration_id, right, _caller(session, request), runtime, None, True, signed)


# ------------------------------------------------------------------------------------------------ holder actions


class HolderActionBody(registrant.HolderActionRequest):
    nonce: int = Field(default=0, ge=0)
    deadline: int = Field(default=0, ge=0)
    signature: Signature


@router.post("/portal/registrations/{registration_id}/holder-actions/{action}/typed-data")
def holder_action_typed_data(
    registration_id: RegistrationId,
    action: HolderAction,
    body: registrant.HolderActionRequest,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> dict[str, Any]:
    """`POST /v1/registrations/{id}/holder-actions/{action}/typed-data` for the signed-in holder."""
    principal = _caller(session, request)
    return registrant.holder_action_typed_data(registration_id, action, body, principal, session, runtime)


@router.post("/portal/registrations/{registration_id}/holder-actions/{action}", status_code=202)
def holder_action(
    registration_id: RegistrationId,
    action: HolderAction,
    body: HolderActionBody,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> WriteAccepted:
    """The holder's action with `wait`: the wallet's signature, or through custody."""
    principal = _caller(session, request)
    fields = body.model_dump(include={"draft_id", "report_digest", "reason_digest"})
    if body.signature is None:
        custodial = registrant.HolderActionCustodial(**fields)
        return registrant.holder_action_custodial(
            registration_id, action, custodial, principal, session, runtime, None, True
        )
    signed = registrant.HolderActionSigned(**fields, nonce=body.nonce, deadline=body.deadline, signature=body.signature)
    return registrant.holder_action(registration_id, action, signed, principal, session, runtime, None, True)


# ------------------------------------------------------------------------------------------------ objections


@router.post("/portal/registrations/{registration_id}/objections", status_code=202)
def file_objection(
    registration_id: RegistrationId,
    body: authority.ObjectionBody,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> WriteAccepted:
    """`POST /v1/registrations/{id}/objections?wait=true`, sent from the party's custodied key (the contract takes
    an objection from its sender only: a party without custody sends it from its wallet, below)."""
    return authority.file_objection(registration_id, body, _caller(session, request), runtime, None, True)


@router.post(
    "/portal/registrations/{registration_id}/objections/transaction", response_model=authority.UnsignedTransaction
)
def objection_transaction(
    registration_id: RegistrationId,
    body: authority.ObjectionBody,
    request: Request,
    session: DbSession,
    runtime: Runtime,
) -> authority.UnsignedTransaction:
    """`POST /v1/registrations/{id}/objections/transaction`: the objection for the party's own wallet to send."""
    return authority.objection_transaction(registration_id, body, _caller(session, request), runtime)
