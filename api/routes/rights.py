"""Rights after certification over HTTP: transfers, licences, pledges and trusts, endorsements, approvals.

Signed terms follow the registrant flow: `.../terms` answers the EIP-712 typed data (with the right's
nonce and a deadline), the parties sign it in their wallets, and the signed terms are relayed. A pledgee's
or trustee's release and a licensor's revocation go either way: from the caller's own (custodied) key, or,
for a party whose key the service does not hold, signed over the typed data `.../typed-data` answers and
relayed (the relayer only pays the gas). Authority, regulator and agency actions are sent from the
caller's own (custodied) key. Everything is dry-run first, so what the contracts would refuse is refused
before any gas is spent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import Field

from api.bodies import Address, RequestBody
from api.deps import DbSession, IdempotencyKey, Principal, RegistrationId, Runtime, Wait, require
from api.errors import ProblemError
from api.idempotency import ClientRequest
from api.reviews import record_review
from api.tokens import Role
from api.writes import WriteAccepted, relay
from ledger.chain import rights
from ledger.chain.contracts import Write
from ledger.chain.rights import EncumbranceTerms, LicenceTerms, ReleaseTerms, RevocationTerms, TransferTerms
from ledger.chain.typed_data import signer_of
from ledger.encoding import from_hex, text_digest
from ledger.licences import ScopeNotPublicError, check_public_scope
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import Encumbrance, LicenceType, ReportKind, ReviewDecision, Right

router = APIRouter(prefix="/v1", tags=["rights"])
Party = Annotated[Principal, Depends(require(Role.REGISTRANT))]
Authority = Annotated[Principal, Depends(require(Role.AUTHORITY))]
Regulator = Annotated[Principal, Depends(require(Role.REGULATOR))]
Agency = Annotated[Principal, Depends(require(Role.AGENCY))]
Digest = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]
RightPath = Annotated[Right, Path(description="One of the three rights")]
LicenceId = Annotated[str, Path(pattern=r"^\d{1,78}$", description="A licence id (uint256, decimal)")]
ReportDigest = Annotated[str, Path(pattern=r"^0x[0-9a-f]{64}$", description="The sha256 of the endorsed report")]


class TransferRequest(RequestBody):
    right: Right
    new_holder: Address
    agreement_digest: Digest


class LicenceRequest(RequestBody):
    right: Right
    licensee: Address
    licence_type: LicenceType
    scope_digest: Digest = Field(description="sha256 of the scope document's raw IPFS block (its CID's digest)")
    starts_at: int = Field(ge=0, lt=2**40)
    ends_at: int = Field(ge=0, lt=2**40)
    sublicensable: bool = False
    parent_licence_id: str = Field(default="0", pattern=r"^\d{1,78}$")


class EncumbranceRequest(RequestBody):
    right: Right
    kind: Annotated[Encumbrance, Field(description="pledge (质押) or trust (信托)")]
    creditor: Address
    agreement_digest: Digest


class Signed(RequestBody):
    nonce: int = Field(ge=0)
    deadline: int = Field(ge=0)


class SignedTransfer(TransferRequest, Signed):
    holder_signature: Signature
    new_holder_signature: Signature


class SignedLicence(LicenceRequest, Signed):
    signature: Signature


class SignedEncumbrance(EncumbranceRequest, Signed):
    signature: Signature


class Evidence(RequestBody):
    evidence: str = Field(min_length=1, max_length=4000, description="The court ruling or merger record, as text")


class LawfulTransfer(Evidence):
    new_holder: Address


class Reason(RequestBody):
    reason: str = Field(min_length=1, max_length=4000)


class SignedByParty(RequestBody):
    """A signature over the typed data `.../typed-data` answered, with that message's nonce and deadline: for a
    party whose key the service does not hold."""

    signature: Signature
    nonce: int = Field(ge=0)
    deadline: int = Field(ge=0)


class Revocation(Reason):
    """The reason; with `signature` (and the message's nonce and deadline), the licensor's signed revocation."""

    signature: Signature | None = None
    nonce: int | None = Field(default=None, ge=0)
    deadline: int | None = Field(default=None, ge=0)


class EndorsementRequest(RequestBody):
    kind: ReportKind
    report_digest: Digest


Terms = TransferTerms | LicenceTerms | EncumbranceTerms | ReleaseTerms | RevocationTerms


def _typed_data(runtime: LedgerRuntime, terms: Terms) -> dict[str, Any]:
    return terms.typed_data(runtime.deployment.chain_id, runtime.deployment.rights)


def _signing_terms(
    runtime: LedgerRuntime, registration_id: int, right: Right, parent_licence_id: int = 0
) -> tuple[int, int]:
    """The nonce the request must carry, and a deadline: the right's (every change of the right raises it), or for
    a sub-licence its parent licence's (a sub-licence leaves the holder's signatures alone)."""
    if parent_licence_id:
        nonce = rights.sublicence_nonce_of(runtime.contracts, parent_licence_id)
    else:
        nonce = rights.nonce_of(runtime.contracts, registration_id, right)
    return nonce, runtime.signature_deadline()


def _checked_signature(runtime: LedgerRuntime, terms: Terms, signature: str, signer: str) -> bytes:
    raw = from_hex(signature)
    if signer_of(_typed_data(runtime, terms), raw) != signer:
        raise ProblemError(422, "invalid_signature", "A signature is not the party's", f"expected {signer}")
    return raw


def _relay_signed(
    runtime: LedgerRuntime, write: Write, scope: str, key: ClientRequest | None, wait: bool
) -> WriteAccepted:
    """Relays a write the parties signed over typed data: the relayer pays the gas, and a retry without an
    Idempotency-Key is found by its scope (which names the signed nonce) under the "signed" fallback key."""
    return relay(
        runtime,
        write,
        sender=runtime.relayer.address,
        scope=scope,
        idempotency_key=key,
        fallback_key="signed",
        wait=wait,
    )


def transfer_terms_of(
    registration_id: int, body: TransferRequest, holder: str, nonce: int, deadline: int
) -> TransferTerms:
    """The terms of a transfer request as both holders sign them (the API's routes and the portal's pages)."""
    return TransferTerms(
        registration_id, body.right, holder, body.new_holder, from_hex(body.agreement_digest), nonce, deadline
    )


def licence_terms_of(
    registration_id: int, body: LicenceRequest, licensor: str, nonce: int, deadline: int
) -> LicenceTerms:
    return LicenceTerms(
        registration_id,
        body.right,
        licensor,
        body.licensee,
        body.licence_type,
        from_hex(body.scope_digest),
        body.starts_at,
        body.ends_at,
        body.sublicensable,
        int(body.parent_licence_id),
        nonce,
        deadline,
    )


def encumbrance_terms_of(
    registration_id: int, body: EncumbranceRequest, holder: str, nonce: int, deadline: int
) -> EncumbranceTerms:
    if body.kind is Encumbrance.NONE:
        raise ProblemError(422, "invalid_encumbrance", "An encumbrance is a pledge or a trust")
    return EncumbranceTerms(
        registration_id, body.right, body.kind, holder, body.creditor, from_hex(body.agreement_digest), nonce, deadline
    )


def _licence_id(text: str) -> int:
    if int(text) >= 2**256:
        raise ProblemError(404, "licence_not_found", "No such licence")
    return int(text)


def _right_action(
    runtime: LedgerRuntime,
    principal: Principal,
    write: Write,
    registration_id: int,
    right: Right,
    key: ClientRequest | None,
    wait: bool,
) -> WriteAccepted:
    """An action on one right sent from the caller's own key, scoped to the function, the right and the caller."""
    return relay(
        runtime,
        write,
        sender=principal.address,
        scope=f"{write.purpose}:{registration_id}:{right}:{principal.token_id}",
        idempotency_key=key,
        wait=wait,
    )


# ------------------------------------------------------------------------------------------------ transfers


@router.post("/registrations/{registration_id}/transfers/terms")
def transfer_terms(
    registration_id: RegistrationId, body: TransferRequest, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the holder (the caller) and the new holder both sign."""
    nonce, deadline = _signing_terms(runtime, registration_id, body.right)
    return _typed_data(runtime, transfer_terms_of(registration_id, body, principal.address, nonce, deadline))


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
    holder = rights.holder_of(runtime.contracts, registration_id, body.right)
    if principal.address not in (holder, body.new_holder):
        raise ProblemError(403, "forbidden", "Only the holder or the new holder may register the transfer")
    terms = transfer_terms_of(registration_id, body, holder, body.nonce, body.deadline)
    holder_signature = _checked_signature(runtime, terms, body.holder_signature, holder)
    new_holder_signature = _checked_signature(runtime, terms, body.new_holder_signature, body.new_holder)
    return _relay_signed(
        runtime,
        rights.request_transfer(runtime.contracts, terms, holder_signature, new_holder_signature),
        f"transfer:{registration_id}:{body.right}:{holder}:{body.nonce}:{principal.address}",
        key,
        wait,
    )


@router.post(
    "/registrations/{registration_id}/rights/{right}/transfer/approval", response_model=WriteAccepted, status_code=202
)
def approve_transfer(
    registration_id: RegistrationId,
    right: RightPath,
    principal: Authority,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The registration's authority approves the pending transfer (for important or core data, a regulator too)."""
    write = rights.approve_transfer(runtime.contracts, registration_id, right)
    return _right_action(runtime, principal, write, registration_id, right, key, wait)


@router.post(
    "/registrations/{registration_id}/rights/{right}/transfer/regulator-approval",
    response_model=WriteAccepted,
    status_code=202,
)
def regulator_approve_transfer(
    registration_id: RegistrationId,
    right: RightPath,
    principal: Regulator,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """A regulator approves a pending transfer of important or core data."""
    write = rights.regulator_approve_transfer(runtime.contracts, registration_id, right)
    return _right_action(runtime, principal, write, registration_id, right, key, wait)


@router.post(
    "/registrations/{registration_id}/rights/{right}/transfer/rejection", response_model=WriteAccepted, status_code=202
)
def reject_transfer(
    registration_id: RegistrationId,
    right: RightPath,
    body: Reason,
    principal: Annotated[Principal, Depends(require(Role.AUTHORITY, Role.REGULATOR))],
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The authority or a regulator refuses the pending transfer."""
    write = rights.reject_transfer(runtime.contracts, registration_id, right, body.reason)
    return _right_action(runtime, principal, write, registration_id, right, key, wait)


@router.post(
    "/registrations/{registration_id}/rights/{right}/lawful-transfer", response_model=WriteAccepted, status_code=202
)
def lawful_transfer(
    registration_id: RegistrationId,
    right: RightPath,
    body: LawfulTransfer,
    principal: Authority,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Transfer by operation of law (merger, division, dissolution, bankruptcy), on evidence, without the holder."""
    write = rights.transfer_by_operation_of_law(
        runtime.contracts, registration_id, right, body.new_holder, body.evidence
    )
    return _right_action(runtime, principal, write, registration_id, right, key, wait)


# ------------------------------------------------------------------------------------------------ licences


@router.post("/registrations/{registration_id}/licences/terms")
def licence_terms(
    registration_id: RegistrationId, body: LicenceRequest, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the licensor (the caller) signs."""
    nonce, deadline = _signing_terms(runtime, registration_id, body.right, int(body.parent_licence_id))
    return _typed_data(runtime, licence_terms_of(registration_id, body, principal.address, nonce, deadline))


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
    try:
        check_public_scope(session, runtime.ipfs, registration_id, from_hex(body.scope_digest))
    except ScopeNotPublicError as error:
        raise ProblemError(
            422, "scope_not_public", "The scope document of a public-data licence must be published", str(error)
        ) from error
    terms = licence_terms_of(registration_id, body, principal.address, body.nonce, body.deadline)
    signature = _checked_signature(runtime, terms, body.signature, principal.address)
    return _relay_signed(
        runtime,
        rights.grant_licence(runtime.contracts, terms, signature),
        f"licence:{registration_id}:{body.right}:{body.parent_licence_id}:{body.nonce}:{principal.address}",
        key,
        wait,
    )


@router.post("/licences/{licence_id}/regulator-approval", response_model=WriteAccepted, status_code=202)
def approve_licence(
    licence_id: LicenceId, principal: Regulator, runtime: Runtime, key: IdempotencyKey = None, wait: Wait = False
) -> WriteAccepted:
    """A regulator approves a licence of important or core data."""
    return relay(
        runtime,
        rights.regulator_approve_licence(runtime.contracts, _licence_id(licence_id)),
        sender=principal.address,
        scope=f"approve-licence:{licence_id}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )


@router.post("/licences/{licence_id}/revocation/typed-data")
def revocation_typed_data(licence_id: LicenceId, body: Reason, principal: Party, runtime: Runtime) -> dict[str, Any]:
    """The typed data the licensor (the caller) signs to revoke a licence without custody of its key."""
    terms = rights.revocation_terms(
        runtime.contracts, _licence_id(licence_id), principal.address, body.reason, runtime.signature_deadline()
    )
    return _typed_data(runtime, terms)


@router.post("/licences/{licence_id}/revocation", response_model=WriteAccepted, status_code=202)
def revoke_licence(
    licence_id: LicenceId,
    body: Revocation,
    principal: Annotated[Principal, Depends(require(Role.REGISTRANT, Role.AUTHORITY, Role.REGULATOR))],
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The licensor or the authority revokes a licence (a regulator, one still awaiting approval); with a
    signature, the licensor's signed revocation is relayed."""
    if body.signature is not None:
        return _signed_revocation(runtime, principal, _licence_id(licence_id), body, key, wait)
    return relay(
        runtime,
        rights.revoke_licence(runtime.contracts, _licence_id(licence_id), body.reason),
        sender=principal.address,
        scope=f"revoke-licence:{licence_id}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )


def _signed_revocation(
    runtime: LedgerRuntime,
    principal: Principal,
    licence_id: int,
    body: Revocation,
    key: ClientRequest | None,
    wait: bool,
) -> WriteAccepted:
    if body.signature is None or body.nonce is None or body.deadline is None:
        raise ProblemError(422, "signed_terms_incomplete", "A signed revocation carries its nonce and deadline")
    terms = RevocationTerms(licence_id, principal.address, text_digest(body.reason), body.nonce, body.deadline)
    signature = _checked_signature(runtime, terms, body.signature, principal.address)
    return _relay_signed(
        runtime,
        rights.revoke_licence_by_signature(runtime.contracts, terms, signature),
        f"revoke-licence-signed:{licence_id}:{body.nonce}:{principal.address}",
        key,
        wait,
    )


# ------------------------------------------------------------------------------------------------ pledges, trusts


@router.post("/registrations/{registration_id}/encumbrances/terms")
def encumbrance_terms(
    registration_id: RegistrationId, body: EncumbranceRequest, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the holder (the caller) signs to pledge a right or place it in trust."""
    nonce, deadline = _signing_terms(runtime, registration_id, body.right)
    return _typed_data(runtime, encumbrance_terms_of(registration_id, body, principal.address, nonce, deadline))


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
    terms = encumbrance_terms_of(registration_id, body, principal.address, body.nonce, body.deadline)
    signature = _checked_signature(runtime, terms, body.signature, principal.address)
    return _relay_signed(
        runtime,
        rights.encumber(runtime.contracts, terms, signature),
        f"encumber:{registration_id}:{body.right}:{body.nonce}:{principal.address}",
        key,
        wait,
    )


@router.post("/registrations/{registration_id}/rights/{right}/release/typed-data")
def release_typed_data(
    registration_id: RegistrationId, right: RightPath, principal: Party, runtime: Runtime
) -> dict[str, Any]:
    """The typed data the pledgee or trustee (the caller) signs to release the right without custody of its key."""
    terms = rights.release_terms(
        runtime.contracts, registration_id, right, principal.address, runtime.signature_deadline()
    )
    return _typed_data(runtime, terms)


@router.post("/registrations/{registration_id}/rights/{right}/release", response_model=WriteAccepted, status_code=202)
def release(
    registration_id: RegistrationId,
    right: RightPath,
    principal: Party,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
    body: SignedByParty | None = None,
) -> WriteAccepted:
    """The pledgee or trustee (the caller) releases the right: from its own (custodied) key, or with a signature
    over the release's typed data, relayed."""
    if body is None:
        write = rights.release(runtime.contracts, registration_id, right)
        return _right_action(runtime, principal, write, registration_id, right, key, wait)
    terms = ReleaseTerms(registration_id, right, principal.address, body.nonce, body.deadline)
    signature = _checked_signature(runtime, terms, body.signature, principal.address)
    return _relay_signed(
        runtime,
        rights.release_by_signature(runtime.contracts, terms, signature),
        f"release-signed:{registration_id}:{right}:{body.nonce}:{principal.address}",
        key,
        wait,
    )


@router.post(
    "/registrations/{registration_id}/rights/{right}/court-release", response_model=WriteAccepted, status_code=202
)
def court_release(
    registration_id: RegistrationId,
    right: RightPath,
    body: Evidence,
    principal: Authority,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The authority releases a pledge or trust on a court order."""
    write = rights.release_by_court_order(runtime.contracts, registration_id, right, body.evidence)
    written = _right_action(runtime, principal, write, registration_id, right, key, wait)
    record_review(session, registration_id, principal, ReviewDecision.COURT_RELEASE, body.evidence, written)
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
    return relay(
        runtime,
        rights.endorse(runtime.contracts, registration_id, body.kind, from_hex(body.report_digest)),
        sender=principal.address,
        scope=f"endorse:{registration_id}:{body.report_digest}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )


@router.post("/endorsements/{report_digest}/withdrawal", response_model=WriteAccepted, status_code=202)
def withdraw_endorsement(
    report_digest: ReportDigest,
    body: Reason,
    principal: Agency,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The agency withdraws its endorsement."""
    return relay(
        runtime,
        rights.withdraw_endorsement(runtime.contracts, from_hex(report_digest), body.reason),
        sender=principal.address,
        scope=f"withdraw:{report_digest}:{principal.address}",
        idempotency_key=key,
        wait=wait,
    )
