"""The client of the evidence log (tools/tlog): adds entries, reads checkpoints, and builds proofs from tiles.

Writes go to the log's `POST /add`, which answers only once a signed checkpoint commits to every entry. Reads are
plain static files (C2SP tlog-tiles), so proofs are built here from tiles and verified by `ledger.proofs.tlog`,
which any client could do against any copy of the tiles.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import httpx

from ledger.proofs import tlog
from ledger.proofs.tlog_note import Checkpoint, VerifierKey, verify_checkpoint


class LogUnavailableError(RuntimeError):
    """The evidence log could not be reached or refused the write."""


@dataclass(frozen=True)
class Appended:
    """Where the log put a batch: an index per entry (a repeated entry keeps its first index) and the checkpoint."""

    indices: list[int]
    duplicates: list[bool]
    checkpoint: Checkpoint


class EvidenceLog:
    """One evidence log, by its URL and its verifier key; every checkpoint read is verified against that key."""

    def __init__(self, url: str, key: VerifierKey, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.key = key
        self._http = httpx.Client(base_url=self.url, timeout=timeout)
        self._tile = lru_cache(maxsize=4096)(self._fetch_tile)

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def add(self, entries: Sequence[bytes]) -> Appended:
        """Appends entries; returns once a checkpoint committing to all of them is published (durable)."""
        body = {"entries": [base64.b64encode(entry).decode() for entry in entries]}
        try:
            response = self._http.post("/add", json=body)
        except httpx.HTTPError as error:
            raise LogUnavailableError(f"evidence log at {self.url} unreachable: {error}") from error
        if response.status_code != 200:
            raise LogUnavailableError(f"evidence log refused the batch ({response.status_code}): {response.text}")
        answer = response.json()
        checkpoint = verify_checkpoint(answer["checkpoint"], self.key)
        return Appended(list(answer["indices"]), list(answer["duplicates"]), checkpoint)

    def checkpoint(self) -> Checkpoint:
        """The log's latest checkpoint, verified."""
        return verify_checkpoint(self._get("checkpoint").decode(), self.key)

    def _get(self, path: str) -> bytes:
        try:
            response = self._http.get(f"/{path}")
        except httpx.HTTPError as error:
            raise LogUnavailableError(f"evidence log at {self.url} unreachable: {error}") from error
        if response.status_code != 200:
            raise LogUnavailableError(f"evidence log has no {path} ({response.status_code})")
        return response.content

    def _fetch_tile(self, tile_level: int, tile_index: int, width: int) -> tuple[bytes, ...]:
        return tuple(tlog.split_tile(self._get(tlog.tile_path(tile_level, tile_index, width))))

    def _subtree_reader(self, tree_size: int) -> tlog.SubtreeHash:
        """Reads complete subtrees from tiles, sized by `tree_size` (the newest size: complete subtrees never change,
        and the partial tiles of older sizes may be gone)."""

        def subtree(level: int, index: int) -> bytes:
            tile_level, tile_index = tlog.tile_of(level, index)
            width = tlog.tile_width(tile_level, tile_index, tree_size)
            return tlog.subtree_from_tile(level, index, self._tile(tile_level, tile_index, width))

        return subtree

    def inclusion_proof(self, index: int, size: int, newest_size: int | None = None) -> list[bytes]:
        """The inclusion proof of entry `index` in the tree of `size`, built from tiles."""
        subtree = self._subtree_reader(newest_size or self.checkpoint().size)
        return [tlog.range_hash(a, b, subtree) for a, b in tlog.inclusion_ranges(index, size)]

    def consistency_proof(self, size1: int, size2: int, newest_size: int | None = None) -> list[bytes]:
        """The consistency proof from the tree of `size1` to the tree of `size2`, built from tiles."""
        if size1 == size2:
            return []
        subtree = self._subtree_reader(newest_size or self.checkpoint().size)
        return [tlog.range_hash(a, b, subtree) for a, b in tlog.consistency_ranges(size1, size2)]

    def entries(self, start: int, end: int, newest_size: int | None = None) -> list[bytes]:
        """The entries [start, end) read back from the entry bundles."""
        tree_size = newest_size or self.checkpoint().size
        out: list[bytes] = []
        for bundle in range(start // tlog.TILE_WIDTH, (end - 1) // tlog.TILE_WIDTH + 1 if end > start else 0):
            width = tlog.tile_width(0, bundle, tree_size)
            entries = tlog.split_entry_bundle(self._get(tlog.entries_path(bundle, width)))
            first = bundle * tlog.TILE_WIDTH
            out.extend(entries[max(start - first, 0) : max(end - first, 0)])
        return out
