"""The project computes the UnixFS CIDs Kubo gives files (checked against Kubo in the integration suite)."""

from __future__ import annotations

from pathlib import Path

from ledger.manifest.cid import raw_cid
from ledger.manifest.unixfs import CHUNK_SIZE, unixfs_cid_of_bytes, unixfs_cid_of_file


def test_a_file_of_one_chunk_is_a_single_raw_block() -> None:
    data = b"x" * CHUNK_SIZE
    assert unixfs_cid_of_bytes(data) == raw_cid(data)


def test_a_larger_file_is_a_dag_pb_tree() -> None:
    assert unixfs_cid_of_bytes(b"x" * (CHUNK_SIZE + 1)).startswith("bafybei")


def test_file_and_bytes_give_the_same_cid(tmp_path: Path) -> None:
    data = bytes(range(256)) * 3000
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    assert unixfs_cid_of_file(path) == unixfs_cid_of_bytes(data)


def test_known_cid_of_an_empty_file() -> None:
    assert unixfs_cid_of_bytes(b"") == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
