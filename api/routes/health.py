"""Liveness and readiness.

Readiness tells the public only whether the service is ready and, if not, short reason codes; versions,
block numbers, URLs and error messages go to the log, and to a caller with an admin token.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import MaybePrincipal, Runtime
from api.tokens import Role
from ledger.readiness import readiness

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(runtime: Runtime, principal: MaybePrincipal) -> JSONResponse:
    """Chain, IPFS, database and the outbox worker; 503 with reason codes when any is not ready.

    The worker checks apply in the process that runs it; every process sees a stalled queue. Reasons:
    `chain_unreachable`, `ipfs_unreachable` (no node of the replica set answers), `ipfs_below_replicas` (fewer
    nodes answer than the copies every write needs), `database_unavailable`, `outbox_worker_stopped`,
    `outbox_stalled` (a write has waited longer than `DRL_OUTBOX_MAX_QUEUE_AGE_SECONDS`), `outbox_unavailable`, and
    `outbox_<problem>` for what the worker's last pass ran into (`outbox_insufficient_funds`,
    `outbox_fee_cap`, `outbox_chain_unreachable`, `outbox_database_unavailable`, `outbox_unexpected_error`).
    """
    reasons, details = readiness(runtime)
    ready = not reasons
    if not ready:
        log.warning("not ready: %s %s", reasons, details)
    body: dict[str, Any] = {"ready": ready, "reasons": reasons}
    if principal is not None and Role.ADMIN in principal.roles:
        body["details"] = details
    return JSONResponse(body, status_code=200 if ready else 503)
