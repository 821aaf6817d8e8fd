"""Merkle trees compatible with OpenZeppelin's MerkleProof and the EvidenceAnchors contract.

Pairs are hashed sorted (keccak256(min ‖ max)), so a proof is a plain list of siblings; leaves are
hashed twice over a domain tag, `keccak256(keccak256(abi.encode(LEAF_DOMAIN, entry)))`, exactly as
`EvidenceAnchors.leafOf`, so no inner node can be passed off as a leaf and a proof made here verifies
on chain. The tree is built as OpenZeppelin's StandardMerkleTree builds it: leaves sorted, a complete
binary tree in an array.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_utils.crypto import keccak

LEAF_DOMAIN = keccak(text="DataRightsLedger.EvidenceAnchors.leaf.v1")


def leaf_hash(entry: bytes) -> bytes:
    """The leaf of a 32-byte entry."""
    if len(entry) != 32:
        raise ValueError("an entry is 32 bytes")
    return keccak(keccak(encode(["bytes32", "bytes32"], [LEAF_DOMAIN, entry])))


def node_hash(a: bytes, b: bytes) -> bytes:
    """The parent of two nodes, order-independent."""
    return keccak(min(a, b) + max(a, b))


@dataclass(frozen=True)
class MerkleTree:
    """A tree over a set of entries; `nodes[0]` is the root."""

    nodes: tuple[bytes, ...]
    leaf_index: dict[bytes, int]

    @classmethod
    def build(cls, entries: Sequence[bytes]) -> MerkleTree:
        """Builds the tree of distinct entries (duplicates are refused: each entry proves once)."""
        if not entries:
            raise ValueError("a tree needs at least one entry")
        leaves = sorted({leaf_hash(entry): entry for entry in entries}.items(), reverse=True)
        if len(leaves) != len(entries):
            raise ValueError("entries must be distinct")
        count = len(leaves)
        nodes: list[bytes] = [b""] * (2 * count - 1)
        for i, (leaf, _) in enumerate(leaves):
            nodes[len(nodes) - 1 - i] = leaf
        for i in range(len(nodes) - 1 - count, -1, -1):
            nodes[i] = node_hash(nodes[2 * i + 1], nodes[2 * i + 2])
        index = {entry: len(nodes) - 1 - i for i, (_, entry) in enumerate(leaves)}
        return cls(tuple(nodes), index)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def proof(self, entry: bytes) -> list[bytes]:
        """The siblings from the entry's leaf up to the root."""
        position = self.leaf_index[entry]
        siblings = []
        while position > 0:
            sibling = position - 1 if position % 2 == 0 else position + 1
            siblings.append(self.nodes[sibling])
            position = (position - 1) // 2
        return siblings


def verify(root: bytes, entry: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows `entry` in the tree of `root`."""
    node = leaf_hash(entry)
    for sibling in proof:
        node = node_hash(node, sibling)
    return node == root
