"""Replication of the ledger's content: every manifest, evidence file and certificate document on R nodes.

The ledger talks to its content through one small interface, `Pinset`, so that the engine behind it can
change without touching a caller: today `KuboSet`, several Kubo nodes peered on loopback; in production
an IPFS Cluster or an IPFS Pinning Service API endpoint could implement the same methods (docs/deploy.md
maps each method to their API calls).

Writes pin on R nodes or fail (nothing is reported stored that is held by fewer). Reads ask each node's
own store in turn, re-hash what they get and fall through to the next node when a node is down, lacks the
content, or returns bytes that do not match the CID: a lying node is skipped, never believed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from ledger.ipfs import ContentMismatchError, IpfsClient, IpfsError, IpfsUnavailableError
from ledger.manifest.unixfs import CURRENT_PROFILE, UnixFsProfile, unixfs_cid

log = logging.getLogger(__name__)

T = TypeVar("T")


class BelowReplicasError(IpfsUnavailableError):
    """Fewer nodes than the replication factor could be reached to store the content: the write is refused."""


@dataclass(frozen=True)
class Copy:
    """What one node holds of one CID: `problem` is None when the copy is pinned and hashes right."""

    node: str
    problem: str | None

    @property
    def good(self) -> bool:
        return self.problem is None


class Pinset(Protocol):
    """Where the ledger keeps its content, at `replicas` copies; the seam a Cluster or Pinning Service fills."""

    @property
    def replicas(self) -> int:
        """The copies every item must have (the configured R, capped at the number of nodes)."""
        ...

    @property
    def nodes(self) -> list[str]:
        """The names (RPC URLs) of the nodes that hold copies."""
        ...

    def version(self) -> str:
        """The engine's version, for readiness probes."""
        ...

    def unreachable(self) -> list[str]:
        """The nodes that do not answer now (readiness and `drl doctor` name them)."""
        ...

    def put_raw_block(self, block: bytes) -> str:
        """Pins `block` as a raw block on `replicas` nodes; returns its CID."""
        ...

    def add_file(self, path: Path, profile: UnixFsProfile = CURRENT_PROFILE) -> str:
        """Pins the file at `path` as UnixFS under `profile` on `replicas` nodes; returns its CID."""
        ...

    def get_raw_block(self, cid: str, offline: bool = False) -> bytes:
        """The raw block `cid`, from the first node whose copy hashes right."""
        ...

    def import_car(self, path: Path) -> list[str]:
        """Imports a CAR file and pins its roots on `replicas` nodes; returns the roots."""
        ...

    def export_car(self, cid: str) -> Iterator[bytes]:
        """The DAG under `cid` as a CAR stream, from a node holding it pinned."""
        ...

    def unpin(self, cid: str) -> None:
        """Releases `cid` on every node (idempotent)."""
        ...

    def copies(self, cid: str, profile: UnixFsProfile | None = None) -> list[Copy]:
        """One entry per node: whether it holds `cid` pinned and hashing right (`profile` for UnixFS files)."""
        ...

    def replicate(self, cid: str, profile: UnixFsProfile | None = None) -> list[str]:
        """Pins `cid` on nodes lacking a good copy until `replicas` hold one; returns the nodes newly pinned."""
        ...

    def close(self) -> None:
        """Releases connections."""
        ...


class KuboSet:
    """A `Pinset` over several Kubo nodes, each reached through its RPC API.

    Writes go to the nodes in their configured order, skipping the unreachable, until `replicas` hold the
    content. Repair pins by CID, so the new node fetches the blocks over bitswap from its loopback peers.
    """

    def __init__(self, clients: Sequence[IpfsClient], names: Sequence[str], replicas: int) -> None:
        if not clients or len(clients) != len(names):
            raise ValueError("a Kubo set needs at least one node, each with a name")
        if replicas < 1:
            raise ValueError("the replication factor is at least 1")
        self._clients = list(clients)
        self._names = list(names)
        self._replicas = min(replicas, len(clients))

    @classmethod
    def of(cls, api_urls: Sequence[str], replicas: int) -> KuboSet:
        """A set over the Kubo RPC APIs at `api_urls`."""
        return cls([IpfsClient(url) for url in api_urls], list(api_urls), replicas)

    @property
    def replicas(self) -> int:
        return self._replicas

    @property
    def nodes(self) -> list[str]:
        return list(self._names)

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def __enter__(self) -> KuboSet:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def version(self) -> str:
        """The version of the first reachable node."""
        return self._first(lambda client: client.version(), "version")

    def unreachable(self) -> list[str]:
        """The nodes whose RPC API does not answer a version request now."""
        down: list[str] = []
        for client, name in zip(self._clients, self._names, strict=True):
            try:
                client.version()
            except IpfsError:
                down.append(name)
        return down

    def put_raw_block(self, block: bytes) -> str:
        # Each node's CID was checked against the one the ledger computes, so the answers agree.
        return self._store(lambda client: client.put_raw_block(block), "a raw block")[0]

    def add_file(self, path: Path, profile: UnixFsProfile = CURRENT_PROFILE) -> str:
        return self._store(lambda client: client.add_file(path, profile), path.name)[0]

    def import_car(self, path: Path) -> list[str]:
        return self._store(lambda client: client.import_car(path), path.name)[0]

    def _store(self, write: Callable[[IpfsClient], T], what: str) -> list[T]:
        """Runs `write` on nodes in order until `replicas` succeeded; their answers, or BelowReplicasError."""
        answers: list[T] = []
        failures: list[IpfsError] = []
        for client, name in zip(self._clients, self._names, strict=True):
            try:
                answers.append(write(client))
            except IpfsError as error:  # down, refused, or computed another CID: the next node is asked
                if len(self._clients) == 1:
                    raise  # one node: its own error says it all
                failures.append(type(error)(f"{name}: {error}"))
                continue
            if len(answers) == self._replicas:
                return answers
        message = f"{what} could be pinned on {len(answers)} of the {self._replicas} nodes required"
        detail = "; ".join(map(str, failures))
        if all(isinstance(failure, IpfsUnavailableError) for failure in failures):
            raise BelowReplicasError(f"{message} ({detail})")
        raise IpfsError(f"{message}: refused ({detail})")

    def get_raw_block(self, cid: str, offline: bool = False) -> bytes:
        """Each node's own store first; then, if asked for and none held it, the first node over the network."""
        try:
            return self._first(lambda client: client.get_raw_block(cid, offline=True), f"block {cid}")
        except IpfsUnavailableError:
            raise
        except IpfsError:
            if offline:
                raise
        return self._first(lambda client: client.get_raw_block(cid), f"block {cid}")

    def export_car(self, cid: str) -> Iterator[bytes]:
        """The export of the first reachable node that holds `cid` pinned."""
        holder = self._first(lambda client: client if client.is_pinned(cid) else _absent(cid), f"pin {cid}")
        return holder.export_car(cid)

    def unpin(self, cid: str) -> None:
        """Unpins on every reachable node; raises only when no node could be reached."""
        reached = 0
        for client, name in zip(self._clients, self._names, strict=True):
            try:
                client.unpin(cid)
                reached += 1
            except IpfsUnavailableError as error:
                log.warning("could not unpin %s on %s: %s", cid, name, error)
        if reached == 0:
            raise IpfsUnavailableError(f"no IPFS node could be reached to unpin {cid}")

    def copies(self, cid: str, profile: UnixFsProfile | None = None) -> list[Copy]:
        return [
            Copy(name, _copy_problem(client, cid, profile))
            for client, name in zip(self._clients, self._names, strict=True)
        ]

    def replicate(self, cid: str, profile: UnixFsProfile | None = None) -> list[str]:
        copies = self.copies(cid, profile)
        good = sum(copy.good for copy in copies)
        pinned: list[str] = []
        for client, copy in zip(self._clients, copies, strict=True):
            if good >= self._replicas:
                break
            if copy.good or copy.problem == UNREACHABLE:
                continue
            try:
                client.pin(cid)
            except IpfsError as error:
                log.warning("could not pin %s on %s: %s", cid, copy.node, error)
                continue
            if _copy_problem(client, cid, profile) is None:
                pinned.append(copy.node)
                good += 1
        return pinned

    def _first(self, read: Callable[[IpfsClient], T], what: str) -> T:
        """The answer of the first node that gives one; a node that lies, lacks or is down is skipped."""
        failures: list[IpfsError] = []
        for client, name in zip(self._clients, self._names, strict=True):
            try:
                return read(client)
            except ContentMismatchError as error:
                log.warning("IPFS node %s returned wrong content for %s: %s", name, what, error)
                failures.append(ContentMismatchError(f"{name}: {error}"))
            except IpfsError as error:
                if len(self._clients) == 1:
                    raise  # one node: its own error says it all
                failures.append(type(error)(f"{name}: {error}"))
        raise _combined(failures, what)


UNREACHABLE = "node unreachable"


def _absent(cid: str) -> IpfsClient:
    raise IpfsError(f"{cid} is not pinned here")


def _combined(failures: list[IpfsError], what: str) -> IpfsError:
    """One error for a read no node could answer: a mismatch if any node lied, unreachable if all were down."""
    detail = "; ".join(str(failure) for failure in failures)
    if any(isinstance(failure, ContentMismatchError) for failure in failures):
        return ContentMismatchError(f"no node returned the right content for {what}: {detail}")
    if all(isinstance(failure, IpfsUnavailableError) for failure in failures):
        return IpfsUnavailableError(f"no IPFS node could be reached for {what}: {detail}")
    return IpfsError(f"no IPFS node holds {what}: {detail}")


def _copy_problem(client: IpfsClient, cid: str, profile: UnixFsProfile | None) -> str | None:
    """Why the node's copy of `cid` does not count (absent, corrupt, not pinned), or None when it does."""
    try:
        if not client.has_block(cid):
            return "not in the node's store"
        if profile is None:
            client.get_raw_block(cid, offline=True)
        else:
            rebuilt = unixfs_cid(rechunked(client.cat(cid, offline=True), profile.chunk_size), profile)
            if rebuilt != cid:
                return f"content rebuilds {rebuilt}"
        if not client.is_pinned(cid):
            return "not pinned: garbage collection could remove it"
    except IpfsUnavailableError:
        return UNREACHABLE
    except IpfsError as error:
        return str(error)
    return None


def rechunked(stream: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Re-chunks a byte stream into the chunk size UnixFS files were built with."""
    buffer = b""
    for piece in stream:
        buffer += piece
        while len(buffer) >= size:
            yield buffer[:size]
            buffer = buffer[size:]
    if buffer:
        yield buffer
