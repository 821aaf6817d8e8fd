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
from pathlib import Path
from typing import Annotated, Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.exceptions import BadSignature
from fastapi import APIRouter, Depends, Form, UploadFile
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column
from starlette.concurrency import run_in_threadpool

from api.bodies import RequestBody
from api.deps import DbSession, IdempotencyKey, Principal, RegistrationId, Runtime, Wait, require
from api.errors import ProblemError
from api.tokens import Role
from api.writes import WriteAccepted, accepted, send
from ledger import draft_pins
from ledger.chain.typed_data import typed_data
from ledger.db import Base
from ledger.ipfs import IpfsError
from ledger.manifest.canonical import canonical_json, document_digest, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.model import Evidence, EvidenceKind, Manifest, RegistrantSignature, SignedManifest
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature
from ledger.registration import submission_of

router = APIRouter(prefix="/v1", tags=["registrant"])
Registrant = Annotated[Principal, Depends(require(Role.REGISTRANT))]
MAX_EVIDENCE_BYTES = 512 << 20


class Draft(Base):
    """An application being prepared: off chain until its signed submission is queued."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registrant: Mapped[str] = mapped_column(String(42), index=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    signed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submission: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    write_key: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class DraftView(BaseModel):
    id: str
    state: str
    manifest: dict[str, Any]
    cid: str | None = None
    to_sign: dict[str, Any] | None = Field(default=None, description="EIP-712 typed data for the next signature")
    write: WriteAccepted | None = None


class SignatureBody(RequestBody):
    """The registrant's signature; omitted, the service signs with the registrant's custodied key (if it holds one)."""

    signature: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{130}$")


def _signature_or_custody(runtime: Runtime, principal: Principal, typed: dict[str, Any], given: str | None) -> str:
    """The given signature, or one made now with the key the service holds for the caller (custody)."""
    if given is not None:
        return given
    account = runtime.custody.get(principal.address)
    if account is None:
        raise ProblemError(422, "signature_required", "Sign the typed data, or choose custody of your key first")
    return "0x" + bytes(account.sign_message(encode_typed_data(full_message=typed)).signature).hex()


def _signed_by(typed: dict[str, Any], signature: str, address: str) -> bool:
    """Whether `signature` over the typed data recovers to `address` (a malformed signature does not)."""
    try:
        signer = Account.recover_message(encode_typed_data(full_message=typed), signature=bytes.fromhex(signature[2:]))
    except (ValueError, TypeError, BadSignature):  # v, r or s out of range
        return False
    return bool(signer == address)


def _owned(session: DbSession, draft_id: str, principal: Principal) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None or draft.registrant != principal.address:
        raise ProblemError(404, "draft_not_found", "No such draft")
    if draft_pins.is_expired(session, draft_id):
        raise ProblemError(410, "draft_expired", "The draft was never submitted and its evidence was released")
    return draft


def _manifest_typed_data(runtime: Runtime, manifest: Manifest) -> dict[str, Any]:
    message = {"registrant": manifest.registrant, "manifestHash": "0x" + document_digest(manifest).hex()}
    return typed_data("Manifest", message, runtime.deployment.chain_id, runtime.deployment.registrations)


def _view(runtime: Runtime, draft: Draft) -> DraftView:
    manifest = Manifest.model_validate(draft.manifest)
    if draft.write_key:
        result = runtime.outbox.result(draft.write_key)
        write = None if result is None else accepted(result)
        return DraftView(id=draft.id, state="submitted", manifest=draft.manifest, cid=_cid(draft), write=write)
    if draft.submission:
        return DraftView(
            id=draft.id,
            state="manifest_signed",
            manifest=draft.manifest,
            cid=_cid(draft),
            to_sign=draft.submission["typed_data"],
        )
    return DraftView(
        id=draft.id, state="draft", manifest=draft.manifest, to_sign=_manifest_typed_data(runtime, manifest)
    )


def _cid(draft: Draft) -> str | None:
    return raw_cid(canonical_json(SignedManifest.model_validate(draft.signed))) if draft.signed else None


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
    manifest = _validated(fields)
    draft = Draft(
        id=str(uuid.uuid4()),
        registrant=principal.address,
        manifest=manifest.model_dump(mode="json", by_alias=True, exclude_none=True),
    )
    session.add(draft)
    session.commit()
    return _view(runtime, draft)


@router.get("/drafts/{draft_id}", response_model=DraftView)
def get_draft(draft_id: str, principal: Registrant, session: DbSession, runtime: Runtime) -> DraftView:
    """A draft and what it waits for."""
    return _view(runtime, _owned(session, draft_id, principal))


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
    return _view(runtime, draft)


@router.post("/drafts/{draft_id}/manifest-signature", response_model=DraftView)
def sign_manifest(
    draft_id: str, body: SignatureBody, principal: Registrant, session: DbSession, runtime: Runtime
) -> DraftView:
    """Checks the registrant's manifest signature, pins the signed manifest, and hands out the application."""
    draft = _owned(session, draft_id, principal)
    if draft.signed:
        return _view(runtime, draft)
    manifest = Manifest.model_validate(draft.manifest)
    signature = _signature_or_custody(runtime, principal, _manifest_typed_data(runtime, manifest), body.signature)
    document = SignedManifest(
        manifest=manifest, signature=RegistrantSignature(signer=principal.address, value=signature.lower())
    )
    try:
        verify_manifest_signature(document, runtime.deployment.chain_id, runtime.deployment.registrations)
    except ManifestSignatureError as error:
        raise ProblemError(
            422, "invalid_signature", "The manifest signature is not the registrant's", str(error)
        ) from error
    block = canonical_json(document)
    try:
        draft_pins.hold(session, draft.id, runtime.ipfs.put_raw_block(block))
    except IpfsError as error:
        raise ProblemError(503, "ipfs_unavailable", "The manifest could not be stored", str(error)) from error
    nonce, deadline = runtime.signing_terms(principal.address)
    submission = submission_of(manifest, sha256(block), nonce, deadline)
    message = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in submission.message().items()}
    draft.signed = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    draft.submission = {
        "nonce": nonce,
        "deadline": deadline,
        "typed_data": typed_data("Submission", message, runtime.deployment.chain_id, runtime.deployment.registrations),
    }
    session.commit()
    return _view(runtime, draft)


@router.post("/drafts/{draft_id}/submission", response_model=DraftView, status_code=202)
def submit(
    draft_id: str,
    body: SignatureBody,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
    key: IdempotencyKey = None,
    wait: Wait = False,
) -> DraftView:
    """Checks the registrant's signature of the application and queues it; repeating it changes nothing."""
    draft = _owned(session, draft_id, principal)
    if draft.write_key:
        if wait:
            runtime.outbox.wait(draft.write_key, timeout=30)
        return _view(runtime, draft)
    if not draft.signed or not draft.submission:
        raise ProblemError(409, "manifest_not_signed", "Sign the manifest first")
    document = SignedManifest.model_validate(draft.signed)
    block = canonical_json(document)
    submission = submission_of(
        document.manifest, sha256(block), draft.submission["nonce"], draft.submission["deadline"]
    )
    signature = _signature_or_custody(runtime, principal, draft.submission["typed_data"], body.signature)
    if not _signed_by(draft.submission["typed_data"], signature, principal.address):
        raise ProblemError(422, "invalid_signature", "The application signature is not the registrant's")
    call = runtime.contract("Registrations").functions.submit(submission.as_tuple(), bytes.fromhex(signature[2:]))
    written = send(
        runtime,
        runtime.relayer.address,
        "Registrations",
        call,
        "submit",
        scope=f"submit:{principal.address}:{raw_cid(block)}",
        idempotency_key=key or "draft",
        signer=principal.address,
        signer_nonce=submission.nonce,
        wait=wait,
    )
    draft.write_key = written.key
    draft_pins.settle(session, draft.id)
    session.commit()
    return _view(runtime, draft)


HOLDER_ACTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # path segment: (EIP-712 type, registry function, digest fields in signing order)
    "change": ("ChangeRequest", "requestChange", ("manifestDigest", "dataCommitment")),
    "annual-review": ("AnnualReview", "fileAnnualReview", ("reportDigest",)),
    "cancellation": ("Cancellation", "cancel", ("reasonDigest",)),
}
Digest32 = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]


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


def _holder_action(action: str) -> tuple[str, str, tuple[str, ...]]:
    if action not in HOLDER_ACTIONS:
        raise ProblemError(404, "unknown_action", "No such holder action", f"one of {sorted(HOLDER_ACTIONS)}")
    return HOLDER_ACTIONS[action]


def _digests(action: str, body: HolderActionRequest, session: DbSession, principal: Principal) -> dict[str, str]:
    if action == "change":
        if body.draft_id is None:
            raise ProblemError(422, "draft_required", "A change names the draft of the new manifest")
        draft = _owned(session, body.draft_id, principal)
        if not draft.signed:
            raise ProblemError(409, "manifest_not_signed", "Sign the new manifest first")
        document = SignedManifest.model_validate(draft.signed)
        return {
            "manifestDigest": "0x" + sha256(canonical_json(document)).hex(),
            "dataCommitment": document.manifest.data_commitment.root,
        }
    digest = body.report_digest if action == "annual-review" else body.reason_digest
    if digest is None:
        raise ProblemError(422, "digest_required", "The action needs the digest of its document")
    return {_holder_action(action)[2][0]: digest}


@router.post("/registrations/{registration_id}/holder-actions/{action}/typed-data")
def holder_action_typed_data(
    registration_id: RegistrationId,
    action: str,
    body: HolderActionRequest,
    principal: Registrant,
    session: DbSession,
    runtime: Runtime,
) -> dict[str, Any]:
    """The EIP-712 typed data the holder signs for a change, an annual review or a cancellation."""
    primary, _, _ = _holder_action(action)
    nonce, deadline = runtime.signing_terms(principal.address)
    message = {
        "registrationId": registration_id,
        **_digests(action, body, session, principal),
        "nonce": nonce,
        "deadline": deadline,
    }
    return typed_data(primary, message, runtime.deployment.chain_id, runtime.deployment.registrations)


@router.post("/registrations/{registration_id}/holder-actions/{action}", response_model=WriteAccepted, status_code=202)
def holder_action(
    registration_id: RegistrationId,
    action: str,
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
    action: str,
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
    action: str,
    body: HolderActionRequest,
    nonce: int,
    deadline: int,
    given: str | None,
    principal: Principal,
    session: DbSession,
    runtime: Runtime,
    key: str | None,
    wait: bool,
) -> WriteAccepted:
    primary, function, fields = _holder_action(action)
    digests = _digests(action, body, session, principal)
    message = {"registrationId": registration_id, **digests, "nonce": nonce, "deadline": deadline}
    typed = typed_data(primary, message, runtime.deployment.chain_id, runtime.deployment.registrations)
    signed = _signature_or_custody(runtime, principal, typed, given)
    if not _signed_by(typed, signed, principal.address):
        raise ProblemError(422, "invalid_signature", "The signature is not the token holder's")
    arguments = [bytes.fromhex(digests[name][2:]) for name in fields]
    call = getattr(runtime.contract("Registrations").functions, function)(
        registration_id, *arguments, nonce, deadline, bytes.fromhex(signed[2:])
    )
    return send(
        runtime,
        runtime.relayer.address,
        "Registrations",
        call,
        function,
        scope=f"{action}:{registration_id}:{principal.address}:{nonce}",
        idempotency_key=key or "signed",
        signer=principal.address,
        signer_nonce=nonce,
        wait=wait,
    )
