"""Registrant endpoints: drafts, evidence uploads, signing, submission, and signed actions after certification.

Keys stay with the registrant: the service hands out the EIP-712 typed data, the registrant's wallet
signs it, and the service checks the signature before relaying it through the outbox.
1. `POST /v1/drafts` — the manifest fields; answers the typed data of the manifest signature.
2. `POST /v1/drafts/{id}/evidence` — evidence files, streamed to IPFS (the manifest, and so its typed
   data, changes with each).
3. `POST /v1/drafts/{id}/manifest-signature` — the signed manifest is pinned; answers the typed data of
   the on-chain application.
4. `POST /v1/drafts/{id}/submission` — the signed application is checked and queued (idempotent).
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, UploadFile
from fastapi import Path as PathParameter
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from api.bodies import RequestBody
from api.deps import DbSession, IdempotencyKey, Principal, RegistrationId, Runtime, Wait, require
from api.errors import ProblemError
from api.idempotency import ClientRequest
from api.tables import Draft
from api.tokens import Role
from api.writes import WriteAccepted, accepted, relay
from ledger import draft_pins
from ledger.chain import registry
from ledger.chain.registry import HolderAction
from ledger.chain.typed_data import signer_of, typed_data
from ledger.encoding import from_hex, to_hex
from ledger.index import queries
from ledger.ipfs import IpfsError
from ledger.manifest.canonical import canonical_json, document_digest, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.model import Evidence, EvidenceKind, Manifest, SignedManifest
from ledger.manifest.signing import ManifestSignatureError, bound_fields
from ledger.registration import AlreadyRegisteredError, pin_signed_manifest, relay_application, submission_of
from ledger.writes import Signer, write_key

router = APIRouter(prefix="/v1", tags=["registrant"])
Registrant = Annotated[Principal, Depends(require(Role.REGISTRANT))]
MAX_EVIDENCE_BYTES = 512 << 20


class DraftState(StrEnum):
    """What a draft waits for: the manifest signature, the application signature, or the chain."""

    DRAFT = "draft"
    MANIFEST_SIGNED = "manifest_signed"
    SUBMITTED = "submitted"


class DraftView(BaseModel):
    id: str
    state: DraftState
    manifest: dict[str, Any]
    cid: str | None = None
    registration_id: int | None = Field(default=None, description="The registration it became, once indexed")
    to_sign: dict[str, Any] | None = Field(default=None, description="EIP-712 typed data for the next signature")
    write: WriteAccepted | None = None


class SignatureBody(RequestBody):
    """The registrant's signature; omitted, the service signs with the registrant's custodied key (if it holds one)."""

    signature: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{130}$")


class SubmissionBody(SignatureBody):
    """The signed application; `again` registers data this registrant already registered, a second time."""

    again: bool = Field(default=False, description="Register data this registrant registered before, again")


def signature_or_custody(runtime: Runtime, principal: Principal, typed: dict[str, Any], given: str | None) -> str:
    """The given signature, or one made now with the key the service holds for the caller (custody)."""
    if given is not None:
        return given
    signature = runtime.custodial_signature(principal.address, typed)
    if signature is None:
        raise ProblemError(422, "signature_required", "Sign the typed data, or choose custody of your key first")
    return to_hex(signature)


def _signed_by(typed: dict[str, Any], signature: str, address: str) -> bool:
    """Whether `signature` over the typed data recovers to `address` (a malformed signature does not)."""
    return signer_of(typed, from_hex(signature)) == address


def _owned(session: DbSession, draft_id: str, principal: Principal) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None or draft.registrant != principal.address:
        raise ProblemError(404, "draft_not_found", "No such draft")
    if draft_pins.is_expired(session, draft_id):
        raise ProblemError(410, "draft_expired", "The draft was never submitted and its evidence was released")
    return draft


def _manifest_typed_data(runtime: Runtime, manifest: Manifest) -> dict[str, Any]:
    message = {"registrant": manifest.registrant, "manifestHash": to_hex(document_digest(manifest))}
    return typed_data("Manifest", message, runtime.deployment.chain_id, runtime.deployment.registrations)


def _view(runtime: Runtime, draft: Draft, session: DbSession, block: bytes | None = None) -> DraftView:
    """The draft as the registrant sees it; `block` is its signed manifest's block when the caller holds it already
    (validating and canonicalising the manifest again costs more than the rest of the view)."""
    if draft.signed and block is None:
        block = canonical_json(SignedManifest.model_validate(draft.signed))
    if draft.write_key:
        result = runtime.outbox.result(draft.write_key)
        write = None if result is None else accepted(result)
        return DraftView(
            id=draft.id,
            state=DraftState.SUBMITTED,
            manifest=draft.manifest,
            cid=raw_cid(block) if block else None,
            registration_id=queries.registration_of_manifest(session, to_hex(sha256(block))) if block else None,
            write=write,
        )
    if draft.submission:
        return DraftView(
            id=draft.id,
            state=DraftState.MANIFEST_SIGNED,
            manifest=draft.manifest,
            cid=raw_cid(block) if block else None,
            to_sign=draft.submission["typed_data"],
        )
    manifest = Manifest.model_validate(draft.manifest)
    return DraftView(
        id=draft.id, state=DraftState.DRAFT, manifest=draft.manifest, to_sign=_manifest_typed_data(runtime, manifest)
    )


def _validated(fields: dict[str, Any]) -> Manifest:
    try:
        return Manifest.model_validate(fields)
    except ValidationError as error:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in error.errors()]
        raise ProblemError(
            422, "invalid_manifest", "The manifest is not valid", f"{len(problems)} problems", errors=problems
        ) from error


@router.post("/drafts", response_model=DraftView, status_code=201)
def create_draft(fields: dict[str, Any], principal: Registrant, session: DbSession, runtime: Runtime) -> DraftView:
    """Creates a draft from manifest fields; the registrant is the token's account."""
    fields = {**fields, "registrant": principal.address}
    fields.setdefault("created_at", datetime.now(UTC).isoformat())
    manifest = _validated(bound_fields(fields, runtime.deployment.chain_id, runtime.deployment.registrations))
    draft = Draft(
        id=str(uuid.uuid4()),
        registrant=principal.address,
        manifest=manifest.model_dump(mode="json", by_alias=True, exclude_none=True),
    )
    session.add(draft)
    session.commit()
    return _view(runtime, draft, session)


@router.get("/drafts/{draft_id}", response_model=DraftView)
def get_draft(draft_id: str, principal: Registrant, session: DbSession, runtime: Runtime) -> DraftView:
    """A draft and what it waits for."""
    return _view(runtime, _owned(session, draft_id, principal), session)


@router.post("/drafts/{draft_id}/evidence", response_model=DraftView)
async def upload_evidence(
    draft_id: str,
    file: UploadFile,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
    kind: Annotated[EvidenceKind, Form()],
    issuing_agency: Annotated[str | None, Form(max_length=200)] = None,
) -> DraftView:
    """Streams an evidence file to IPFS (pinned, CID checked locally) and lists it in the manifest."""
    draft = _owned(session, draft_id, principal)
    if draft.signed:
        raise ProblemError(409, "draft_signed", "The manifest is already signed; start a new draft to change it")
    digest, size = hashlib.sha256(), 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "evidence"
        with path.open("wb") as out:
            while piece := await file.read(1 << 20):
                size += len(piece)
                if size > MAX_EVIDENCE_BYTES:
                    raise ProblemError(
                        413, "upload_too_large", "The file is too large", f"at most {MAX_EVIDENCE_BYTES} bytes"
                    )
                digest.update(piece)
                out.write(piece)
        try:
            cid = await run_in_threadpool(runtime.ipfs.add_file, path)  # off the event loop
        except IpfsError as error:
            raise ProblemError(503, "ipfs_unavailable", "The evidence could not be stored", str(error)) from error
    draft_pins.hold(session, draft.id, cid)
    evidence = Evidence(kind=kind, cid=cid, sha256="0x" + digest.hexdigest(), issuing_agency=issuing_agency)
    fields = dict(draft.manifest)
    fields["evidence"] = [*fields.get("evidence", []), evidence.model_dump(mode="json", exclude_none=True)]
    draft.manifest = _validated(fields).model_dump(mode="json", by_alias=True, exclude_none=True)
    session.commit()
    return _view(runtime, draft, session)


@router.post("/drafts/{draft_id}/manifest-signature", response_model=DraftView)
def sign_manifest(
    draft_id: str, body: SignatureBody, principal: Registrant, session: DbSession, runtime: Runtime
) -> DraftView:
    """Checks the registrant's manifest signature, pins the signed manifest, and hands out the application."""
    draft = _owned(session, draft_id, principal)
    if draft.signed:
        return _view(runtime, draft, session)
    manifest = Manifest.model_validate(draft.manifest)
    # The typed data only for custody: a wallet's signature is checked over the manifest itself below.
    signature = body.signature or signature_or_custody(
        runtime, principal, _manifest_typed_data(runtime, manifest), None
    )
    try:
        pinned = pin_signed_manifest(runtime, manifest, signature, session)
    except ManifestSignatureError as error:
        raise ProblemError(
            422, "invalid_signature", "The manifest signature is not the registrant's", str(error)
        ) from error
    except IpfsError as error:
        raise ProblemError(503, "ipfs_unavailable", "The manifest could not be stored", str(error)) from error
    block = canonical_json(pinned.document)
    draft_pins.hold(session, draft.id, raw_cid(block))
    draft.signed = pinned.document.model_dump(mode="json", by_alias=True, exclude_none=True)
    draft.submission = {
        "nonce": pinned.submission.nonce,
        "deadline": pinned.submission.deadline,
        "typed_data": pinned.typed_data,
    }
    session.commit()
    return _view(runtime, draft, session, block)


@router.post("/drafts/{draft_id}/submission", response_model=DraftView, status_code=202)
def submit(
    draft_id: str,
    body: SubmissionBody,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> DraftView:
    """Checks the registrant's signature of the application and queues it; repeating it changes nothing."""
    draft = _owned(session, draft_id, principal)
    session.commit()  # hands the connection back: the chain may take seconds, the pool serves others meanwhile
    if draft.write_key:
        if wait:
            runtime.outbox.wait(draft.write_key, timeout=30)
        return _view(runtime, draft, session)
    if not draft.signed or not draft.submission:
        raise ProblemError(409, "manifest_not_signed", "Sign the manifest first")
    document = SignedManifest.model_validate(draft.signed)
    block = canonical_json(document)
    submission = submission_of(
        document.manifest, sha256(block), draft.submission["nonce"], draft.submission["deadline"]
    )
    signature = signature_or_custody(runtime, principal, draft.submission["typed_data"], body.signature)
    if not _signed_by(draft.submission["typed_data"], signature, principal.address):
        raise ProblemError(422, "invalid_signature", "The application signature is not the registrant's")
    cid = raw_cid(block)
    # A draft's submission asks to register its signed manifest: another draft of the same manifest, whose
    # application the registrant signed over a newer nonce and deadline, is the same request.
    request = key.about({"manifest": cid, "again": body.again}) if key else None
    try:
        result = relay_application(
            runtime,
            submission,
            from_hex(signature),
            key=request.outbox_key if request else write_key(f"submit:{principal.address}:{cid}", "draft"),
            request=request.digest if request else None,
            again=body.again,
            wait=wait,
        )
    except AlreadyRegisteredError as error:
        raise ProblemError(
            409, "already_registered", "You registered this data before", f"{error}; send again: true"
        ) from error
    written = accepted(result)
    draft.write_key = written.key
    draft_pins.settle(session, draft.id)
    session.commit()
    return _view(runtime, draft, session, block)


Digest32 = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]
ActionPath = Annotated[HolderAction, PathParameter(description="change, annual-review or cancellation")]


class HolderActionRequest(RequestBody):
    """The digests an action names (a change names the draft whose signed manifest it moves to)."""

    draft_id: str | None = None
    report_digest: Digest32 | None = None
    reason_digest: Digest32 | None = None


class HolderActionSigned(HolderActionRequest):
    """A holder action signed in the holder's wallet over the typed data `.../typed-data` answered."""

    nonce: int = Field(ge=0)
    deadline: int = Field(ge=0)
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")


class HolderActionCustodial(HolderActionRequest):
    """A holder action the service signs with the holder's custodied key."""


def _digests(
    action: HolderAction, body: HolderActionRequest, session: DbSession, principal: Principal
) -> dict[str, str]:
    if action is HolderAction.CHANGE:
        if body.draft_id is None:
            raise ProblemError(422, "draft_required", "A change names the draft of the new manifest")
        draft = _owned(session, body.draft_id, principal)
        if not draft.signed:
            raise ProblemError(409, "manifest_not_signed", "Sign the new manifest first")
        document = SignedManifest.model_validate(draft.signed)
        return {
            "manifestDigest": to_hex(sha256(canonical_json(document))),
            "dataCommitment": document.manifest.data_commitment.root,
        }
    digest = body.report_digest if action is HolderAction.ANNUAL_REVIEW else body.reason_digest
    if digest is None:
        raise ProblemError(422, "digest_required", "The action needs the digest of its document")
    return {action.digest_fields[0]: digest}


@router.post("/registrations/{registration_id}/holder-actions/{action}/typed-data")
def holder_action_typed_data(
    registration_id: RegistrationId,
    action: ActionPath,
    body: HolderActionRequest,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
) -> dict[str, Any]:
    """The EIP-712 typed data the holder signs for a change, an annual review or a cancellation."""
    nonce, deadline = runtime.signing_terms(principal.address)
    message = {
        "registrationId": registration_id,
        **_digests(action, body, session, principal),
        "nonce": nonce,
        "deadline": deadline,
    }
    return typed_data(action.primary_type, message, runtime.deployment.chain_id, runtime.deployment.registrations)


@router.post("/registrations/{registration_id}/holder-actions/{action}", response_model=WriteAccepted, status_code=202)
def holder_action(
    registration_id: RegistrationId,
    action: ActionPath,
    body: HolderActionSigned,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """Checks the holder's signature and relays the action; the contract checks it again."""
    return _relay_holder_action(
        registration_id, action, body, body.nonce, body.deadline, body.signature, principal, session, runtime, key, wait
    )


@router.post(
    "/registrations/{registration_id}/holder-actions/{action}/custodial", response_model=WriteAccepted, status_code=202
)
def holder_action_custodial(
    registration_id: RegistrationId,
    action: ActionPath,
    body: HolderActionCustodial,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> WriteAccepted:
    """The same action, signed by the service with the holder's custodied key (422 without custody)."""
    nonce, deadline = runtime.signing_terms(principal.address)
    return _relay_holder_action(
        registration_id, action, body, nonce, deadline, None, principal, session, runtime, key, wait
    )


def _relay_holder_action(
    registration_id: int,
    action: HolderAction,
    body: HolderActionRequest,
    nonce: int,
    deadline: int,
    given: str | None,
    principal: Principal,
    session: DbSession,
    runtime: Runtime,
    key: ClientRequest | None,
    wait: bool,
) -> WriteAccepted:
    digests = _digests(action, body, session, principal)
    message = {"registrationId": registration_id, **digests, "nonce": nonce, "deadline": deadline}
    typed = typed_data(action.primary_type, message, runtime.deployment.chain_id, runtime.deployment.registrations)
    signed = signature_or_custody(runtime, principal, typed, given)
    if not _signed_by(typed, signed, principal.address):
        raise ProblemError(422, "invalid_signature", "The signature is not the token holder's")
    arguments = [from_hex(digests[name]) for name in action.digest_fields]
    return relay(
        runtime,
        registry.holder_action(
            runtime.contracts, action, registration_id, arguments, nonce, deadline, from_hex(signed)
        ),
        sender=runtime.relayer.address,
        scope=f"{action}:{registration_id}:{principal.address}:{nonce}",
        idempotency_key=key,
        fallback_key="signed",
        signer=Signer(principal.address, nonce),
        wait=wait,
    )
