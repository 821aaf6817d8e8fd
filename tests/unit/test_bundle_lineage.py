"""drl.bundle/2 lists each ancestor once, and its checker refuses a lineage that is padded, repeated or cut
short without saying so (issue 11, item 5). The chain is a stand-in that agrees with every event claimed."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.manifest.canonical import sha256
from ledger.proofs.bundle import BundleCheckError, BundleEvent, ProofBundle, RegistrationBundle, verify_bundle

VECTOR = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors" / "manifest.json").read_text()
)
MANIFEST = VECTOR["vectors"][0]
BLOCK = MANIFEST["signed_document_canonical"].encode()
REGISTRANT = VECTOR["signer"]["address"]
DIAMOND = {1: [], 2: [1], 3: [1], 4: [2, 3], 9: []}


class HonestChain:
    """A node that confirms whatever the registrations' events say (the lineage is what is under test)."""

    def __init__(self, registrations: list[RegistrationBundle]) -> None:
        self.logs = {(e.tx_hash, e.log_index): e for r in registrations for e in r.events}

    def chain_id(self) -> int:
        return int(MANIFEST["chain_id"])

    def canonical_block_hash(self, number: int) -> str | None:
        return "0x" + f"{number:064x}"

    def log_of(self, tx_hash: str, log_index: int) -> dict[str, Any] | None:
        event = self.logs[(tx_hash, log_index)]
        return {"address": event.address, "name": event.name, "args": event.args, "block_hash": event.block_hash}

    def status_of(self, registry: str, registration_id: int) -> int:
        return 6


def _registration(registration_id: int) -> RegistrationBundle:
    submitted = BundleEvent(
        contract="Registrations",
        address=MANIFEST["registry"],
        name="RegistrationSubmitted",
        block_number=registration_id,
        block_hash="0x" + f"{registration_id:064x}",
        tx_hash="0x" + f"{registration_id:064x}",
        log_index=0,
        args={
            "registrationId": registration_id,
            "registrant": REGISTRANT,
            "manifestDigest": "0x" + sha256(BLOCK).hex(),
            "dataCommitment": "0x" + "33" * 32,
            "parents": DIAMOND[registration_id],
        },
    )
    return RegistrationBundle(
        registration_id=registration_id, status=6, events=[submitted], manifest_block=base64.b64encode(BLOCK).decode()
    )


def _bundle(ancestors: list[int], truncated: bool = False) -> ProofBundle:
    return ProofBundle(
        chain_id=MANIFEST["chain_id"],
        registry=MANIFEST["registry"],
        registration=_registration(4),
        ancestors=[_registration(a) for a in ancestors],
        lineage_truncated=truncated,
    )


def _verify(bundle: ProofBundle) -> None:
    verify_bundle(HonestChain([bundle.registration, *bundle.ancestors]), bundle)


def test_a_diamond_lineage_lists_and_checks_each_ancestor_once() -> None:
    _verify(_bundle([2, 3, 1]))


def test_an_ancestor_listed_twice_is_refused() -> None:
    with pytest.raises(BundleCheckError, match="twice"):
        _verify(_bundle([2, 3, 1, 1]))


def test_a_missing_ancestor_is_refused_unless_the_bundle_says_it_was_cut() -> None:
    with pytest.raises(BundleCheckError, match=r"ancestors \[1\] are missing"):
        _verify(_bundle([2, 3]))
    _verify(_bundle([2, 3], truncated=True))


def test_a_registration_that_is_no_ancestor_is_refused() -> None:
    bundle = _bundle([2, 3, 1, 9])
    with pytest.raises(BundleCheckError, match=r"\[9\] are not ancestors"):
        _verify(bundle)
