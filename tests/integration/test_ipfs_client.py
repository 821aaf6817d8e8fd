"""The Kubo client against the real node: CIDs agree, reads are re-hashed, everything is pinned."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from ledger.ipfs import ContentMismatchError, IpfsClient, IpfsUnavailableError
from ledger.manifest.cid import raw_cid
from ledger.manifest.unixfs import (
    CHUNK_SIZE,
    LEGACY_PROFILE,
    UNIXFS_V1_2025,
    UnixFsProfile,
    unixfs_cid_of_bytes,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def ipfs(kubo_api: str) -> IpfsClient:
    return IpfsClient(kubo_api)


def test_raw_block_cid_is_the_projects_and_the_block_is_pinned(ipfs: IpfsClient) -> None:
    block = b'{"manifest":"canonical json"}'
    cid = ipfs.put_raw_block(block)
    assert cid == raw_cid(block)
    assert ipfs.get_raw_block(cid) == block
    assert ipfs.is_pinned(cid)


LEGACY = LEGACY_PROFILE.chunk_size


@pytest.mark.parametrize(
    ("profile", "size"),
    [
        *((UNIXFS_V1_2025, size) for size in (0, 1000, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5)),
        *((LEGACY_PROFILE, size) for size in (LEGACY, LEGACY + 1, 175 * LEGACY + 7)),  # two levels of nodes
    ],
)
def test_unixfs_cid_of_an_added_file_equals_the_local_computation(
    ipfs: IpfsClient, tmp_path: Path, profile: UnixFsProfile, size: int
) -> None:
    data = os.urandom(size)
    path = tmp_path / "evidence.bin"
    path.write_bytes(data)
    cid = ipfs.add_file(path, profile)
    assert cid == unixfs_cid_of_bytes(data, profile)
    assert ipfs.is_pinned(cid)
    assert ipfs.fetch_file(cid, tmp_path / "back.bin", profile).read_bytes() == data


def test_a_node_returning_other_bytes_is_caught() -> None:
    def lying_node(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not what was asked for")

    client = IpfsClient("http://127.0.0.1:1", transport=httpx.MockTransport(lying_node))
    with pytest.raises(ContentMismatchError):
        client.get_raw_block(raw_cid(b"the real block"))


def test_an_unreachable_node_is_reported_as_unavailable() -> None:
    from ..conftest import free_port

    with pytest.raises(IpfsUnavailableError):
        IpfsClient(f"http://127.0.0.1:{free_port()}", timeout=2).version()
