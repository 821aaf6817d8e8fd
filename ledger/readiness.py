"""Whether the ledger is ready to serve: the chain, IPFS, the database and the outbox worker.

The service's `/readyz` shows the reason codes to anyone and the details behind them only to an admin;
both come from here so that any other face (a CLI probe, a second service instance) reads the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ledger.runtime import LedgerRuntime


def readiness(runtime: LedgerRuntime) -> tuple[list[str], dict[str, Any]]:
    """The reason codes of unreadiness (none when ready) and the details behind them."""
    reasons: list[str] = []
    details: dict[str, Any] = {}
    try:
        details["block"] = runtime.chain_head()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        reasons.append("chain_unreachable")
        details["chain_error"] = repr(error)
    try:
        details["ipfs_version"] = runtime.ipfs.version()
    except Exception as error:  # noqa: BLE001
        reasons.append("ipfs_unreachable")
        details["ipfs_error"] = repr(error)
    try:
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
    details["leading"] = runtime.leadership.leading  # whether this instance runs the worker and the indexer
    if worker.started and not worker.running:
        reasons.append("outbox_worker_stopped")
    reasons += [f"outbox_{problem}" for problem in sorted(worker.problems)]
    details["outbox_problems"] = worker.problems
    return reasons, details
