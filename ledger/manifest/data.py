"""The data commitment: what a registration commits to about its data files, without the data.

One file commits by its sha256. A folder commits by the root of the ledger's Merkle tree
(`ledger.proofs.merkle`, scheme `merkle/2` for new commitments) over one entry per file, `sha256` of the
canonical JSON of {path, sha256, size} (`file_entry`), so any single file can later be proven part of the
registered folder, on chain
or off, without revealing the others.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ledger.manifest.model import DataCommitment, FileDigest, commitment_root
from ledger.manifest.model import file_entry as file_entry  # re-exported: the entry is part of the commitment
from ledger.proofs.merkle import CURRENT_SCHEME

READ_SIZE = 1 << 20
MANIFEST_FILE_LIMIT = 10_000

Progress = Callable[[int], None]


class DataFolderError(ValueError):
    """A data file or folder cannot be read."""


def _hex(digest: bytes) -> str:
    return "0x" + digest.hex()


def sha256_file(path: Path, progress: Progress | None = None) -> bytes:
    """The sha256 of a file, read in 1 MiB pieces; `progress` is told how many bytes each piece had."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while piece := stream.read(READ_SIZE):
                digest.update(piece)
                if progress:
                    progress(len(piece))
    except OSError as error:
        raise DataFolderError(f"cannot read {path}: {error.strerror or error}") from error
    return digest.digest()


def data_files(folder: Path) -> Iterator[Path]:
    """The regular files below `folder`, in a stable order; symbolic links are refused, not followed."""
    if not folder.is_dir():
        raise DataFolderError(f"{folder} is not a folder")
    for root, directories, files in os.walk(folder, onerror=_raise):
        directories.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink():
                raise DataFolderError(f"{path} is a symbolic link; register the file it points to instead")
            yield path


def _raise(error: OSError) -> None:
    raise DataFolderError(f"cannot read {error.filename}: {error.strerror}")


def commit_file(path: Path, progress: Progress | None = None) -> DataCommitment:
    """The commitment to a single file."""
    digest = sha256_file(path, progress)
    size = path.stat().st_size
    return DataCommitment(
        scheme="sha256",
        root=_hex(digest),
        file_count=1,
        total_bytes=size,
        files=[FileDigest(path=path.name, size=size, sha256=_hex(digest))],
    )


def commit_folder(folder: Path, progress: Progress | None = None) -> DataCommitment:
    """The commitment to every file below `folder` (paths relative to it, with forward slashes)."""
    files = [
        FileDigest(
            path=path.relative_to(folder).as_posix(), size=path.stat().st_size, sha256=_hex(sha256_file(path, progress))
        )
        for path in data_files(folder)
    ]
    if not files:
        raise DataFolderError(f"{folder} holds no files")
    return DataCommitment(
        scheme=CURRENT_SCHEME,
        root=commitment_root(CURRENT_SCHEME, files),
        file_count=len(files),
        total_bytes=sum(file.size for file in files),
        files=files if len(files) <= MANIFEST_FILE_LIMIT else [],
    )


def folder_size(folder: Path) -> int:
    """Total bytes below `folder`, for a progress bar."""
    return sum(path.stat().st_size for path in data_files(folder))
