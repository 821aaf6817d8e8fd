"""Merkle trees compatible with OpenZeppelin's MerkleProof and the EvidenceAnchors contract.

Pairs are hashed sorted (keccak256(min ‖ max)), so a proof is a plain list of siblings; leaves are
hashed twice over a domain tag, `keccak256(keccak256(abi.encode(LEAF_DOMAIN, entry)))`, exactly as
`EvidenceAnchors.leafOf`, so no inner node can be passed off as a leaf and a proof made here verifies
on chain. The tree is a complete binary tree in an array, as OpenZeppelin's `StandardMerkleTree` lays it out.

Two schemes, which differ only in the order of the leaves (docs/formats/merkle.md):
- `merkle/2` is exactly `StandardMerkleTree.of(entries.map(e => [LEAF_DOMAIN, e]), ["bytes32", "bytes32"])`:
  leaves sorted ascending. Every new commitment uses it, so any implementation of OpenZeppelin's library
  rebuilds the same root and proofs for every size.
- `merkle/1` sorted the leaves descending (a mistake: its roots differ from OpenZeppelin's for most sizes).
  Registrations made with it stay verifiable: its proofs verify with the same `verify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from eth_utils.crypto import keccak

LEAF_DOMAIN = keccak(text="DataRightsLedger.EvidenceAnchors.leaf.v1")

TreeScheme = Literal["merkle/1", "merkle/2"]
CURRENT_SCHEME: TreeScheme = "merkle/2"


def leaf_hash(entry: bytes) -> bytes:
    """The leaf of a 32-byte entry."""
    if len(entry) != 32:
        raise ValueError("an entry is 32 bytes")
    # abi.encode(bytes32, bytes32) is the two words side by side; concatenating is ~10 times faster than eth_abi
    return keccak(keccak(LEAF_DOMAIN + entry))


def node_hash(a: bytes, b: bytes) -> bytes:
    """The parent of two nodes, order-independent."""
    return keccak(min(a, b) + max(a, b))


@dataclass(frozen=True)
class MerkleTree:
    """A tree over a set of entries; `nodes[0]` is the root."""

    nodes: tuple[bytes, ...]
    leaf_index: dict[bytes, int]

    @classmethod
    def build(cls, entries: Sequence[bytes], scheme: TreeScheme = CURRENT_SCHEME) -> MerkleTree:
        """Builds the tree of distinct entries (duplicates are refused: each entry proves once)."""
        if not entries:
            raise ValueError("a tree needs at least one entry")
        leaves = sorted({leaf_hash(entry): entry for entry in entries}.items(), reverse=scheme == "merkle/1")
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
    """Whether `proof` shows `entry` in the tree of `root` (either scheme: both hash pairs sorted)."""
    node = leaf_hash(entry)
    for sibling in proof:
        node = node_hash(node, sibling)
    return node == root
