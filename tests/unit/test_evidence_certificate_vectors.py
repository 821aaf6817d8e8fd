"""The evidence certificate vector (docs/formats/vectors/evidence-certificate.json) reads back and names what the
bundle of its entry proves: the entry's leaf hash and index, and the checkpoint's origin, size and root."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ledger.manifest.canonical import sha256
from ledger.manifest.cid import raw_cid
from ledger.proofs import tlog
from ledger.proofs.tlog_bundle import EvidenceBundle, check_offline
from ledger.proofs.tlog_certificate import parse_evidence_certificate

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors"


def _vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def test_the_evidence_certificate_vector_parses_and_hashes_as_stated() -> None:
    vector = _vectors("evidence-certificate.json")
    block = vector["canonical"].encode()
    document = parse_evidence_certificate(block)
    assert document.model_dump(mode="json") == vector["document"]
    assert "0x" + sha256(block).hex() == vector["sha256"] == vector["evidence_entry_subject"]
    assert raw_cid(block) == vector["cid"]


def test_the_evidence_certificate_vector_names_what_its_entrys_bundle_proves() -> None:
    document = parse_evidence_certificate(_vectors("evidence-certificate.json")["canonical"].encode())
    bundle = EvidenceBundle.model_validate(_vectors("tlog.json")["evidence_bundle"])
    checkpoint, _ = check_offline(bundle)
    [entry] = document.entries
    assert (entry.index, entry.leaf_hash) == (bundle.index, "0x" + tlog.leaf_hash(bundle.entry.encode()).hex())
    stated = document.checkpoint
    assert (stated.origin, stated.size, stated.root) == (
        checkpoint.origin,
        checkpoint.size,
        "0x" + checkpoint.root.hex(),
    )
    assert stated.signed_note == bundle.checkpoint.signed_note


def test_an_evidence_certificate_with_a_member_added_is_refused() -> None:
    document = _vectors("evidence-certificate.json")["document"]
    forged = json.dumps(
        {**document, "holder": "0x" + "00" * 20}, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    )
    with pytest.raises(ValidationError):
        parse_evidence_certificate(forged.encode())
