"""Limits at the door: what a request may cost the service before it is known who sends it.

Pure ASGI, in front of the routes, in this order:
1. a client address over its rate on a public route (or refused at step 2) gets `429 rate_limited` with
   `Retry-After`;
2. a request with a body to a route that needs a token is refused `401` before a byte of the body is read,
   unless it carries a live token (the route's needs are read once from its dependencies);
3. the body is counted as it arrives and cut off at the route's cap with `413 body_too_large`:
   `Content-Length` is checked first but never trusted, and a chunked body has none; a JSON body nesting
   deeper than `MAX_JSON_DEPTH` is refused `422 body_too_deep` before the route parses it;
4. when `max_writes_in_progress` is set (off by default), a JSON write of a caller with a live token waits its
   turn for one of that many places (`Admission`): queued in order, never refused.
Without step 2 an anonymous chunked upload was read whole into memory before the token was looked at.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from fastapi.dependencies.models import Dependant
from fastapi.params import Form
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.tokens import LIVE_TOKEN, ApiToken, find_token
from ledger.config import Settings
from ledger.rate_buckets import RateBuckets
from ledger.waiting import admitted, left

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNLIMITED_PATHS = frozenset({"/healthz"})  # probes of an orchestrator: cheap, and never to be refused


class RateCounters(Protocol):
    """Where the buckets of the rate limits live: this process's memory, or the service database that every
    instance of the service shares."""

    def take(self, client: str, now: float, interval: float, tolerance: float) -> float:
        """Takes one request of `client` at `now`: 0 when admitted, else the seconds until it would be.

        GCRA (the generic cell rate algorithm, a token bucket kept as one number per client): the bucket holds
        the time the client's next request is due; a request is admitted unless that time is more than
        `tolerance` ahead of now, and then moves it `interval` on.
        """
        ...


class MemoryCounters:
    """The buckets of this process: at most `max_clients`, the least recently seen dropped first, so the table
    itself cannot be flooded. Instances of the service do not see each other's."""

    def __init__(self, max_clients: int = 100_000) -> None:
        self._max_clients = max_clients
        self._due: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._due)

    def take(self, client: str, now: float, interval: float, tolerance: float) -> float:
        due = max(self._due.pop(client, now), now)
        wait = due - now - tolerance
        self._due[client] = due if wait > 0 else due + interval  # re-inserted last: the dict's order is recency
        if len(self._due) > self._max_clients:
            del self._due[next(iter(self._due))]
        return max(wait, 0.0)


class RateLimiter:
    """`per_minute` requests a minute on average per client, `burst` at once; a client is an IPv4 address or an
    IPv6 /64 (a client gets a whole /64). The buckets live in `counters`: this process's memory by default, or
    the service database shared by every instance (`DRL_RATE_LIMIT_SHARED`), whose clock must then be wall time.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
        counters: RateCounters | None = None,
    ) -> None:
        self._interval = 60.0 / per_minute
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        self.counters: RateCounters = counters if counters is not None else MemoryCounters(max_clients)

    def retry_after(self, client: str) -> float:
        """Takes a request from the client's bucket: 0 when admitted, else the seconds until it would be."""
        return self.counters.take(_client_key(client), self._clock(), self._interval, self._tolerance)


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
    json: bool = False  # a JSON body (not an upload): its nesting is measured before the route parses it


# Deeper JSON is refused before it is parsed: a library the ledger imports (py_ecc) raises Python's recursion
# limit to 100,000, so a body of 200,000 `[` overflowed the C stack in the JSON parser and killed the process.
MAX_JSON_DEPTH = 64
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects deeper than `limit` (brackets inside strings aside)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot be deeper than the number of its openings
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


class BodyRefusedError(HTTPException):
    """Raised from `receive` when the body breaks a limit of the door (an HTTPException, so routes re-raise it)."""

    code = "invalid_request"
    limit_bytes: int | None = None

    async def respond(self, scope: Scope, send: Send) -> None:
        """Answers the problem in place of the route's answer."""
        await _respond(scope, send, self.status_code, self.code, str(self.detail), self.limit_bytes)


class BodyTooLargeError(BodyRefusedError):
    """The body passes the route's cap."""

    code = "body_too_large"

    def __init__(self, cap: int) -> None:
        super().__init__(status_code=413, detail="The request body is too large")
        self.limit_bytes = cap


class BodyTooDeepError(BodyRefusedError):
    """The JSON body nests deeper than `MAX_JSON_DEPTH`."""

    code = "body_too_deep"

    def __init__(self) -> None:
        super().__init__(status_code=422, detail=f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels")


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


class Admission:
    """At most `limit` requests in progress at once; the others wait their turn in order of arrival (anyio's
    semaphore is first come, first served), and none is refused.

    Past the peak, more requests at once only cost more: the HTTP worker process runs on one core (one GIL), and
    forty threads working at once interleave every request; a thread holding SQLite's write lock then waits its
    turn for the GIL while the other writers sleep in SQLite's busy handler, and the process idles. A request
    that starts sleeping until the chain or the index moves (`ledger.waiting.asleep`) gives its place to the
    next one, and writes its answer after waking without one (see `ledger.waiting` for why it does not queue
    again).
    """

    def __init__(self, limit: int) -> None:
        self._places = anyio.Semaphore(limit)

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Waits for a place and holds it while the block runs, or until the request starts sleeping on the chain."""
        await self._places.acquire()
        place = _Place(self._places, asyncio.get_running_loop())
        token = admitted(place)
        try:
            yield
        finally:
            left(token)
            place.give_up()


class _Place:
    """One request's place: given up on the request's worker thread when it starts sleeping, or left on the event
    loop once the request is answered (its thread has returned by then), whichever comes first."""

    def __init__(self, places: anyio.Semaphore, loop: asyncio.AbstractEventLoop) -> None:
        self._places = places
        self._loop = loop
        self._held = True
        self._lock = threading.Lock()

    def give_up(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:  # only the first to let go releases the place
            self._loop.call_soon_threadsafe(self._places.release)


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
        self._limiter = limiter or _limiter(settings, sessions)
        self._needs: dict[int, RouteNeeds] = {}
        limit = settings.max_writes_in_progress
        self._admission = Admission(limit) if limit else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        needs = self._route_needs(scope)
        headers = dict(scope["headers"])
        if not needs.token and await self._refused_for_rate(scope, send):
            return
        if needs.token and scope["method"] in BODY_METHODS and not await self._live_token(scope, headers):
            if not await self._refused_for_rate(scope, send):
                # The same codes as `api.deps`: no token at all, or one that is not (or no longer) valid.
                code = "invalid_token" if b"authorization" in headers else "unauthenticated"
                await _respond(scope, send, 401, code, "A valid API token is required")
            return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > needs.body_cap:
            await _respond(scope, send, 413, "body_too_large", "The request body is too large", needs.body_cap)
            return
        if self._admission is not None and needs.token and needs.json and scope["method"] in BODY_METHODS:
            async with self._admission.place():
                await self._capped(scope, receive, send, needs)
            return
        await self._capped(scope, receive, send, needs)

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
                json=api_route and not upload,
            )
            self._needs[id(route)] = needs
        return needs

    async def _refused_for_rate(self, scope: Scope, send: Send) -> bool:
        if self._limiter is None or scope["path"] in UNLIMITED_PATHS:
            return False
        client = scope.get("client")
        address = client[0] if client else "unknown"
        shared = not isinstance(self._limiter.counters, MemoryCounters)
        wait = (
            await run_in_threadpool(self._limiter.retry_after, address)
            if shared
            else self._limiter.retry_after(address)
        )
        if wait <= 0:
            return False
        response = problem(429, "rate_limited", "Too many requests from this address", "retry after the given time")
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        await response(scope, _no_body, send)
        return True

    async def _live_token(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """Whether the request carries a live token; the row found is left in the request's state for
        `api.deps.current_principal`, which would otherwise look the same token up again a moment later."""
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        row = await run_in_threadpool(self._find, token.strip())
        if row is None:
            return False
        scope.setdefault("state", {})[LIVE_TOKEN] = (token.strip(), row)
        return True

    def _find(self, token: str) -> ApiToken | None:
        with self._sessions() as session:
            return find_token(session, token)

    async def _capped(self, scope: Scope, receive: Receive, send: Send, needs: RouteNeeds) -> None:
        """Runs the app with a `receive` that counts the body (and, for a JSON route, measures its nesting once it
        is whole), and answers 413 (or 422) in place of whatever followed."""
        cap = needs.body_cap
        received = 0
        refusal: BodyRefusedError | None = None
        answered = False
        chunks: list[bytes] = []

        async def counted() -> Message:
            nonlocal received, refusal
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                received += len(body)
                if received > cap:
                    refusal = BodyTooLargeError(cap)
                    raise refusal
                if needs.json:
                    chunks.append(body)
                    if not message.get("more_body", False) and json_depth_exceeds(b"".join(chunks), MAX_JSON_DEPTH):
                        refusal = BodyTooDeepError()
                        raise refusal
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if refusal is not None:
                # The app's own answer to the exception (a 413, or a 500 if something caught it) is replaced.
                if message["type"] == "http.response.start" and not answered:
                    answered = True
                    await refusal.respond(scope, send)
                return
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyRefusedError as error:
            if answered:
                raise
            await error.respond(scope, send)


def _limiter(settings: Settings, sessions: sessionmaker[Session]) -> RateLimiter | None:
    """The rate limiter the settings ask for: none (0 a minute), this process's, or shared through the database."""
    if not settings.rate_limit_per_minute:
        return None
    if settings.rate_limit_shared:
        counters = RateBuckets(sessions)
        return RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst, time.time, counters=counters)
    return RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


async def _respond(scope: Scope, send: Send, status: int, code: str, title: str, cap: int | None = None) -> None:
    extra: dict[str, Any] = {} if cap is None else {"limit_bytes": cap}
    detail = None if cap is None else f"at most {cap} bytes"
    # Connection: close: the rest of a refused body is never read, so the connection cannot be reused.
    response = problem(status, code, title, detail, **extra)
    response.headers["Connection"] = "close"
    await response(scope, _no_body, send)
