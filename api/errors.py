"""Errors as RFC 9457 problem details, with stable machine-readable codes.

Every error the service returns is `application/problem+json` with `type`, `title`, `status`,
`detail` and `code`; field errors of a request body add `errors` (one entry per field).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.ipfs import IpfsError
from ledger.outbox import IdempotencyConflictError
from ledger.writes import ContractRefusedError, NoCustodyKeyError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """An error the service answers with a problem document."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra


def problem(status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": f"urn:drl:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every failure into a problem document."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> JSONResponse:
        if error.status >= 500:
            # A component's failure names its URL or version: the log gets it, the public only the code.
            log.warning("%s: %s", error.code, error.detail, extra={"request_id": _request_id(request)})
            return problem(error.status, error.code, error.title, "the cause was logged with the request id")
        return problem(error.status, error.code, error.title, error.detail, **error.extra)

    @app.exception_handler(ContractRefusedError)
    async def _refused(request: Request, error: ContractRefusedError) -> JSONResponse:
        return problem(
            409, "contract_refused", "The ledger's contracts refuse this action", error.detail, rule=error.rule
        )

    @app.exception_handler(NoCustodyKeyError)
    async def _no_custody(request: Request, error: NoCustodyKeyError) -> JSONResponse:
        return problem(409, "no_custody_key", "The service holds no key for this account", str(error))

    @app.exception_handler(IdempotencyConflictError)
    async def _idempotency(request: Request, error: IdempotencyConflictError) -> JSONResponse:
        return problem(409, "idempotency_conflict", "The idempotency key was used for another request")

    @app.exception_handler(IpfsError)
    async def _ipfs(request: Request, error: IpfsError) -> JSONResponse:
        return problem(503, "ipfs_unavailable", "The ledger's IPFS node cannot serve this", str(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(part) for part in e["loc"][1:]) or str(e["loc"][0]), "message": e["msg"]}
            for e in error.errors()
        ]
        return problem(422, "invalid_request", "The request is not valid", f"{len(fields)} problems", errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "forbidden"}
        return problem(error.status_code, codes.get(error.status_code, "http_error"), str(error.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", extra={"request_id": _request_id(request)})
        return problem(500, "internal_error", "Internal error", "the error was logged with the request id")


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)
