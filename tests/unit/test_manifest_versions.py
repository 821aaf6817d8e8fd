"""drl.manifest/2 is bound to one deployment and commits with merkle/2; drl.manifest/1 stays readable."""

from __future__ import annotations

import pytest

from ledger.manifest.model import Manifest
from ledger.manifest.signing import ManifestSignatureError, bound_fields, sign_manifest, verify_manifest_signature
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..factories import manifest_fields

SIGNER = dev_account(1, LOCAL_CHAIN_ID)
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
FOLDER = {"scheme": "merkle/1", "root": "0x" + "33" * 32, "file_count": 2, "total_bytes": 10}


def test_signing_binds_a_new_manifest_to_the_chain_and_registry_it_signs_for() -> None:
    signed = sign_manifest(Manifest.model_validate(manifest_fields(SIGNER.address)), SIGNER, LOCAL_CHAIN_ID, REGISTRY)
    assert signed.manifest.schema_version == "drl.manifest/2"
    assert (signed.manifest.chain_id, signed.manifest.registry) == (LOCAL_CHAIN_ID, REGISTRY)
    assert signed.manifest.evidence_cid_profile == "unixfs-v1-2025"
    assert verify_manifest_signature(signed, LOCAL_CHAIN_ID, REGISTRY) == SIGNER.address


def test_a_manifest_bound_to_another_deployment_is_not_signed_for_this_one() -> None:
    fields = bound_fields(manifest_fields(SIGNER.address), 1, REGISTRY)
    with pytest.raises(ManifestSignatureError, match="bound to chain 1"):
        sign_manifest(Manifest.model_validate(fields), SIGNER, LOCAL_CHAIN_ID, REGISTRY)


def test_an_unbound_version_2_manifest_does_not_verify() -> None:
    signed = sign_manifest(Manifest.model_validate(manifest_fields(SIGNER.address)), SIGNER, LOCAL_CHAIN_ID, REGISTRY)
    unbound = signed.model_copy(update={"manifest": signed.manifest.model_copy(update={"chain_id": None})})
    with pytest.raises(ManifestSignatureError, match="bound to chain None"):
        verify_manifest_signature(unbound, LOCAL_CHAIN_ID, REGISTRY)


def test_versions_keep_their_own_merkle_scheme_and_members() -> None:
    with pytest.raises(ValueError, match="merkle/2"):
        Manifest.model_validate(manifest_fields(SIGNER.address, data_commitment=FOLDER))
    legacy = Manifest.model_validate(manifest_fields(SIGNER.address, schema="drl.manifest/1", data_commitment=FOLDER))
    assert legacy.chain_id is None
    with pytest.raises(ValueError, match="names no chain_id"):
        Manifest.model_validate(manifest_fields(SIGNER.address, schema="drl.manifest/1", chain_id=LOCAL_CHAIN_ID))


def test_new_manifests_are_never_signed_as_version_1() -> None:
    legacy = Manifest.model_validate(manifest_fields(SIGNER.address, schema="drl.manifest/1"))
    with pytest.raises(ManifestSignatureError, match="only verified"):
        sign_manifest(legacy, SIGNER, LOCAL_CHAIN_ID, REGISTRY)
