"""Merkle proofs: test vectors, every entry proves, tampering fails (on-chain agreement is in the integration suite)."""

from __future__ import annotations

import hashlib

import pytest

from ledger.proofs.merkle import MerkleTree, leaf_hash, node_hash, verify


def _entries(count: int) -> list[bytes]:
    return [hashlib.sha256(f"entry {i}".encode()).digest() for i in range(count)]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 8, 33])
def test_every_entry_proves_against_the_root(count: int) -> None:
    tree = MerkleTree.build(_entries(count))
    for entry in _entries(count):
        assert verify(tree.root, entry, tree.proof(entry))


def test_a_single_entry_tree_has_the_leaf_as_root() -> None:
    (entry,) = _entries(1)
    assert MerkleTree.build([entry]).root == leaf_hash(entry)


def test_two_entries_hash_as_a_sorted_pair() -> None:
    a, b = _entries(2)
    assert (
        MerkleTree.build([a, b]).root == node_hash(leaf_hash(a), leaf_hash(b)) == node_hash(leaf_hash(b), leaf_hash(a))
    )


def test_a_wrong_entry_or_a_tampered_proof_fails() -> None:
    entries = _entries(5)
    tree = MerkleTree.build(entries)
    proof = tree.proof(entries[2])
    assert not verify(tree.root, hashlib.sha256(b"other").digest(), proof)
    assert not verify(tree.root, entries[2], [bytes(32), *proof[1:]])


def test_an_inner_node_cannot_pass_for_an_entry() -> None:
    entries = _entries(4)
    tree = MerkleTree.build(entries)
    inner = tree.nodes[1]
    assert not verify(tree.root, inner, [tree.nodes[2]])


def test_duplicate_and_missing_entries_are_refused() -> None:
    (entry,) = _entries(1)
    with pytest.raises(ValueError, match="distinct"):
        MerkleTree.build([entry, entry])
    with pytest.raises(ValueError, match="at least one"):
        MerkleTree.build([])
