"""Telling "a component could not be reached" from every other failure, the same way everywhere.

The CLI turns it into exit code 3, the outbox worker into "stays queued, retried later", the service into
a 503: a node that is down is not a refusal, and nothing was half-written.
"""

from __future__ import annotations

import httpx
import requests

from ledger.ipfs import IpfsUnavailableError


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` says a chain node, an IPFS node or another server could not be reached (or timed out)."""
    if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
        return False  # local files, not a component
    return isinstance(
        error,
        ConnectionError
        | TimeoutError
        | requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | httpx.TransportError
        | IpfsUnavailableError,
    )
