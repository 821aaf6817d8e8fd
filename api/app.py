"""`create_app()`: the FastAPI service over one ledger runtime (tests build their own)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors, web
from api.limits import Door
from api.links import add_links
from api.routes import authority, certificates, evidence, health, public, registrant, regulator, rights
from ledger.config import Settings
from ledger.runtime import LedgerRuntime

log = logging.getLogger("api")


class RequestContext:
    """Pure ASGI middleware: a request id on every request and response, one log line (limits: `api.limits`).

    Written against ASGI directly rather than with `@app.middleware("http")`, which costs a task and a
    queue per request on the hot verification path.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)
        log.info(
            "%s %s %s %.1fms",
            scope["method"],
            scope["path"],
            status,
            (time.perf_counter() - started) * 1000,
            extra={"request_id": request_id},
        )


@asynccontextmanager
async def built_routes(app: FastAPI) -> AsyncIterator[None]:
    """Builds every route's handler before the first request instead of during it.

    FastAPI (0.165) builds the routes of an included router (their dependants, a pydantic TypeAdapter for every
    parameter) when a request first reaches that router: the first requests of a fresh process spent a
    fifth of their CPU there. Walking the route contexts, as the OpenAPI document does, builds them all.
    """
    for _ in iter_route_contexts(app.routes):
        pass
    yield


def create_app(runtime: LedgerRuntime | None = None) -> FastAPI:
    """The service; with no runtime, one is built from the settings (environment and drl.toml)."""
    runtime = runtime or LedgerRuntime(Settings())
    _ = runtime.engine  # migrates the database to the head revision before the first request, not during it
    app = FastAPI(
        title="Data Rights Ledger",
        version="1.0.0",
        description="Registration, verification, provenance and audit of data property rights.",
        docs_url=None,  # /docs and /redoc are served by api.web from local assets
        redoc_url=None,
        lifespan=built_routes,
    )
    app.state.runtime = runtime
    errors.install(app)

    routers = (
        health.router,
        public.router,
        certificates.router,
        registrant.router,
        authority.router,
        regulator.router,
        rights.router,
        evidence.router,
    )
    for router in routers:
        app.include_router(router)
    page_uploads = web.install(app)  # the pages, /docs, /redoc and their static assets
    routes = [route for router in routers for route in router.routes] + page_uploads
    generated = app.openapi
    app.openapi = lambda: add_links(generated())  # type: ignore[method-assign] # cached by FastAPI; idempotent
    app.add_middleware(Door, routes=routes, settings=runtime.settings, sessions=runtime.sessions)
    app.add_middleware(RequestContext)  # outermost: the door's refusals carry the request id and are logged
    return app
