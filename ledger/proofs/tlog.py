"""The evidence log's maths: RFC 6962 / RFC 9162 hashing, inclusion and consistency proofs, C2SP tiles.

The log is a C2SP `tlog-tiles` log written by Tessera (tools/tlog). Leaves are hashed `SHA-256(0x00 ‖ entry)`,
inner nodes `SHA-256(0x01 ‖ left ‖ right)`, and the tree over n leaves splits at the largest power of two
smaller than n (RFC 9162 §2.1.1). This module holds the maths only: what a proof is made of (as ranges of
leaves whose tree hashes the caller fetches from tiles), how to verify it (RFC 9162 §2.1.3.2 and §2.1.4.2),
and where a node lives in the tiles. Nothing here reads a file or talks to a network (docs/formats/tlog.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EMPTY_ROOT = hashlib.sha256(b"").digest()

# A range of leaves [start, end) whose tree hash a proof carries.
LeafRange = tuple[int, int]
# The hash of a complete subtree, by its level (height) and index at that level.
SubtreeHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof does not hold: wrong length, bad indices, or it rebuilds another root."""


def leaf_hash(entry: bytes) -> bytes:
    """The RFC 6962 hash of a leaf: the 0x00 prefix keeps a leaf from passing for an inner node."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an inner node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(count: int) -> int:
    """The largest power of two strictly smaller than `count` (count > 1): where RFC 6962 splits a tree."""
    return 1 << ((count - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """The leaf ranges whose tree hashes form the inclusion proof of leaf `index` in a tree of `size` (PATH)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    ranges: list[LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[LeafRange]:
    """The leaf ranges whose tree hashes form the consistency proof from `size1` to `size2` (SUBPROOF)."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[LeafRange] = []
    start, end, whole = 0, size2, True
    while True:
        m = size1 - start
        if m == end - start:
            if not whole:
                ranges.append((start, end))
            break
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole = False
    ranges.reverse()
    return ranges


def range_hash(start: int, end: int, subtree: SubtreeHash) -> bytes:
    """The tree hash of leaves [start, end), folded from complete subtrees (the ranges proofs use are aligned)."""
    count = end - start
    if count <= 0:
        raise ProofError("an empty range has no tree hash")
    if count & (count - 1) == 0 and start % count == 0:
        level = count.bit_length() - 1
        return subtree(level, start >> level)
    k = _split(count)
    return node_hash(range_hash(start, start + k, subtree), range_hash(start + k, end, subtree))


def root_from_leaf_hashes(leaves: Sequence[bytes]) -> bytes:
    """The root of a tree over these leaf hashes (for tests and small trees; the log computes its own)."""
    if not leaves:
        return EMPTY_ROOT

    def subtree(level: int, index: int) -> bytes:
        if level == 0:
            return leaves[index]
        return node_hash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1))

    return range_hash(0, len(leaves), subtree)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Checks that `leaf` is at `index` in the tree of `size` with `root` (RFC 9162 §2.1.3.2); raises ProofError."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    if len(proof) != len(inclusion_ranges(index, size)):
        raise ProofError("inclusion proof has the wrong length")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise ProofError("inclusion proof does not rebuild the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Checks that the tree (size2, root2) extends (size1, root1) (RFC 9162 §2.1.4.2); raises ProofError."""
    if size1 == size2:
        if proof or root1 != root2:
            raise ProofError("equal sizes need an empty proof and equal roots")
        return
    if len(proof) != len(consistency_ranges(size1, size2)):
        raise ProofError("consistency proof has the wrong length")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != root1 or sr != root2:
        raise ProofError("consistency proof does not rebuild both roots")


def tile_index_path(index: int) -> str:
    """The C2SP path encoding of a tile index: groups of three digits, all but the last prefixed with `x`."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def tile_path(tile_level: int, tile_index: int, width: int) -> str:
    """The path of a hash tile; `width` < 256 names a partial tile."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{tile_level}/{tile_index_path(tile_index)}{suffix}"


def entries_path(bundle_index: int, width: int) -> str:
    """The path of an entry bundle; `width` < 256 names a partial bundle."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{tile_index_path(bundle_index)}{suffix}"


def tile_width(tile_level: int, tile_index: int, tree_size: int) -> int:
    """How many hashes the tile holds in a tree of `tree_size` (256 for a full tile)."""
    nodes = tree_size >> (TILE_HEIGHT * tile_level)
    return max(0, min(TILE_WIDTH, nodes - tile_index * TILE_WIDTH))


def split_tile(data: bytes) -> list[bytes]:
    """The hashes of a tile, in order."""
    if len(data) % HASH_SIZE:
        raise ProofError("a tile is a whole number of 32-byte hashes")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def split_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a C2SP entry bundle: each prefixed by its length as a big-endian uint16."""
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ProofError("truncated entry bundle")
        length = int.from_bytes(data[at : at + 2], "big")
        entry = data[at + 2 : at + 2 + length]
        if len(entry) != length:
            raise ProofError("truncated entry bundle")
        entries.append(entry)
        at += 2 + length
    return entries


def subtree_from_tile(level: int, index: int, tile_hashes: Sequence[bytes]) -> bytes:
    """The hash of the complete subtree (level, index) from the hashes of the tile that holds its base.

    A tile at tile level L holds nodes of level 8L; a subtree of level 8L + r is the hash of 2^r of them, which
    all sit in one tile because subtrees are aligned.
    """
    rise = level % TILE_HEIGHT
    first = (index << rise) % TILE_WIDTH
    nodes = list(tile_hashes[first : first + (1 << rise)])
    if len(nodes) != 1 << rise:
        raise ProofError(f"tile too short for node ({level}, {index})")
    while len(nodes) > 1:
        nodes = [node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes), 2)]
    return nodes[0]


def tile_of(level: int, index: int) -> tuple[int, int]:
    """The (tile level, tile index) whose hashes hold the base of the complete subtree (level, index)."""
    tile_level = level // TILE_HEIGHT
    base_index = index << (level % TILE_HEIGHT)
    return tile_level, base_index // TILE_WIDTH
