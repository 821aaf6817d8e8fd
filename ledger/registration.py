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

from eth_account.signers.local import LocalAccount
from web3 import Web3

from ledger.chain import registry as chain
from ledger.manifest import model
from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.signing import sign_manifest
from ledger.outbox import WriteResult
from ledger.runtime import LedgerRuntime

KINDS = {
    model.Kind.RESOURCE: chain.Kind.DATA_RESOURCE,
    model.Kind.PRODUCT: chain.Kind.DATA_PRODUCT,
    model.Kind.ASSET: chain.Kind.DATA_ASSET,
}
ORIGINS = {
    model.Origin.PUBLIC: chain.Origin.PUBLIC,
    model.Origin.ENTERPRISE: chain.Origin.ENTERPRISE,
    model.Origin.PERSONAL: chain.Origin.PERSONAL,
}
GRADES = {
    model.Grade.GENERAL: chain.Grade.GENERAL,
    model.Grade.IMPORTANT: chain.Grade.IMPORTANT,
    model.Grade.CORE: chain.Grade.CORE,
}
RIGHTS = {
    model.RightName.RESOURCE_HOLDING: chain.Right.RESOURCE_HOLDING,
    model.RightName.PROCESSING_AND_USE: chain.Right.PROCESSING_AND_USE,
    model.RightName.PRODUCT_OPERATION: chain.Right.PRODUCT_OPERATION,
}


class RegistrantMismatchError(ValueError):
    """The signing key is not the manifest's registrant."""


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
    rights = chain.Right(0)
    for right in manifest.rights_claimed:
        rights |= RIGHTS[right]
    return chain.Submission(
        registrant=manifest.registrant,
        authority_id=manifest.authority_id,
        kind=KINDS[manifest.kind],
        origin=ORIGINS[manifest.origin],
        grade=GRADES[manifest.classification.grade],
        personal_info=manifest.classification.personal_information,
        rights=rights,
        manifest_digest=digest,
        data_commitment=bytes.fromhex(manifest.data_commitment.root[2:]),
        nonce=nonce,
        deadline=deadline,
        parents=tuple(manifest.parents),
    )


def register(runtime: LedgerRuntime, manifest: model.Manifest, registrant: LocalAccount) -> Registered:
    """Signs, stores and queues a registration; registering the same manifest again returns the first."""
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
    stored = runtime.ipfs.put_raw_block(block)
    if stored != cid:
        raise RuntimeError(f"the node stored the manifest as {stored}, expected {cid}")
    contract = runtime.contract("Registrations")
    nonce, deadline = runtime.signing_terms(registrant.address)
    submission = submission_of(manifest, sha256(block), nonce, deadline)
    signature = submission.sign(registrant, chain_id, registry)
    data = bytes.fromhex(contract.functions.submit(submission.as_tuple(), signature)._encode_transaction_data()[2:])
    write = runtime.outbox.enqueue(
        key,
        runtime.relayer.address,
        Web3.to_checksum_address(registry),
        data,
        "submit",
        signer=registrant.address,
        signer_nonce=nonce,
    )
    return Registered(cid, document, write)
