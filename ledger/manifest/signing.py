"""The registrant's signature inside a manifest document.

The registrant signs, with EIP-712 in the ledger's domain, the sha256 of the manifest's canonical JSON;
the signed document (manifest plus signature) is what goes to IPFS as one raw block, and its digest is
what the registrant's on-chain application names.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import SignableMessage
from eth_account.signers.local import LocalAccount
from eth_keys.exceptions import BadSignature

from ledger.chain.typed_data import signable
from ledger.manifest.canonical import document_digest
from ledger.manifest.model import Manifest, RegistrantSignature, SignedManifest


class ManifestSignatureError(ValueError):
    """The manifest's signature does not recover to its registrant."""


def _signable(manifest: Manifest, chain_id: int, registry: str) -> SignableMessage:
    message = {"registrant": manifest.registrant, "manifestHash": document_digest(manifest)}
    return signable("Manifest", message, chain_id, registry)


def sign_manifest(manifest: Manifest, signer: LocalAccount, chain_id: int, registry: str) -> SignedManifest:
    """Signs the manifest as its registrant; refuses a signer who is not the manifest's registrant."""
    if signer.address != manifest.registrant:
        raise ManifestSignatureError(f"{signer.address} is not the manifest's registrant {manifest.registrant}")
    signed = signer.sign_message(_signable(manifest, chain_id, registry))
    signature = RegistrantSignature(signer=signer.address, value="0x" + bytes(signed.signature).hex())
    return SignedManifest(manifest=manifest, signature=signature)


def verify_manifest_signature(document: SignedManifest, chain_id: int, registry: str) -> str:
    """Returns the registrant's address if the signature recovers to it, else raises ManifestSignatureError."""
    try:
        recovered = Account.recover_message(
            _signable(document.manifest, chain_id, registry), signature=bytes.fromhex(document.signature.value[2:])
        )
    except (ValueError, BadSignature) as error:  # v, r or s out of range: a malformed signature, not a 500
        raise ManifestSignatureError(f"the signature is malformed: {error}") from error
    if recovered != document.manifest.registrant or recovered != document.signature.signer:
        raise ManifestSignatureError(f"signature recovers to {recovered}, not {document.manifest.registrant}")
    return str(recovered)
