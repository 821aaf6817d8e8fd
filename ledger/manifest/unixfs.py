"""The CID Kubo gives a file added as UnixFS with CIDv1 and raw leaves, computed locally.

The ledger never trusts a node's word for a CID: it rebuilds the DAG Kubo builds and compares. Two
import profiles (docs/formats/evidence-cid.md), both CIDv1, raw leaves, sha2-256, balanced layout:
- `unixfs-v1-2025` (IPIP-499): 1 MiB chunks, at most 1024 links a node; every new manifest records it.
- `drl-unixfs-256k/1`: 256 KiB chunks, at most 174 links a node (`drl.manifest/1`, which records none).
A file of one chunk is a single raw block; a larger one is a tree of DAG-PB nodes whose UnixFS data
records the file's size and each child's share of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ipld_dag_pb
from multiformats import CID, multihash, varint

_UNIXFS_FILE = 2


@dataclass(frozen=True)
class UnixFsProfile:
    """The parameters of `ipfs add` that decide a file's CID (besides CIDv1, raw leaves, sha2-256, balanced)."""

    name: str
    chunk_size: int
    max_links: int

    def add_options(self) -> dict[str, str]:
        """The Kubo RPC `add` options that build exactly this profile."""
        return {
            "cid-version": "1",
            "raw-leaves": "true",
            "hash": "sha2-256",
            "chunker": f"size-{self.chunk_size}",
            "max-file-links": str(self.max_links),
            "trickle": "false",
        }


UNIXFS_V1_2025 = UnixFsProfile("unixfs-v1-2025", 1_048_576, 1024)
LEGACY_PROFILE = UnixFsProfile("drl-unixfs-256k/1", 262_144, 174)
PROFILES = {profile.name: profile for profile in (UNIXFS_V1_2025, LEGACY_PROFILE)}
CURRENT_PROFILE = UNIXFS_V1_2025
CHUNK_SIZE = CURRENT_PROFILE.chunk_size


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


def _chunks(path: Path, size: int) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield chunk


def unixfs_cid(chunks: Iterable[bytes], profile: UnixFsProfile = CURRENT_PROFILE) -> str:
    """The CID of a file given as its consecutive chunks of the profile's size (the last may be shorter)."""
    level = [_leaf(chunk) for chunk in chunks] or [_leaf(b"")]
    if len(level) == 1:
        return str(level[0].cid)
    links = profile.max_links
    while len(level) > 1:
        level = [_parent(level[i : i + links]) for i in range(0, len(level), links)]
    return str(level[0].cid)


def unixfs_cid_of_file(path: Path, profile: UnixFsProfile = CURRENT_PROFILE) -> str:
    """The CID Kubo gives the file at `path` under `profile`."""
    return unixfs_cid(_chunks(path, profile.chunk_size), profile)


def unixfs_cid_of_bytes(data: bytes, profile: UnixFsProfile = CURRENT_PROFILE) -> str:
    """The CID Kubo gives a file with content `data` under `profile`."""
    size = profile.chunk_size
    return unixfs_cid((data[i : i + size] for i in range(0, len(data), size)), profile)
