"""Idempotency keys: a client's `Idempotency-Key` names one request of that client, and nothing else.

A key is the caller's own (two callers never share one), and it is bound to a digest of the client's request:
its method, its route, the caller, the route's path and query parameters and its JSON body with sorted keys
and no spacing (the `wait` parameter, which only says how long to wait for the answer, is left out). The
digest is stored with the write (`ledger.writes.send`), so a retry of the same request, with the same key,
gets the first answer, and anything else under the key (another route, another body) is
`409 idempotency_conflict`. The calldata is
not what is compared: the service builds it afresh on a retry (a new nonce or deadline for a custodied
signature), and a client must not be refused for that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

# Query parameters that change how the answer is given, not what is asked.
PRESENTATION_PARAMETERS = frozenset({"wait"})


@dataclass(frozen=True)
class ClientRequest:
    """A write request under a client's idempotency key: whose key, and the digest of what was asked."""

    caller: str
    key: str
    method: str
    route: str
    digest: str

    @property
    def outbox_key(self) -> str:
        """The key of the write in the outbox: the caller's namespace, then the client's key."""
        return f"client:{self.caller}:{self.key}"

    def about(self, subject: Mapping[str, Any]) -> ClientRequest:
        """The same request identified by `subject` instead of its path and body, for a route whose path or body
        carries what the service chose (a draft's id, a signature over the nonce and deadline it picked)."""
        return ClientRequest(
            self.caller,
            self.key,
            self.method,
            self.route,
            request_digest(self.method, self.route, self.caller, subject),
        )


def request_digest(method: str, route: str, caller: str, subject: Any) -> str:
    """The sha256 of a request's JSON with sorted keys: method, route template, caller and what it asks (an
    internal digest, never published, so plain sorted JSON serves; RFC 8785 would refuse large integers)."""
    document = {"method": method, "route": route, "caller": caller, "subject": subject}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))  # ASCII: lone surrogates too
    return "0x" + hashlib.sha256(canonical.encode()).hexdigest()


def _canonical_body(body: bytes) -> Any:
    """The body as JSON (so key order and spacing do not matter), or its sha256 when it is not JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:  # not JSON: its bytes then (a body nested too deep never gets here: `api.limits`)
        return {"sha256": hashlib.sha256(body).hexdigest()}


async def client_request(request: Request, caller: str, key: str) -> ClientRequest:
    """The client request `key` names: the route matched, its path and query parameters and its body."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    query = [pair for pair in sorted(request.query_params.multi_items()) if pair[0] not in PRESENTATION_PARAMETERS]
    subject = {
        "path": dict(request.path_params),
        "query": query,
        "body": _canonical_body(await request.body()),
    }
    method = request.method
    return ClientRequest(caller, key, method, route, request_digest(method, route, caller, subject))
