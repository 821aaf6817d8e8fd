"""Whether the ledger is ready to serve: the chain (and which client serves it), IPFS, the database and the outbox
worker.

The service's `/readyz` shows the reason codes to anyone and the details behind them only to an admin;
both come from here so that any other face (a CLI probe, a second service instance) reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.replication import Pinset
from ledger.runtime import LedgerRuntime


@dataclass(frozen=True)
class ReplicaSetHealth:
    """Which nodes of the content's replica set answer now, and whether content can still be written at R copies."""

    nodes: list[str]
    down: list[str]
    replicas: int

    @property
    def up(self) -> int:
        return len(self.nodes) - len(self.down)

    @property
    def writable(self) -> bool:
        """Whether a write can still be pinned on `replicas` nodes (else every write of content is refused)."""
        return self.up >= self.replicas

    def describe(self) -> str:
        down = f"; down: {', '.join(self.down)}" if self.down else ""
        verdict = "writes reach" if self.writable else "writes cannot reach"
        copies = "1 copy" if self.replicas == 1 else f"{self.replicas} copies"
        return f"{self.up} of {len(self.nodes)} nodes answer, {verdict} {copies}{down}"


def replica_set_health(pinset: Pinset) -> ReplicaSetHealth:
    """Asks every node of the set now: a node down is named, and counts against the copies a write needs."""
    return ReplicaSetHealth(pinset.nodes, pinset.unreachable(), pinset.replicas)


def readiness(runtime: LedgerRuntime) -> tuple[list[str], dict[str, Any]]:
    """The reason codes of unreadiness (none when ready) and the details behind them."""
    reasons: list[str] = []
    details: dict[str, Any] = {}
    try:
        details["block"] = runtime.chain_head()
        details["chain_client"] = runtime.chain_client()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        reasons.append("chain_unreachable")
        details["chain_error"] = repr(error)
    # A node down while R others answer is named to an admin but leaves the instance ready: writes still land
    # at R copies and reads fall back across nodes. Fewer than R answering refuses every write of content.
    try:
        content = replica_set_health(runtime.ipfs)
        details["ipfs_nodes_down"] = content.down
        details["ipfs_replicas"] = content.describe()
        details["ipfs_version"] = runtime.ipfs.version()  # of the first node that answers
    except Exception as error:  # noqa: BLE001
        reasons.append("ipfs_unreachable")
        details["ipfs_error"] = repr(error)
    else:
        if not content.writable:
            reasons.append("ipfs_below_replicas")
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
