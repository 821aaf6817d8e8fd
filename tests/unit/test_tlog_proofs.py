"""The evidence log verifier against transparency-dev/merkle's reference tree (docs/formats/vectors/tlog-merkle.json,
printed by `tlog vectors` from the pinned Go module) and against tampering."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ledger.proofs import tlog
from ledger.proofs.tlog import ProofError

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors" / "tlog-merkle.json"


@cache
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def _leaves() -> list[bytes]:
    return [bytes.fromhex(leaf) for leaf in vectors()["leaves"]]


def _roots() -> list[bytes]:
    return [bytes.fromhex(root) for root in vectors()["roots"]]


def _subtree(level: int, index: int) -> bytes:
    hashes = [tlog.leaf_hash(leaf) for leaf in _leaves()]
    return tlog.root_from_leaf_hashes(hashes[index << level : (index + 1) << level])


def test_roots_of_every_prefix_match_the_reference_tree() -> None:
    hashes = [tlog.leaf_hash(leaf) for leaf in _leaves()]
    for size, root in enumerate(_roots()):
        assert tlog.root_from_leaf_hashes(hashes[:size]) == root


def test_every_reference_inclusion_proof_verifies_and_is_what_we_build() -> None:
    roots = _roots()
    for vector in vectors()["inclusion"]:
        index, size = vector["index"], vector["size"]
        proof = [bytes.fromhex(p) for p in vector["proof"]]
        leaf = bytes.fromhex(vector["leaf_hash"])
        tlog.verify_inclusion(index, size, leaf, proof, roots[size])
        built = [tlog.range_hash(a, b, _subtree) for a, b in tlog.inclusion_ranges(index, size)]
        assert built == proof


def test_every_reference_consistency_proof_verifies_and_is_what_we_build() -> None:
    roots = _roots()
    for vector in vectors()["consistency"]:
        size1, size2 = vector["size1"], vector["size2"]
        proof = [bytes.fromhex(p) for p in vector["proof"]]
        tlog.verify_consistency(size1, size2, proof, roots[size1], roots[size2])
        built = [tlog.range_hash(a, b, _subtree) for a, b in tlog.consistency_ranges(size1, size2)]
        assert built == proof


def _flip(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


def test_an_inclusion_proof_with_any_node_altered_or_dropped_is_refused() -> None:
    roots = _roots()
    for vector in vectors()["inclusion"]:
        index, size = vector["index"], vector["size"]
        proof = [bytes.fromhex(p) for p in vector["proof"]]
        leaf = bytes.fromhex(vector["leaf_hash"])
        for i in range(len(proof)):
            with pytest.raises(ProofError):
                tlog.verify_inclusion(index, size, leaf, [*proof[:i], _flip(proof[i]), *proof[i + 1 :]], roots[size])
        if proof:
            with pytest.raises(ProofError):
                tlog.verify_inclusion(index, size, leaf, proof[:-1], roots[size])
        with pytest.raises(ProofError):
            tlog.verify_inclusion(index, size, _flip(leaf), proof, roots[size])
        if size > 1:
            with pytest.raises(ProofError):
                tlog.verify_inclusion((index + 1) % size, size, leaf, proof, roots[size])


def test_a_consistency_proof_against_a_rewritten_older_tree_is_refused() -> None:
    roots = _roots()
    for vector in vectors()["consistency"]:
        size1, size2 = vector["size1"], vector["size2"]
        proof = [bytes.fromhex(p) for p in vector["proof"]]
        with pytest.raises(ProofError):
            tlog.verify_consistency(size1, size2, proof, _flip(roots[size1]), roots[size2])
        with pytest.raises(ProofError):
            tlog.verify_consistency(size1, size2, proof, roots[size1], _flip(roots[size2]))
        for i in range(len(proof)):
            altered = [*proof[:i], _flip(proof[i]), *proof[i + 1 :]]
            with pytest.raises(ProofError):
                tlog.verify_consistency(size1, size2, altered, roots[size1], roots[size2])


def test_tile_paths_follow_c2sp_tlog_tiles() -> None:
    assert tlog.tile_path(0, 1234067, 256) == "tile/0/x001/x234/067"
    assert tlog.tile_path(1, 0, 5) == "tile/1/000.p/5"
    assert tlog.entries_path(12, 256) == "tile/entries/012"
    assert tlog.tile_width(0, 1, 300) == 44
    assert tlog.tile_width(1, 0, 300) == 1


def test_an_entry_bundle_is_read_back_entry_by_entry_and_a_truncated_one_is_refused() -> None:
    bundle = b"\x00\x03abc\x00\x00\x00\x01z"
    assert tlog.split_entry_bundle(bundle) == [b"abc", b"", b"z"]
    with pytest.raises(ProofError):
        tlog.split_entry_bundle(bundle[:-1])
