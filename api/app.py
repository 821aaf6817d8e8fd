"""`create_app()`: the FastAPI service over one ledger runtime (tests build their own)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from api import errors, reviews, tokens  # noqa: F401 - registers the API tables on Base
from api.routes import authority, health, public, registrant, regulator
from api.routes.registrant import Draft  # noqa: F401
from ledger.config import Settings
from ledger.db import Base
from ledger.runtime import LedgerRuntime

log = logging.getLogger("api")
MAX_BODY_BYTES = 1 << 30


def create_app(runtime: LedgerRuntime | None = None) -> FastAPI:
    """The service; with no runtime, one is built from the settings (environment and drl.toml)."""
    runtime = runtime or LedgerRuntime(Settings())
    Base.metadata.create_all(runtime.engine)  # the API's own tables: tokens, drafts, review records
    app = FastAPI(
        title="Data Rights Ledger",
        version="1.0.0",
        description="Registration, verification, provenance and audit of data property rights.",
    )
    app.state.runtime = runtime
    errors.install(app)

    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return errors.problem(413, "body_too_large", "The request body is too large")
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-Id"] = request_id
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={"request_id": request_id},
        )
        return response

    for router in (health.router, public.router, registrant.router, authority.router, regulator.router):
        app.include_router(router)
    return app
