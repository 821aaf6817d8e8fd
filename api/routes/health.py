"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import Runtime

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(runtime: Runtime) -> JSONResponse:
    """Chain, IPFS, database and the outbox backlog; 503 when any component is down."""
    checks: dict[str, Any] = {}
    try:
        checks["chain"] = {"ok": True, "block": runtime.w3.eth.block_number}
    except Exception as error:  # noqa: BLE001 - reported, not raised
        checks["chain"] = {"ok": False, "error": type(error).__name__}
    try:
        checks["ipfs"] = {"ok": True, "version": runtime.ipfs.version()}
    except Exception as error:  # noqa: BLE001
        checks["ipfs"] = {"ok": False, "error": type(error).__name__}
    try:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
        checks["outbox"] = {"ok": True, "backlog": runtime.outbox.backlog()}
    except Exception as error:  # noqa: BLE001
        checks["database"] = {"ok": False, "error": type(error).__name__}
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
