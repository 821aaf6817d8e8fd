"""The vectors of docs/formats/vectors/ are what scripts/format_vectors.py writes, and the ledger's code reads
them back: manifests verify, ids decode, trees prove, CIDs rebuild, documents parse."""

from __future__ import annotations

import base64
import importlib.util
import json
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

from ledger.certificates import CertificateDocumentV1, parse_certificate_document
from ledger.chain import ids
from ledger.manifest.canonical import canonical_json, parse_canonical, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.model import FileDigest, SignedManifest, file_entry
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature
from ledger.manifest.unixfs import PROFILES, unixfs_cid_of_bytes
from ledger.proofs.bundle import ProofBundle, committed_data
from ledger.proofs.merkle import LEAF_DOMAIN, MerkleTree, leaf_hash, verify

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "formats" / "vectors"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("format_vectors", ROOT / "scripts" / "format_vectors.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def test_the_committed_vectors_and_schemas_are_what_the_generator_writes(generator: ModuleType) -> None:
    for path, text in generator.outputs().items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} is stale: run python scripts/format_vectors.py"


@pytest.mark.parametrize("index", [0, 1])
def test_each_manifest_vector_verifies_and_hashes_as_stated(index: int) -> None:
    file = _vectors("manifest.json")
    vector = file["vectors"][index]
    block = vector["signed_document_canonical"].encode()
    document = parse_canonical(SignedManifest, block)
    assert document.manifest.schema_version == vector["schema"]
    assert verify_manifest_signature(document, vector["chain_id"], vector["registry"]) == file["signer"]["address"]
    assert canonical_json(document.manifest).decode() == vector["manifest_canonical"]
    assert "0x" + sha256(vector["manifest_canonical"].encode()).hex() == vector["manifest_hash"]
    assert vector["eip712"]["typed_data"]["message"]["manifestHash"] == vector["manifest_hash"]
    assert "0x" + sha256(block).hex() == vector["signed_document_sha256"]
    assert raw_cid(block) == vector["signed_document_cid"]


def test_a_version_2_manifest_is_refused_for_another_chain_or_registry() -> None:
    vector = _vectors("manifest.json")["vectors"][0]
    document = parse_canonical(SignedManifest, vector["signed_document_canonical"].encode())
    assert document.manifest.chain_id == vector["chain_id"]
    with pytest.raises(ManifestSignatureError, match="bound to chain"):
        verify_manifest_signature(document, vector["chain_id"] + 1, vector["registry"])
    with pytest.raises(ManifestSignatureError, match="bound to chain"):
        verify_manifest_signature(document, vector["chain_id"], "0x" + "12" * 20)


def test_merkle_vectors_rebuild_and_prove() -> None:
    file = _vectors("merkle.json")
    assert file["leaf_domain"] == "0x" + LEAF_DOMAIN.hex()
    for tree in file["trees"]:
        entries = [bytes.fromhex(e[2:]) for e in tree["entries"]]
        built = MerkleTree.build(entries, tree["scheme"])
        assert "0x" + built.root.hex() == tree["root"]
        for entry, leaf, proof in zip(entries, tree["leaves"], tree["proofs"], strict=True):
            assert "0x" + leaf_hash(entry).hex() == leaf
            assert verify(built.root, entry, [bytes.fromhex(node[2:]) for node in proof])


def test_data_commitment_vectors_rebuild() -> None:
    file = _vectors("data-commitment.json")
    digests = [FileDigest(path=f["path"], size=f["size"], sha256=f["sha256"]) for f in file["files"]]
    for digest, vector in zip(digests, file["files"], strict=True):
        assert canonical_json(digest).decode() == vector["entry_canonical"]
        assert "0x" + file_entry(digest).hex() == vector["entry"]
    for folder in file["folder"]:
        tree = MerkleTree.build([file_entry(d) for d in digests], folder["scheme"])
        assert "0x" + tree.root.hex() == folder["root"]


def test_evidence_cid_vectors_rebuild_locally() -> None:
    file = _vectors("evidence-cid.json")
    pattern = bytes(range(251))
    for vector in file["files"]:
        content = (pattern * (vector["size"] // 251 + 1))[: vector["size"]]
        assert unixfs_cid_of_bytes(content, PROFILES[vector["profile"]]) == vector["cid"]


def test_id_vectors_decode_to_their_fields() -> None:
    file = _vectors("ids.json")
    for token in file["certificate_token_ids"]:
        decoded = ids.decode_certificate_token_id(int(token["token_id"]))
        assert decoded.registration_id == int(token["registration_id"])
        assert decoded.authority_id == token["authority_id"]
        assert decoded.certificate_type == token["certificate_type"]
        assert decoded.number == int(token["number"])
        assert decoded.encode() == int(token["token_id"]) == int(token["token_id_hex"], 16)
    for licence in file["licence_ids"]:
        decoded_licence = ids.decode_licence_id(int(licence["licence_id"]))
        assert decoded_licence.registration_id == int(licence["registration_id"])
        assert decoded_licence.right == licence["right"]
        assert decoded_licence.sublicensable == licence["sublicensable"]
        assert decoded_licence.parent_sequence == licence["parent_sequence"]
        assert decoded_licence.sequence == licence["sequence"]
        parent = decoded_licence.parent
        assert str(parent.encode() if parent else 0) == licence["parent_licence_id"]
    for number in file["certificate_numbers"]:
        assert ids.issue_day(number["timestamp"]) == date.fromisoformat(number["day"])
        decoded_number = ids.decode_certificate_number(int(number["number"]))
        assert decoded_number.day == date.fromisoformat(number["day"])
        assert decoded_number.sequence == number["sequence"]


def test_certificate_vectors_of_both_versions_parse_and_hash_as_stated() -> None:
    vectors = _vectors("certificate.json")["vectors"]
    assert [v["document"]["schema_version"] for v in vectors] == ["drl.certificate/2", "drl.certificate/1"]
    for vector in vectors:
        block = vector["canonical"].encode()
        document = parse_certificate_document(block)
        assert document.schema_version == vector["document"]["schema_version"]
        assert document.model_dump(mode="json", exclude_none=True) == vector["document"]
        assert "0x" + sha256(block).hex() == vector["sha256"]
        assert raw_cid(block) == vector["cid"]


def test_a_version_2_certificate_document_names_the_printed_facts_and_the_pdf() -> None:
    document = _vectors("certificate.json")["vectors"][0]["document"]
    assert {"data_name", "authority_name", "issued_at", "pdf_sha256", "pdf_cid"} <= document.keys()
    with pytest.raises(ValidationError):  # a version 1 document has none of them
        parse_canonical(CertificateDocumentV1, _vectors("certificate.json")["vectors"][0]["canonical"].encode())


def test_a_certificate_document_that_is_not_canonical_is_refused() -> None:
    block = _vectors("certificate.json")["vectors"][0]["canonical"].encode().replace(b'{"', b'{ "', 1)
    with pytest.raises(ValueError, match="canonical"):
        parse_certificate_document(block)


def test_bundle_vector_names_the_data_commitment_on_chain_and_its_proof_holds() -> None:
    (vector,) = _vectors("bundle.json")["vectors"]
    bundle = ProofBundle.model_validate(vector["bundle"])
    registration = bundle.registration
    block = base64.b64decode(registration.manifest_block)
    assert "0x" + sha256(block).hex() == vector["expected"]["manifest_block_sha256"]
    assert committed_data(registration.events) == vector["expected"]["committed_data"]
    proof = registration.file
    assert proof is not None
    entry = file_entry(FileDigest(path=proof.path, size=proof.size, sha256=proof.sha256))
    root = bytes.fromhex(vector["expected"]["committed_data"][2:])
    assert verify(root, entry, [bytes.fromhex(node[2:]) for node in proof.proof])
