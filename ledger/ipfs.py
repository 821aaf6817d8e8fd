"""A client of the Kubo RPC API, written with httpx.

`ipfshttpclient` 0.7 refuses Kubo 0.8 and later and is unmaintained, so the ledger speaks the RPC API
(`POST /api/v0/...`) itself. Every write pins; every read is re-hashed against the CID it was asked for,
so a node that returns the wrong bytes is caught, never trusted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from ledger.manifest.cid import raw_cid
from ledger.manifest.unixfs import CHUNK_SIZE, CURRENT_PROFILE, UnixFsProfile, unixfs_cid_of_file


class IpfsError(RuntimeError):
    """Kubo refused a request or could not be reached."""


class IpfsUnavailableError(IpfsError):
    """Kubo could not be reached."""


class ContentMismatchError(IpfsError):
    """What Kubo returned or computed does not hash to the CID the ledger expects."""


class IpfsClient:
    """One Kubo node, reached through its RPC API."""

    def __init__(self, api_url: str, timeout: float = 60.0, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=f"{api_url.rstrip('/')}/api/v0", timeout=timeout, transport=transport)

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def __enter__(self) -> IpfsClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _post(self, command: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.post(f"/{command}", **kwargs)
        except httpx.TransportError as error:
            raise IpfsUnavailableError(f"Kubo is not reachable at {self._http.base_url}: {error}") from error
        if response.status_code != 200:
            raise IpfsError(f"Kubo refused {command}: {response.status_code} {response.text[:300]}")
        return response

    def version(self) -> str:
        """Kubo's version string."""
        return str(self._post("version").json()["Version"])

    def put_raw_block(self, block: bytes) -> str:
        """Stores `block` as one raw block (CIDv1, raw, sha2-256), pinned; returns its CID, checked locally."""
        params = {"cid-codec": "raw", "mhtype": "sha2-256", "pin": "true"}
        returned = str(self._post("block/put", params=params, files={"data": block}).json()["Key"])
        expected = raw_cid(block)
        if returned != expected:
            raise ContentMismatchError(f"Kubo stored the block as {returned}, the ledger computes {expected}")
        return returned

    def get_raw_block(self, cid: str, offline: bool = False) -> bytes:
        """Fetches a raw block and checks that it hashes to `cid`; `offline` asks only the node's own store."""
        params = {"arg": cid, "offline": "true"} if offline else {"arg": cid}
        block = self._post("block/get", params=params).content
        if raw_cid(block) != cid:
            raise ContentMismatchError(f"the block Kubo returned for {cid} hashes to {raw_cid(block)}")
        return block

    def add_file(self, path: Path, profile: UnixFsProfile = CURRENT_PROFILE) -> str:
        """Adds a file as UnixFS under `profile`, streamed and pinned; returns the CID, checked locally."""
        expected = unixfs_cid_of_file(path, profile)
        with path.open("rb") as stream:
            returned = self._add_stream(stream, path.name, profile)
        if returned != expected:
            raise ContentMismatchError(f"Kubo added {path.name} as {returned}, the ledger computes {expected}")
        return returned

    def _add_stream(self, stream: IO[bytes], name: str, profile: UnixFsProfile) -> str:
        params = {**profile.add_options(), "pin": "true", "progress": "false"}
        response = self._post("add", params=params, files={"file": (name, stream, "application/octet-stream")})
        lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
        return str(lines[-1]["Hash"])

    def cat(self, cid: str, chunk_size: int = CHUNK_SIZE, offline: bool = False) -> Iterator[bytes]:
        """Streams a UnixFS file's content (not re-hashed here: `fetch_file` re-hashes); `offline` asks only
        the node's own store."""
        params = {"arg": cid, "offline": "true"} if offline else {"arg": cid}
        try:
            with self._http.stream("POST", "/cat", params=params) as response:
                if response.status_code != 200:
                    raise IpfsError(f"Kubo refused cat {cid}: {response.status_code}")
                yield from response.iter_bytes(chunk_size)
        except httpx.TransportError as error:
            raise IpfsUnavailableError(f"Kubo is not reachable at {self._http.base_url}: {error}") from error

    def fetch_file(self, cid: str, destination: Path, profile: UnixFsProfile = CURRENT_PROFILE) -> Path:
        """Writes a UnixFS file to `destination` and checks that its content rebuilds `cid` under `profile`."""
        temporary = destination.with_name(destination.name + ".part")
        with temporary.open("wb") as out:
            for chunk in self.cat(cid):
                out.write(chunk)
        actual = unixfs_cid_of_file(temporary, profile)
        if actual != cid:
            temporary.unlink()
            raise ContentMismatchError(f"the content Kubo returned for {cid} rebuilds {actual}")
        temporary.replace(destination)
        return destination

    def pin(self, cid: str) -> None:
        """Pins `cid` recursively (idempotent)."""
        self._post("pin/add", params={"arg": cid, "recursive": "true"})

    def unpin(self, cid: str) -> None:
        """Removes the recursive pin of `cid`; a CID that is not pinned is left as it is (idempotent)."""
        try:
            self._post("pin/rm", params={"arg": cid, "recursive": "true"})
        except IpfsUnavailableError:
            raise
        except IpfsError as error:
            if "not pinned" not in str(error):
                raise

    def is_pinned(self, cid: str) -> bool:
        """Whether `cid` is pinned on this node."""
        try:
            keys = self._post("pin/ls", params={"arg": cid, "type": "recursive"}).json().get("Keys", {})
        except IpfsError as error:
            if isinstance(error, IpfsUnavailableError):
                raise
            return False
        return cid in keys

    def has_block(self, cid: str) -> bool:
        """Whether the node holds the block locally (no network lookup)."""
        try:
            self._post("block/stat", params={"arg": cid, "offline": "true"})
        except IpfsUnavailableError:
            raise
        except IpfsError:
            return False
        return True

    def import_car(self, path: Path) -> list[str]:
        """Imports a CAR file (Kubo checks each block against its CID) and pins its roots; returns the roots."""
        with path.open("rb") as stream:
            response = self._post(
                "dag/import", params={"pin-roots": "true", "stats": "false"}, files={"file": (path.name, stream)}
            )
        lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
        problems = [line["Root"]["PinErrorMsg"] for line in lines if "Root" in line and line["Root"].get("PinErrorMsg")]
        if problems:
            raise IpfsError(f"Kubo imported {path.name} but could not pin every root: {problems[0]}")
        return [str(line["Root"]["Cid"]["/"]) for line in lines if "Root" in line]

    def export_car(self, cid: str) -> Iterator[bytes]:
        """Streams the DAG under `cid` as a CAR file."""
        with self._http.stream("POST", "/dag/export", params={"arg": cid}) as response:
            if response.status_code != 200:
                raise IpfsError(f"Kubo refused dag/export {cid}: {response.status_code}")
            yield from response.iter_bytes()
