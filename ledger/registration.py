"""Registering data: from a manifest to a signed application queued for the chain.

1. The registrant signs the manifest (EIP-712); the signed document becomes one raw IPFS block whose
   CID is the digest the chain will hold.
2. The block is stored and pinned on the ledger's node before anything is sent, so the chain never
   points at content the ledger does not keep.
3. The registrant signs the on-chain application (`Submission`), which the outbox relays exactly once
   under an idempotency key derived from the registrant and the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session

from ledger.chain import registry as chain
from ledger.encoding import from_hex, to_hex
from ledger.index import queries
from ledger.index.manifests import offer_block
from ledger.licences import record_lineage
from ledger.manifest import model
from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.signing import sign_manifest, verify_manifest_signature
from ledger.outbox import WriteResult
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import Kind, Status
from ledger.writes import Signer, send

# The manifest names kinds by what is registered ("resource"); the chain and the service by "data_resource".
KINDS = {
    model.Kind.RESOURCE: Kind.DATA_RESOURCE,
    model.Kind.PRODUCT: Kind.DATA_PRODUCT,
    model.Kind.ASSET: Kind.DATA_ASSET,
}
# Registrations that do not stand in the way of registering the same data again.
SETTLED = (Status.REJECTED, Status.CANCELLED)


class RegistrantMismatchError(ValueError):
    """The signing key is not the manifest's registrant."""


class AlreadyRegisteredError(ValueError):
    """The registrant already registered (or queued) this data; registering it again must be asked for."""

    def __init__(self, data_commitment: str, registrations: list[int], queued: int) -> None:
        earlier = [f"registration {r}" for r in registrations] + (["a queued submission"] * min(queued, 1))
        super().__init__(f"the data {data_commitment} is already registered by this registrant: {', '.join(earlier)}")
        self.registrations = registrations


@dataclass(frozen=True)
class Registered:
    """A registration queued (or already queued before) for the chain."""

    cid: str
    document: model.SignedManifest
    write: WriteResult

    @property
    def digest(self) -> bytes:
        """The manifest digest the chain holds."""
        return sha256(canonical_json(self.document))


def submission_of(manifest: model.Manifest, digest: bytes, nonce: int, deadline: int) -> chain.Submission:
    """The on-chain application of a manifest stored under `digest`."""
    return chain.Submission(
        registrant=manifest.registrant,
        authority_id=manifest.authority_id,
        kind=KINDS[manifest.kind],
        origin=manifest.origin,
        grade=manifest.classification.grade,
        personal_info=manifest.classification.personal_information,
        rights=frozenset(manifest.rights_claimed),
        manifest_digest=digest,
        data_commitment=from_hex(manifest.data_commitment.root),
        nonce=nonce,
        deadline=deadline,
        parents=tuple(manifest.parents),
    )


@dataclass(frozen=True)
class PinnedManifest:
    """A manifest signed by its registrant and pinned, and the on-chain application the registrant signs next."""

    document: model.SignedManifest
    submission: chain.Submission
    typed_data: dict[str, Any]


def pin_signed_manifest(
    runtime: LedgerRuntime, manifest: model.Manifest, signature: str, session: Session
) -> PinnedManifest:
    """Checks the registrant's signature of the manifest (ManifestSignatureError), pins the signed manifest on the
    ledger's node (IpfsError), offers it to the index in `session`'s transaction (the caller commits), and builds
    the application with the registrant's next nonce and a deadline."""
    deployment = runtime.deployment
    document = model.SignedManifest(
        manifest=manifest, signature=model.RegistrantSignature(signer=manifest.registrant, value=signature.lower())
    )
    verify_manifest_signature(document, deployment.chain_id, deployment.registrations)
    block = canonical_json(document)
    runtime.ipfs.put_raw_block(block)
    nonce, deadline = runtime.signing_terms(manifest.registrant)
    submission = submission_of(manifest, sha256(block), nonce, deadline)
    offer_block(session, block)  # last: on SQLite the insert takes the write lock until the caller commits
    return PinnedManifest(document, submission, submission.typed_data(deployment.chain_id, deployment.registrations))


def refuse_registered_data(runtime: LedgerRuntime, registrant: str, data_commitment: str, sync: bool = True) -> None:
    """Raises AlreadyRegisteredError when `registrant` registered this data before and that registration still
    stands (it was not rejected or cancelled), or a submission of it is still in the outbox.

    With `sync`, the index is first brought up to the chain (the CLI); the service leaves that to its indexer.
    """
    if sync:
        runtime.follower.sync()
    with runtime.sessions() as session:
        standing = [
            row.id
            for row in queries.registrations_of_data(session, registrant, data_commitment)
            if Status.of(row.status) not in SETTLED
        ]
        queued = queries.queued_submissions(session, registrant)
    commitment = from_hex(data_commitment)
    same = sum(1 for data in queued if chain.submitted_commitment(runtime.contracts, data) == commitment)
    if standing or same:
        raise AlreadyRegisteredError(data_commitment, standing, same)


def register(
    runtime: LedgerRuntime, manifest: model.Manifest, registrant: LocalAccount, again: bool = False
) -> Registered:
    """Signs, stores and queues a registration; registering the same manifest again returns the first.

    The same data (by its commitment) registered before by the same registrant, and still standing, is
    refused with AlreadyRegisteredError unless `again` asks for a second registration explicitly.
    """
    if registrant.address != manifest.registrant:
        raise RegistrantMismatchError(f"the key {registrant.address} is not the registrant {manifest.registrant}")
    registry = runtime.deployment.registrations
    chain_id = runtime.deployment.chain_id
    document = sign_manifest(manifest, registrant, chain_id, registry)
    block = canonical_json(document)
    cid = raw_cid(block)
    key = f"submit:{registrant.address}:{cid}"
    existing = runtime.outbox.result(key)
    if existing is not None:
        return Registered(cid, document, existing)
    if not again:
        refuse_registered_data(runtime, registrant.address, manifest.data_commitment.root)
    stored = runtime.ipfs.put_raw_block(block)
    if stored != cid:
        raise RuntimeError(f"the node stored the manifest as {stored}, expected {cid}")
    with runtime.sessions.begin() as session:
        offer_block(session, block)
    nonce, deadline = runtime.signing_terms(registrant.address)
    submission = submission_of(manifest, sha256(block), nonce, deadline)
    write = chain.submit(runtime.contracts, submission, submission.sign(registrant, chain_id, registry))
    record_lineage(runtime, registrant.address, submission.parents)
    result = runtime.outbox.enqueue(
        key,
        runtime.relayer.address,
        write.to,
        write.data,
        write.purpose,
        signer=registrant.address,
        signer_nonce=nonce,
    )
    return Registered(cid, document, result)


def relay_application(
    runtime: LedgerRuntime,
    submission: chain.Submission,
    signature: bytes,
    *,
    key: str,
    again: bool,
    wait: bool,
    request: str | None = None,
) -> WriteResult:
    """Relays a registrant's signed application under `key` (the service's path; `register` is the CLI's).

    A repeat under the same key answers the first write (if it is the same client `request`, when one is
    given: see `ledger.writes.send`); data the registrant registered before is refused with
    AlreadyRegisteredError unless `again` asks for a second registration.
    """
    if runtime.outbox.result(key) is None:
        if not again:
            refuse_registered_data(runtime, submission.registrant, to_hex(submission.data_commitment), sync=False)
        record_lineage(runtime, submission.registrant, submission.parents)
    return send(
        runtime,
        chain.submit(runtime.contracts, submission, signature),
        sender=runtime.relayer.address,
        key=key,
        signer=Signer(submission.registrant, submission.nonce),
        wait=wait,
        request=request,
    )
