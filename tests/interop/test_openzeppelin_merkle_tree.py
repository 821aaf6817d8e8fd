"""merkle/2 is exactly OpenZeppelin's StandardMerkleTree: same root and same proofs, for every size."""

from __future__ import annotations

import hashlib

from ledger.proofs.merkle import LEAF_DOMAIN, MerkleTree, verify

from .node import run_node

SIZES = [*range(1, 41), 63, 64, 65, 100, 127, 257, 1000]


def _entries(count: int, salt: str) -> list[bytes]:
    return [hashlib.sha256(f"{salt} {i}".encode()).digest() for i in range(count)]


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def test_merkle_2_roots_and_proofs_are_openzeppelins_for_every_size() -> None:
    trees = [_entries(count, f"size {count}") for count in SIZES]
    answers = run_node(
        "merkle_tree.mjs", {"leafDomain": _hex(LEAF_DOMAIN), "trees": [[_hex(e) for e in t] for t in trees]}
    )
    for entries, answer in zip(trees, answers, strict=True):
        tree = MerkleTree.build(entries, "merkle/2")
        assert _hex(tree.root) == answer["root"], f"{len(entries)} entries"
        for entry, proof in zip(entries, answer["proofs"], strict=True):
            assert [_hex(node) for node in tree.proof(entry)] == proof, f"{len(entries)} entries"


def test_merkle_1_differs_from_openzeppelin_yet_its_proofs_still_verify() -> None:
    entries = _entries(5, "legacy")
    (answer,) = run_node("merkle_tree.mjs", {"leafDomain": _hex(LEAF_DOMAIN), "trees": [[_hex(e) for e in entries]]})
    legacy = MerkleTree.build(entries, "merkle/1")
    assert _hex(legacy.root) != answer["root"]
    assert all(verify(legacy.root, entry, legacy.proof(entry)) for entry in entries)
