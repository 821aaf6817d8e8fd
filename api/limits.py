"""Limits at the door: what a request may cost the service before it is known who sends it.

Pure ASGI, in front of the routes, in this order:
1. a client address over its rate on a public route (or refused at step 2) gets `429 rate_limited` with
   `Retry-After`;
2. a request with a body to a route that needs a token is refused `401` before a byte of the body is read,
   unless it carries a live token (the route's needs are read once from its dependencies);
3. the body is counted as it arrives and cut off at the route's cap with `413 body_too_large`:
   `Content-Length` is checked first but never trusted, and a chunked body has none.
Without step 2 an anonymous chunked upload was read whole into memory before the token was looked at.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.params import Form
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.tokens import find_token
from ledger.config import Settings

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNLIMITED_PATHS = frozenset({"/healthz"})  # probes of an orchestrator: cheap, and never to be refused


class RateLimiter:
    """A token bucket per client: `per_minute` requests a minute on average, `burst` at once.

    Buckets live in memory, one per IPv4 address or IPv6 /64 (a client gets a whole /64); at most
    `max_clients` are kept, the least recently seen dropped first, so the table itself cannot be flooded.
    """

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic, max_clients: int = 100_000
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def retry_after(self, client: str) -> float:
        """Takes a request from the client's bucket: 0 when admitted, else the seconds until it would be."""
        key = _client_key(client)
        now = self._clock()
        tokens, seen = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - seen) * self._rate)
        admitted = tokens >= 1.0
        if admitted:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)  # re-inserted last: the dict's order is the recency order
        if len(self._buckets) > self._max_clients:
            del self._buckets[next(iter(self._buckets))]
        return 0.0 if admitted else (1.0 - tokens) / self._rate


def _client_key(client: str) -> str:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class RouteNeeds:
    """What a route requires before its body is read."""

    token: bool
    body_cap: int


class BodyTooLargeError(HTTPException):
    """Raised from `receive` when the body passes the route's cap (an HTTPException, so routes re-raise it)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="The request body is too large")


def _calls(dependant: Dependant) -> Iterator[str]:
    """The qualified names of the route's dependencies, at any depth."""
    for dependency in dependant.dependencies:
        yield getattr(dependency.call, "__qualname__", "")
        yield from _calls(dependency)


def _needs_token(route: APIRoute) -> bool:
    """A role check made by `api.deps.require`, or a write that reads its caller (`api.deps.current_principal`):
    no write of the service is anonymous except the public uploads, which never ask who calls."""
    calls = set(_calls(route.dependant))
    writes = bool((route.methods or set()) & BODY_METHODS)
    return any(call.startswith("require.") for call in calls) or (writes and "current_principal" in calls)


def _is_upload(route: APIRoute) -> bool:
    return any(isinstance(field.field_info, Form) for field in route.dependant.body_params)


class Door:
    """The limits above, for `routes` (in the order the app matches them), with the caps and rates of `settings`."""

    def __init__(
        self,
        app: ASGIApp,
        routes: Sequence[BaseRoute],
        settings: Settings,
        sessions: sessionmaker[Session],
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self._routes = routes
        self._settings = settings
        self._sessions = sessions
        self._limiter = limiter or (
            RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
            if settings.rate_limit_per_minute
            else None
        )
        self._needs: dict[int, RouteNeeds] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        needs = self._route_needs(scope)
        headers = dict(scope["headers"])
        if not needs.token and await self._refused_for_rate(scope, send):
            return
        if needs.token and scope["method"] in BODY_METHODS and not await self._live_token(headers):
            if not await self._refused_for_rate(scope, send):
                # The same codes as `api.deps`: no token at all, or one that is not (or no longer) valid.
                code = "invalid_token" if b"authorization" in headers else "unauthenticated"
                await _respond(scope, send, 401, code, "A valid API token is required")
            return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > needs.body_cap:
            await _respond(scope, send, 413, "body_too_large", "The request body is too large", needs.body_cap)
            return
        await self._capped(scope, receive, send, needs.body_cap)

    def _route_needs(self, scope: Scope) -> RouteNeeds:
        """The needs of the route the router will pick: the first full match, else the first partial one
        (right path, wrong method: a 405 that still has the route's needs)."""
        partial: BaseRoute | None = None
        for route in self._routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return self._needs_of(route)
            if match == Match.PARTIAL and partial is None:
                partial = route
        if partial is not None:
            return self._needs_of(partial)
        return RouteNeeds(token=False, body_cap=self._settings.max_json_body_bytes)

    def _needs_of(self, route: BaseRoute) -> RouteNeeds:
        needs = self._needs.get(id(route))
        if needs is None:
            api_route = isinstance(route, APIRoute)
            upload = api_route and _is_upload(route)  # type: ignore[arg-type]
            settings = self._settings
            needs = RouteNeeds(
                token=api_route and _needs_token(route),  # type: ignore[arg-type]
                body_cap=settings.max_upload_bytes if upload else settings.max_json_body_bytes,
            )
            self._needs[id(route)] = needs
        return needs

    async def _refused_for_rate(self, scope: Scope, send: Send) -> bool:
        if self._limiter is None or scope["path"] in UNLIMITED_PATHS:
            return False
        client = scope.get("client")
        wait = self._limiter.retry_after(client[0] if client else "unknown")
        if wait <= 0:
            return False
        response = problem(429, "rate_limited", "Too many requests from this address", "retry after the given time")
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        await response(scope, _no_body, send)
        return True

    async def _live_token(self, headers: dict[bytes, bytes]) -> bool:
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        return await run_in_threadpool(self._find, token.strip())

    def _find(self, token: str) -> bool:
        with self._sessions() as session:
            return find_token(session, token) is not None

    async def _capped(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        """Runs the app with a `receive` that counts the body, and answers 413 in place of whatever followed."""
        received = 0
        tripped = False
        answered = False

        async def counted() -> Message:
            nonlocal received, tripped
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    tripped = True
                    raise BodyTooLargeError
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if tripped:
                # The app's own answer to the exception (a 413, or a 500 if something caught it) is replaced.
                if message["type"] == "http.response.start" and not answered:
                    answered = True
                    await _respond(scope, send, 413, "body_too_large", "The request body is too large", cap)
                return
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLargeError:
            if answered:
                raise
            await _respond(scope, send, 413, "body_too_large", "The request body is too large", cap)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


async def _respond(scope: Scope, send: Send, status: int, code: str, title: str, cap: int | None = None) -> None:
    extra: dict[str, Any] = {} if cap is None else {"limit_bytes": cap}
    detail = None if cap is None else f"at most {cap} bytes"
    # Connection: close: the rest of a refused body is never read, so the connection cannot be reused.
    response = problem(status, code, title, detail, **extra)
    response.headers["Connection"] = "close"
    await response(scope, _no_body, send)
