"""The registrant's signature inside a manifest document.

The registrant signs, with EIP-712 in the ledger's domain, the sha256 of the manifest's canonical JSON;
the signed document (manifest plus signature) is what goes to IPFS as one raw block, and its digest is
what the registrant's on-chain application names. A `drl.manifest/2` also names, inside the signed bytes,
the chain id and registry of that domain, so a reader sees the binding without rebuilding the signature;
verification refuses a manifest bound to another deployment (docs/formats/manifest.md).
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature

from ledger.chain.typed_data import signable
from ledger.manifest.canonical import document_digest
from ledger.manifest.model import (
    CURRENT_EVIDENCE_PROFILE,
    LEGACY_VERSION,
    SCHEMA_VERSION,
    Manifest,
    RegistrantSignature,
    SignedManifest,
)


class ManifestSignatureError(ValueError):
    """The manifest's signature does not recover to its registrant."""


def bound_fields(fields: dict[str, Any], chain_id: int, registry: str) -> dict[str, Any]:
    """The fields of a new manifest bound to a deployment: the current version, the chain id and registry its
    signature will be bound to, and the import profile its evidence files are added with. Whoever builds a
    manifest to sign (a draft of the service, `drl register`) passes its fields through here."""
    return {
        **fields,
        "schema": SCHEMA_VERSION,
        "chain_id": chain_id,
        "registry": registry,
        "evidence_cid_profile": CURRENT_EVIDENCE_PROFILE,
    }


def _check_binding(manifest: Manifest, chain_id: int, registry: str) -> None:
    if manifest.schema_version == LEGACY_VERSION:
        return
    if manifest.chain_id != chain_id or (manifest.registry or "").lower() != registry.lower():
        raise ManifestSignatureError(
            f"the manifest is bound to chain {manifest.chain_id} and registry {manifest.registry}, "
            f"not to chain {chain_id} and registry {registry}"
        )


def _signable(manifest: Manifest, chain_id: int, registry: str) -> SignableMessage:
    message = {"registrant": manifest.registrant, "manifestHash": document_digest(manifest)}
    return signable("Manifest", message, chain_id, registry)


def sign_manifest(manifest: Manifest, signer: LocalAccount, chain_id: int, registry: str) -> SignedManifest:
    """Signs the manifest as its registrant; an unbound manifest is bound to this deployment first. Refuses a
    signer who is not the manifest's registrant, a manifest bound elsewhere, and a new drl.manifest/1."""
    if signer.address != manifest.registrant:
        raise ManifestSignatureError(f"{signer.address} is not the manifest's registrant {manifest.registrant}")
    if manifest.schema_version == LEGACY_VERSION:
        raise ManifestSignatureError("new manifests are drl.manifest/2; drl.manifest/1 is only verified")
    if manifest.chain_id is None and manifest.registry is None:
        fields = manifest.model_dump(mode="json", by_alias=True, exclude_none=True)
        manifest = Manifest.model_validate(bound_fields(fields, chain_id, registry))
    _check_binding(manifest, chain_id, registry)
    signed = signer.sign_message(_signable(manifest, chain_id, registry))
    signature = RegistrantSignature(signer=signer.address, value="0x" + bytes(signed.signature).hex())
    return SignedManifest(manifest=manifest, signature=signature)


def verify_manifest_signature(document: SignedManifest, chain_id: int, registry: str) -> str:
    """Returns the registrant's address if the manifest is bound to this deployment (version 2) and the signature
    recovers to its registrant, else raises ManifestSignatureError."""
    _check_binding(document.manifest, chain_id, registry)
    try:
        recovered = Account.recover_message(
            _signable(document.manifest, chain_id, registry), signature=bytes.fromhex(document.signature.value[2:])
        )
    except (ValueError, BadSignature) as error:  # v, r or s out of range: a malformed signature, not a 500
        raise ManifestSignatureError(f"the signature is malformed: {error}") from error
    if recovered != document.manifest.registrant or recovered != document.signature.signer:
        raise ManifestSignatureError(f"signature recovers to {recovered}, not {document.manifest.registrant}")
    return str(recovered)
