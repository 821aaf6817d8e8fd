"""Liveness and readiness.

Readiness tells the public only whether the service is ready and, if not, short reason codes; versions,
block numbers, URLs and error messages go to the log, and to a caller with an admin token.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import MaybePrincipal, Runtime
from api.tokens import Role
from ledger.runtime import LedgerRuntime

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
    `chain_unreachable`, `ipfs_unreachable`, `database_unavailable`, `outbox_worker_stopped`,
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


def readiness(runtime: LedgerRuntime) -> tuple[list[str], dict[str, Any]]:
    """The reason codes of unreadiness (none when ready) and the details behind them."""
    reasons: list[str] = []
    details: dict[str, Any] = {}
    try:
        details["block"] = runtime.w3.eth.block_number
    except Exception as error:  # noqa: BLE001 - reported, not raised
        reasons.append("chain_unreachable")
        details["chain_error"] = repr(error)
    try:
        details["ipfs_version"] = runtime.ipfs.version()
    except Exception as error:  # noqa: BLE001
        reasons.append("ipfs_unreachable")
        details["ipfs_error"] = repr(error)
    try:
        with runtime.sessions() as session:
            session.execute(text("SELECT 1"))
        details["outbox_backlog"] = runtime.outbox.backlog()
        waiting_since = runtime.outbox.oldest_waiting_since()
    except Exception as error:  # noqa: BLE001
        reasons.append("database_unavailable")
        details["database_error"] = repr(error)
        waiting_since = None
    if waiting_since is not None:
        waited = (datetime.now(UTC) - waiting_since).total_seconds()
        details["outbox_oldest_wait_seconds"] = round(waited, 1)
        if waited > runtime.settings.outbox_max_queue_age_seconds:
            reasons.append("outbox_stalled")
    try:
        worker = runtime.outbox.health()
    except Exception as error:  # noqa: BLE001 - e.g. no relayer key configured
        reasons.append("outbox_unavailable")
        details["outbox_error"] = repr(error)
        return reasons, details
    if worker.started and not worker.running:
        reasons.append("outbox_worker_stopped")
    reasons += [f"outbox_{problem}" for problem in sorted(worker.problems)]
    details["outbox_problems"] = worker.problems
    return reasons, details
