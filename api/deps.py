"""Dependencies of the routes: the ledger runtime, database sessions and the caller's identity."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.errors import ProblemError
from api.idempotency import ClientRequest, client_request
from api.tokens import LIVE_TOKEN, ApiToken, Role, find_token
from ledger.runtime import LedgerRuntime


async def get_runtime(request: Request) -> LedgerRuntime:
    """The app's runtime. Asynchronous, like `require`'s check: FastAPI runs a synchronous dependency on a worker
    thread, and these never block, so the hand-off is spared (thread hand-offs were 6 % of the service's CPU under
    the evidence benchmark, docs/evidence-log.md)."""
    runtime: LedgerRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[LedgerRuntime, Depends(get_runtime)]


async def get_session(runtime: Runtime) -> AsyncIterator[Session]:
    """A session for the request. Asynchronous: opening one touches no connection (the first statement does, on
    the route's thread), and closing one that the route committed gives nothing back to the pool; a session
    still in a transaction (a route that failed midway) is rolled back on a worker thread. FastAPI runs a
    synchronous generator's entry and exit each on a worker thread: two hand-offs a request spared."""
    session = runtime.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


DbSession = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Principal:
    """The caller: the account its token acts for and its roles."""

    token_id: int
    address: str
    roles: frozenset[str]


# The OpenAPI security scheme (Swagger UI's Authorize button); the header is read below, so that a token of
# another scheme is refused rather than taken for an anonymous call.
bearer = HTTPBearer(auto_error=False, scheme_name="token", description="An API token (`drl tokens create`)")


async def current_principal(
    runtime: Runtime, request: Request, _scheme: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Principal | None:
    """The caller of a `Bearer` token, or None for an anonymous call; a bad token is refused.

    Asynchronous: a write's token was looked up by the door a moment ago (`api.limits`), and is taken from the
    request's state with no statement and no thread; any other token is looked up on a worker thread."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    found = getattr(request.state, LIVE_TOKEN, None)  # the door looked this request's token up a moment ago
    if found is not None and found[0] == token.strip():
        row = found[1]
    else:
        row = await run_in_threadpool(_live_token, runtime, token.strip()) if scheme.lower() == "bearer" else None
    if row is None:
        raise ProblemError(401, "invalid_token", "The API token is not valid")
    return Principal(row.id, row.address, frozenset(row.roles))


def _live_token(runtime: LedgerRuntime, token: str) -> ApiToken | None:
    with runtime.sessions() as session:
        return find_token(session, token)


MaybePrincipal = Annotated[Principal | None, Depends(current_principal)]


def holds(principal: Principal, roles: tuple[Role, ...]) -> bool:
    """Whether the caller holds any of `roles` (admin holds all): the one rule of tokens and signed-in pages."""
    return Role.ADMIN in principal.roles or bool(principal.roles & {role.value for role in roles})


def require(*roles: Role) -> Callable[[Principal | None], Coroutine[Any, Any, Principal]]:
    """A dependency admitting callers holding any of `roles` (admin holds all)."""

    async def check(principal: MaybePrincipal) -> Principal:
        if principal is None:
            raise ProblemError(401, "unauthenticated", "An API token is required")
        if not holds(principal, roles):
            raise ProblemError(403, "forbidden", "The token lacks the role", f"needs one of {[r.value for r in roles]}")
        return principal

    return check


async def idempotency_key(
    request: Request,
    principal: MaybePrincipal,
    idempotency_key: Annotated[str | None, Header(max_length=150)] = None,
) -> ClientRequest | None:
    """The request the client's `Idempotency-Key` header names (the caller's key, bound to what is asked), if
    the client gave one."""
    if idempotency_key is None:
        return None
    caller = principal.address if principal else "anonymous"
    return await client_request(request, caller, idempotency_key)


# Ids are uint64 on chain; the index stores them as signed 64-bit integers.
MAX_ID = 2**63 - 1
RegistrationId = Annotated[int, Path(ge=1, le=MAX_ID, description="A registration id")]
ObjectionId = Annotated[int, Path(ge=1, le=MAX_ID, description="An objection id")]


IdempotencyKey = Annotated[ClientRequest | None, Depends(idempotency_key)]
Wait = Annotated[
    bool, Query(description="Wait (up to 30 s) until the chain includes it, then (up to 10 s) until reads show it")
]
