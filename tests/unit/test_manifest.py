"""Manifests: typed, canonical, content-addressed and signed by their registrant."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from eth_account import Account
from multiformats import CID, multihash
from pydantic import ValidationError

from ledger.manifest.canonical import canonical_json, document_digest, parse_canonical
from ledger.manifest.cid import digest_of_raw_cid, raw_cid, raw_cid_of_digest
from ledger.manifest.model import Manifest, SignedManifest
from ledger.manifest.schema import SCHEMA_PATH, render
from ledger.manifest.signing import ManifestSignatureError, sign_manifest, verify_manifest_signature
from ledger.verification import classify

from ..factories import make_manifest, manifest_fields

REGISTRY = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
REGISTRANT = Account.from_key("0x" + "a1" * 32)


def test_canonical_json_is_sorted_compact_utf8_and_stable() -> None:
    manifest = make_manifest(REGISTRANT.address)
    block = canonical_json(manifest)
    assert block == canonical_json(make_manifest(REGISTRANT.address))
    assert b" " not in block.split(b'"description"')[0]
    keys = list(json.loads(block))
    assert keys == sorted(keys)
    assert "城市交通流量数据".encode() in block


def test_canonical_block_round_trips_and_a_reformatted_one_is_refused() -> None:
    block = canonical_json(make_manifest(REGISTRANT.address))
    assert canonical_json(parse_canonical(Manifest, block)) == block
    pretty = json.dumps(json.loads(block), indent=2).encode()
    with pytest.raises(ValueError, match="canonical"):
        parse_canonical(Manifest, pretty)


def test_the_digest_on_chain_is_the_cid_of_the_raw_block() -> None:
    block = canonical_json(make_manifest(REGISTRANT.address))
    cid = raw_cid(block)
    assert cid.startswith("bafkrei")
    assert digest_of_raw_cid(cid) == document_digest(make_manifest(REGISTRANT.address))
    assert raw_cid_of_digest(digest_of_raw_cid(cid)) == cid


def test_known_cid_of_the_empty_block() -> None:
    assert raw_cid(b"") == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def test_a_malformed_manifest_lists_every_field_error() -> None:
    fields = manifest_fields(
        "not-an-address", industry="Z99", formats=[], rights_claimed=[], data_commitment={"scheme": "md5"}
    )
    with pytest.raises(ValidationError) as refused:
        Manifest.model_validate(fields)
    locations = {error["loc"][0] for error in refused.value.errors()}
    assert {"registrant", "industry", "formats", "rights_claimed", "data_commitment"} <= locations


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Manifest.model_validate(manifest_fields(REGISTRANT.address, owner_name="张三"))


def test_personal_data_must_be_classified_as_personal_information() -> None:
    with pytest.raises(ValidationError, match="personal information"):
        make_manifest(REGISTRANT.address, origin="personal")


def test_time_range_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="before start"):
        make_manifest(REGISTRANT.address, time_range={"start": "2025-01-02", "end": "2025-01-01"})


def test_the_registrant_signature_verifies_and_a_changed_manifest_does_not() -> None:
    signed = sign_manifest(make_manifest(REGISTRANT.address), REGISTRANT, 31337, REGISTRY)
    assert verify_manifest_signature(signed, 31337, REGISTRY) == REGISTRANT.address
    altered = SignedManifest(
        manifest=make_manifest(REGISTRANT.address, title="another title"), signature=signed.signature
    )
    with pytest.raises(ManifestSignatureError):
        verify_manifest_signature(altered, 31337, REGISTRY)


def test_a_signature_for_another_chain_does_not_verify() -> None:
    signed = sign_manifest(make_manifest(REGISTRANT.address), REGISTRANT, 31337, REGISTRY)
    with pytest.raises(ManifestSignatureError):
        verify_manifest_signature(signed, 1, REGISTRY)


def test_only_the_registrant_may_sign() -> None:
    other = Account.from_key("0x" + "b2" * 32)
    with pytest.raises(ManifestSignatureError, match="not the manifest's registrant"):
        sign_manifest(make_manifest(REGISTRANT.address), other, 31337, REGISTRY)


def test_the_exported_json_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text() == render(), "run `python -m ledger.manifest.schema` and commit"


@pytest.mark.parametrize("data", [b"", b"a", "城市交通".encode(), bytes(range(256)) * 40])
def test_the_fast_cid_encoder_agrees_with_multiformats(data: bytes) -> None:
    digest = hashlib.sha256(data).digest()
    assert raw_cid_of_digest(digest) == str(CID("base32", 1, "raw", multihash.wrap(digest, "sha2-256")))


def test_a_verification_query_reads_local_files_only_when_allowed(tmp_path: Path) -> None:
    secret = tmp_path / "server-secret.txt"
    secret.write_text("not for buyers")
    assert classify(str(secret), allow_files=True) == "file"
    with pytest.raises(ValueError, match="neither"):
        classify(str(secret))
    assert classify("reg:9223372036854775807") == "registration"


def test_certificate_numbers_too_long_for_the_index_are_not_numbers() -> None:
    assert classify("202503010001") == "certificate"
    assert classify("202503010001000000") == "certificate"
    with pytest.raises(ValueError, match="neither"):
        classify("99999999999999999999")
    with pytest.raises(ValueError, match="neither"):
        classify("reg:9999999999999999999")
