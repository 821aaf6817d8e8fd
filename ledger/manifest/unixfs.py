"""The CID Kubo gives a file added as UnixFS with CIDv1 and raw leaves, computed locally.

The ledger never trusts a node's word for a CID: it rebuilds the DAG Kubo builds with
`ipfs add --cid-version=1 --raw-leaves --chunker=size-262144` (balanced layout, at most 174 links a
node) and compares. A file of one chunk is a single raw block; a larger one is a tree of DAG-PB nodes
whose UnixFS data records the file's size and each child's share of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ipld_dag_pb
from multiformats import CID, multihash, varint

CHUNK_SIZE = 262_144
MAX_LINKS = 174
_UNIXFS_FILE = 2


@dataclass(frozen=True)
class _Node:
    """A built node: its CID, its file content size, and the cumulative size of its blocks (Tsize)."""

    cid: CID
    file_size: int
    tree_size: int


def _field_varint(field: int, value: int) -> bytes:
    return varint.encode(field << 3) + varint.encode(value)


def _unixfs_file_data(file_size: int, block_sizes: Iterable[int]) -> bytes:
    """The UnixFS `Data` protobuf of a file node: Type=File, filesize, one blocksizes entry per child."""
    data = _field_varint(1, _UNIXFS_FILE) + _field_varint(3, file_size)
    return data + b"".join(_field_varint(4, size) for size in block_sizes)


def _leaf(chunk: bytes) -> _Node:
    digest = multihash.wrap(hashlib.sha256(chunk).digest(), "sha2-256")
    return _Node(CID("base32", 1, "raw", digest), len(chunk), len(chunk))


def _parent(children: list[_Node]) -> _Node:
    file_size = sum(child.file_size for child in children)
    links = [ipld_dag_pb.PBLink(child.cid, "", child.tree_size) for child in children]
    node = ipld_dag_pb.PBNode(_unixfs_file_data(file_size, (c.file_size for c in children)), links)
    block = bytes(ipld_dag_pb.encode(node))
    digest = multihash.wrap(hashlib.sha256(block).digest(), "sha2-256")
    return _Node(CID("base32", 1, "dag-pb", digest), file_size, len(block) + sum(c.tree_size for c in children))


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk


def unixfs_cid(chunks: Iterable[bytes]) -> str:
    """The CID of a file given as its consecutive chunks of CHUNK_SIZE bytes (the last may be shorter)."""
    level = [_leaf(chunk) for chunk in chunks] or [_leaf(b"")]
    if len(level) == 1:
        return str(level[0].cid)
    while len(level) > 1:
        level = [_parent(level[i : i + MAX_LINKS]) for i in range(0, len(level), MAX_LINKS)]
    return str(level[0].cid)


def unixfs_cid_of_file(path: Path) -> str:
    """The CID Kubo gives the file at `path`."""
    return unixfs_cid(_chunks(path))


def unixfs_cid_of_bytes(data: bytes) -> str:
    """The CID Kubo gives a file with content `data`."""
    return unixfs_cid(data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE))
