"""Checkpoints as C2SP signed notes: what the evidence log's verifier accepts and refuses."""

from __future__ import annotations

import base64

import pytest

from ledger.proofs.tlog_note import NoteError, VerifierKey, new_signing_key, sign_note, verify_checkpoint

ORIGIN = "example.test/log"
ROOT = bytes(range(32))
BODY = f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n"


def test_a_checkpoint_signed_by_the_log_key_verifies_and_reads_back() -> None:
    signing, key = new_signing_key(ORIGIN)
    checkpoint = verify_checkpoint(sign_note(BODY, signing), key)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 42, ROOT)


def test_a_verifier_key_round_trips_and_a_wrong_key_hash_is_refused() -> None:
    _, key = new_signing_key(ORIGIN)
    assert VerifierKey.parse(key.encode()) == key
    name, hash_hex, blob = key.encode().split("+", 2)
    with pytest.raises(NoteError):
        VerifierKey.parse(f"{name}+{'0' * 8 if hash_hex != '0' * 8 else '1' * 8}+{blob}")


def test_a_checkpoint_with_an_altered_body_is_refused() -> None:
    signing, key = new_signing_key(ORIGIN)
    text = sign_note(BODY, signing).replace("\n42\n", "\n43\n")
    with pytest.raises(NoteError):
        verify_checkpoint(text, key)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    other, _ = new_signing_key(ORIGIN)
    _, key = new_signing_key(ORIGIN)
    with pytest.raises(NoteError):
        verify_checkpoint(sign_note(BODY, other), key)


def test_a_checkpoint_of_another_origin_is_refused_even_when_signed() -> None:
    signing, key = new_signing_key(ORIGIN)
    body = BODY.replace(ORIGIN, "other.test/log", 1)
    with pytest.raises(NoteError):
        verify_checkpoint(sign_note(body, signing), key)


def test_the_checkpoint_and_entry_vectors_verify_as_stated() -> None:
    import json
    from pathlib import Path

    from ledger.evidence import EvidenceEntry
    from ledger.proofs.tlog_note import signing_key_from_seed

    vectors = json.loads((Path(__file__).resolve().parents[2] / "docs/formats/vectors/tlog.json").read_text())
    signing, key = signing_key_from_seed(vectors["key"]["name"], bytes.fromhex(vectors["key"]["ed25519_seed"][2:]))
    assert (signing, key.encode()) == (vectors["key"]["signing_key"], vectors["key"]["verifier_key"])
    checkpoint = verify_checkpoint(
        vectors["checkpoint"]["signed_note"], VerifierKey.parse(vectors["key"]["verifier_key"])
    )
    assert (checkpoint.size, "0x" + checkpoint.root.hex()) == (
        vectors["checkpoint"]["size"],
        vectors["checkpoint"]["root"],
    )
    entry = EvidenceEntry.model_validate(vectors["entry"]["fields"])
    assert entry.leaf().decode() == vectors["entry"]["leaf"]
    assert "0x" + entry.leaf_hash().hex() == vectors["entry"]["leaf_hash"]


def test_the_evidence_bundle_vector_checks_offline_and_a_forged_entry_does_not() -> None:
    import json
    from pathlib import Path

    from ledger.proofs.tlog_bundle import EvidenceBundle, EvidenceBundleError, check_offline

    vectors = json.loads((Path(__file__).resolve().parents[2] / "docs/formats/vectors/tlog.json").read_text())
    bundle = EvidenceBundle.model_validate(vectors["evidence_bundle"])
    checkpoint, earlier = check_offline(bundle)
    assert (checkpoint.size, earlier.size if earlier else None) == (3, 1)
    forged = bundle.model_copy(update={"entry": bundle.entry.replace("usage", "trade")})
    with pytest.raises(EvidenceBundleError):
        check_offline(forged)
