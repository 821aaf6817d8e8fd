"""Rights after certification over HTTP: transfers, licences, pledges and trusts, endorsements, approvals.

Signed terms follow the registrant flow: `.../terms` answers the EIP-712 typed data (with the signer's
nonce of the rights module and a deadline), the parties sign it in their wallets, and the signed terms are
relayed. Authority, regulator, creditor and agency actions are sent from the caller's own (custodied) key.
Everything is dry-run first, so what the contracts would refuse is refused before any gas is spent.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import DbSession, IdempotencyKey, Principal, RegistrationId, Runtime, Wait, require
from api.errors import ProblemError
from api.reviews import record_review
from api.tokens import Role
from api.writes import WriteAccepted, digest_of, send
from ledger.chain.registry import Origin
from ledger.chain.rights import (
    EncumbranceKind,
    EncumbranceTerms,
    LicenceTerms,
    LicenceType,
    ReportKind,
    RightId,
    TransferTerms,
)
from ledger.chain.typed_data import typed_data
from ledger.index import queries
from ledger.ipfs import IpfsError
from ledger.manifest.cid import raw_cid_of_digest
from ledger.runtime import LedgerRuntime

router = APIRouter(prefix="/v1", tags=["rights"])
Party = Annotated[Principal, Depends(require(Role.REGISTRANT))]
Authority = Annotated[Principal, Depends(require(Role.AUTHORITY))]
Regulator = Annotated[Principal, Depends(require(Role.REGULATOR))]
Agency = Annotated[Principal, Depends(require(Role.AGENCY))]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
Digest = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]
RIGHTS = {
    "resource_holding": RightId.RESOURCE_HOLDING,
    "processing_and_use": RightId.PROCESSING_AND_USE,
    "product_operation": RightId.PRODUCT_OPERATION,
}
RightName = Annotated[str, Field(pattern="^(resource_holding|processing_and_use|product_operation)$")]


class TransferRequest(BaseModel):
    right: RightName
    new_holder: Address
    agreement_digest: Digest


class LicenceRequest(BaseModel):
    right: RightName
    licensee: Address
    licence_type: Annotated[str, Field(pattern="^(exclusive|sole|non_exclusive|sub_licence|cross_licence)$")]
    scope_digest: Digest = Field(description="sha256 of the scope document's raw IPFS block (its CID's digest)")
    starts_at: int = Field(ge=0, lt=2**40)
    ends_at: int = Field(ge=0, lt=2**40)
    sublicensable: bool = False
    parent_licence_id: str = Field(default="0", pattern=r"^\d{1,78}$")


class EncumbranceRequest(BaseModel):
    right: RightName
    kind: Annotated[str, Field(pattern="^(pledge|trust)$")]
    creditor: Address
    agreement_digest: Digest


class Signed(BaseModel):
    nonce: int = Field(ge=0)
    deadline: int = Field(ge=0)


class SignedTransfer(TransferRequest, Signed):
    holder_signature: Signature
    new_holder_signature: Signature


class SignedLicence(LicenceRequest, Signed):
    signature: Signature


class SignedEncumbrance(EncumbranceRequest, Signed):
    signature: Signature


class Evidence(BaseModel):
    evidence: str = Field(min_length=1, max_length=4000, description="The court ruling or merger record, as text")


class LawfulTransfer(Evidence):
    new_holder: Address


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class EndorsementRequest(BaseModel):
    kind: Annotated[str, Field(pattern="^(compliance|quality|valuation)$")]
    report_digest: Digest


def _terms_typed_data(runtime: LedgerRuntime, terms: TransferTerms | LicenceTerms | EncumbranceTerms) -> dict[str, Any]:
    message = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in terms.message().items()}
    return typed_data(terms.PRIMARY_TYPE, message, runtime.deployment.chain_id, runtime.deployment.rights)


def _signing_terms(
    runtime: LedgerRuntime, registration_id: int, right: str, parent_licence_id: int = 0
) -> tuple[int, int]:
    """The nonce the request must carry, and a deadline: the right's (every change of the right raises it), or for
    a sub-licence its parent licence's (a sub-licence leaves the holder's signatures alone)."""
    rights = runtime.contract("Rights").functions
    if parent_licence_id:
        nonce = rights.sublicenceNonceOf(parent_licence_id).call()
    else:
        nonce = rights.nonceOf(registration_id, int(RIGHTS[right])).call()
    return int(nonce), runtime.signature_deadline()


def _check_signature(runtime: LedgerRuntime, terms: Any, signature: str, signer: str) -> bytes:
    raw = bytes.fromhex(signature[2:])
    try:
        recovered = Account.recover_message(
            encode_typed_data(full_message=_terms_typed_data(runtime, terms)), signature=raw
        )
    except (ValueError, TypeError):
        recovered = None
    if recovered != signer:
        raise ProblemError(422, "invalid_signature", "A signature is not the party's", f"expected {signer}")
    return raw


def _transfer_terms(
    registration_id: int, body: TransferRequest, holder: str, nonce: int, deadline: int
) -> TransferTerms:
    return TransferTerms(
        registration_id,
        RIGHTS[body.right],
        holder,
        body.new_holder,
        bytes.fromhex(body.agreement_digest[2:]),
        nonce,
        deadline,
    )


def _licence_terms(
    registration_id: int, body: LicenceRequest, licensor: str, nonce: int, deadline: int
) -> LicenceTerms:
    return LicenceTerms(
        registration_id,
        RIGHTS[body.right],
        licensor,
        body.licensee,
        LicenceType[body.licence_type.upper()],
        bytes.fromhex(body.scope_digest[2:]),
        body.starts_at,
        body.ends_at,
        body.sublicensable,
        int(body.parent_licence_id),
        nonce,
        deadline,
    )


def _encumbrance_terms(
    registration_id: int, body: EncumbranceRequest, holder: str, nonce: int, deadline: int
) -> EncumbranceTerms:
    return EncumbranceTerms(
        registration_id,
        RIGHTS[body.right],
        EncumbranceKind[body.kind.upper()],
        holder,
        body.creditor,
        bytes.fromhex(body.agreement_digest[2:]),
        nonce,
        deadline,
    )


# ------------------------------------------------------------------------------------------------ transfers


@router.post("/registrations/{registration_id}/transfers/terms")
def transfer_terms(
    registration_id: RegistrationId, body: TransferRequest, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the holder (the caller) and the new holder both sign."""
    nonce, deadline = _signing_terms(runtime, registration_id, body.right)
    return _terms_typed_data(runtime, _transfer_terms(registration_id, body, principal.address, nonce, deadline))


@router.post("/registrations/{registration_id}/transfers", response_model=WriteAccepted, status_code=202)
def request_transfer(
    registration_id: RegistrationId,
    body: SignedTransfer,
    principal: Party,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Registers a transfer signed by both holders (either may relay it); it waits for its approvals."""
    holder = runtime.contract("Rights").functions.holderOf(registration_id, int(RIGHTS[body.right])).call()
    if principal.address not in (holder, body.new_holder):
        raise ProblemError(403, "forbidden", "Only the holder or the new holder may register the transfer")
    terms = _transfer_terms(registration_id, body, holder, body.nonce, body.deadline)
    holder_signature = _check_signature(runtime, terms, body.holder_signature, holder)
    new_holder_signature = _check_signature(runtime, terms, body.new_holder_signature, body.new_holder)
    call = runtime.contract("Rights").functions.requestTransfer(
        terms.as_tuple(), holder_signature, new_holder_signature
    )
    return send(
        runtime,
        runtime.relayer.address,
        "Rights",
        call,
        "requestTransfer",
        scope=f"transfer:{registration_id}:{body.right}:{holder}:{body.nonce}",
        idempotency_key=key or "signed",
        wait=wait,
    )


def _right_action(
    runtime: LedgerRuntime,
    principal: Principal,
    function: str,
    registration_id: int,
    right: str,
    key: str | None,
    wait: bool,
    *extra: Any,
) -> WriteAccepted:
    if right not in RIGHTS:
        raise ProblemError(404, "unknown_right", "No such right", f"one of {sorted(RIGHTS)}")
    call = getattr(runtime.contract("Rights").functions, function)(registration_id, int(RIGHTS[right]), *extra)
    return send(
        runtime,
        principal.address,
        "Rights",
        call,
        function,
        scope=f"{function}:{registration_id}:{right}:{principal.token_id}",
        idempotency_key=key,
        wait=wait,
    )


@router.post(
    "/registrations/{registration_id}/rights/{right}/transfer/approval", response_model=WriteAccepted, status_code=202
)
def approve_transfer(
    registration_id: RegistrationId,
    right: str,
    principal: Authority,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The registration's authority approves the pending transfer (for important or core data, a regulator too)."""
    return _right_action(runtime, principal, "approveTransfer", registration_id, right, key, wait)


@router.post(
    "/registrations/{registration_id}/rights/{right}/transfer/regulator-approval",
    response_model=WriteAccepted,
    status_code=202,
)
def regulator_approve_transfer(
    registration_id: RegistrationId,
    right: str,
    principal: Regulator,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """A regulator approves a pending transfer of important or core data."""
    return _right_action(runtime, principal, "regulatorApproveTransfer", registration_id, right, key, wait)


@router.post(
    "/registrations/{registration_id}/rights/{right}/transfer/rejection", response_model=WriteAccepted, status_code=202
)
def reject_transfer(
    registration_id: RegistrationId,
    right: str,
    body: Reason,
    principal: Annotated[Principal, Depends(require(Role.AUTHORITY, Role.REGULATOR))],
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The authority or a regulator refuses the pending transfer."""
    return _right_action(
        runtime, principal, "rejectTransfer", registration_id, right, key, wait, digest_of(body.reason)
    )


@router.post(
    "/registrations/{registration_id}/rights/{right}/lawful-transfer", response_model=WriteAccepted, status_code=202
)
def lawful_transfer(
    registration_id: RegistrationId,
    right: str,
    body: LawfulTransfer,
    principal: Authority,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Transfer by operation of law (merger, division, dissolution, bankruptcy), on evidence, without the holder."""
    return _right_action(
        runtime,
        principal,
        "transferByOperationOfLaw",
        registration_id,
        right,
        key,
        wait,
        body.new_holder,
        digest_of(body.evidence),
    )


# ------------------------------------------------------------------------------------------------ licences


def _check_public_scope(runtime: LedgerRuntime, session: DbSession, registration_id: int, scope_digest: str) -> None:
    """Public data's licences must have a public scope document: its raw block must be retrievable."""
    row = queries.registration(session, registration_id)
    if row is None or Origin(row.origin) is not Origin.PUBLIC:
        return
    cid = raw_cid_of_digest(bytes.fromhex(scope_digest[2:]))
    try:
        runtime.ipfs.get_raw_block(cid, offline=True)
    except IpfsError as error:
        raise ProblemError(
            422,
            "scope_not_public",
            "The scope document of a public-data licence must be published",
            f"{cid} is not retrievable from the ledger's IPFS node",
        ) from error


@router.post("/registrations/{registration_id}/licences/terms")
def licence_terms(
    registration_id: RegistrationId, body: LicenceRequest, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the licensor (the caller) signs."""
    nonce, deadline = _signing_terms(runtime, registration_id, body.right, int(body.parent_licence_id))
    return _terms_typed_data(runtime, _licence_terms(registration_id, body, principal.address, nonce, deadline))


@router.post("/registrations/{registration_id}/licences", response_model=WriteAccepted, status_code=202)
def grant_licence(
    registration_id: RegistrationId,
    body: SignedLicence,
    principal: Party,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Registers a licence signed by its licensor; important or core data waits for a regulator."""
    if body.ends_at <= body.starts_at:
        raise ProblemError(422, "invalid_term", "A licence ends after it starts")
    _check_public_scope(runtime, session, registration_id, body.scope_digest)
    terms = _licence_terms(registration_id, body, principal.address, body.nonce, body.deadline)
    signature = _check_signature(runtime, terms, body.signature, principal.address)
    call = runtime.contract("Rights").functions.grantLicence(terms.as_tuple(), signature)
    return send(
        runtime,
        runtime.relayer.address,
        "Rights",
        call,
        "grantLicence",
        scope=f"licence:{registration_id}:{body.right}:{body.nonce}",
        idempotency_key=key or "signed",
        wait=wait,
    )


@router.post("/licences/{licence_id}/regulator-approval", response_model=WriteAccepted, status_code=202)
def approve_licence(
    licence_id: str, principal: Regulator, runtime: Runtime, key: IdempotencyKey = None, wait: Wait = False
) -> WriteAccepted:
    """A regulator approves a licence of important or core data."""
    call = runtime.contract("Rights").functions.regulatorApproveLicence(_licence_id(licence_id))
    return send(
        runtime,
        principal.address,
        "Rights",
        call,
        "regulatorApproveLicence",
        scope=f"approve-licence:{licence_id}",
        idempotency_key=key,
        wait=wait,
    )


@router.post("/licences/{licence_id}/revocation", response_model=WriteAccepted, status_code=202)
def revoke_licence(
    licence_id: str,
    body: Reason,
    principal: Annotated[Principal, Depends(require(Role.REGISTRANT, Role.AUTHORITY, Role.REGULATOR))],
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The licensor or the authority revokes a licence (a regulator, one still awaiting approval)."""
    call = runtime.contract("Rights").functions.revokeLicence(_licence_id(licence_id), digest_of(body.reason))
    return send(
        runtime,
        principal.address,
        "Rights",
        call,
        "revokeLicence",
        scope=f"revoke-licence:{licence_id}",
        idempotency_key=key,
        wait=wait,
    )


def _licence_id(text: str) -> int:
    if not text.isdigit() or len(text) > 78 or int(text) >= 2**256:
        raise ProblemError(404, "licence_not_found", "No such licence")
    return int(text)


# ------------------------------------------------------------------------------------------------ pledges, trusts


@router.post("/registrations/{registration_id}/encumbrances/terms")
def encumbrance_terms(
    registration_id: RegistrationId, body: EncumbranceRequest, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the holder (the caller) signs to pledge a right or place it in trust."""
    nonce, deadline = _signing_terms(runtime, registration_id, body.right)
    return _terms_typed_data(runtime, _encumbrance_terms(registration_id, body, principal.address, nonce, deadline))


@router.post("/registrations/{registration_id}/encumbrances", response_model=WriteAccepted, status_code=202)
def encumber(
    registration_id: RegistrationId,
    body: SignedEncumbrance,
    principal: Party,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Registers a pledge (质押) or trust (信托) signed by the holder; the right cannot move until released."""
    terms = _encumbrance_terms(registration_id, body, principal.address, body.nonce, body.deadline)
    signature = _check_signature(runtime, terms, body.signature, principal.address)
    call = runtime.contract("Rights").functions.encumber(terms.as_tuple(), signature)
    return send(
        runtime,
        runtime.relayer.address,
        "Rights",
        call,
        "encumber",
        scope=f"encumber:{registration_id}:{body.right}:{body.nonce}",
        idempotency_key=key or "signed",
        wait=wait,
    )


@router.post("/registrations/{registration_id}/rights/{right}/release", response_model=WriteAccepted, status_code=202)
def release(
    registration_id: RegistrationId,
    right: str,
    principal: Party,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The pledgee or trustee (the caller, from its own key) releases the right."""
    return _right_action(runtime, principal, "release", registration_id, right, key, wait)


@router.post(
    "/registrations/{registration_id}/rights/{right}/court-release", response_model=WriteAccepted, status_code=202
)
def court_release(
    registration_id: RegistrationId,
    right: str,
    body: Evidence,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The authority releases a pledge or trust on a court order."""
    written = _right_action(
        runtime, principal, "releaseByCourtOrder", registration_id, right, key, wait, digest_of(body.evidence)
    )
    record_review(session, registration_id, principal, "court_release", body.evidence, written)
    return written


# ------------------------------------------------------------------------------------------------ endorsements


@router.post("/registrations/{registration_id}/endorsements", response_model=WriteAccepted, status_code=202)
def endorse(
    registration_id: RegistrationId,
    body: EndorsementRequest,
    principal: Agency,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """An admitted agency vouches, on chain and under its own key, for the report with this digest."""
    kind = ReportKind[body.kind.upper()]
    call = runtime.contract("Endorsements").functions.endorse(
        registration_id, int(kind), bytes.fromhex(body.report_digest[2:])
    )
    return send(
        runtime,
        principal.address,
        "Endorsements",
        call,
        "endorse",
        scope=f"endorse:{body.report_digest}",
        idempotency_key=key,
        wait=wait,
    )


@router.post("/endorsements/{report_digest}/withdrawal", response_model=WriteAccepted, status_code=202)
def withdraw_endorsement(
    report_digest: str,
    body: Reason,
    principal: Agency,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The agency withdraws its endorsement."""
    if re.fullmatch(r"0x[0-9a-f]{64}", report_digest) is None:
        raise ProblemError(404, "endorsement_not_found", "No such endorsement")
    call = runtime.contract("Endorsements").functions.withdraw(bytes.fromhex(report_digest[2:]), digest_of(body.reason))
    return send(
        runtime,
        principal.address,
        "Endorsements",
        call,
        "withdraw",
        scope=f"withdraw:{report_digest}",
        idempotency_key=key,
        wait=wait,
    )
