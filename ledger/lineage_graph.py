"""The lineage of registrations as a page draws it: each registration with its generation relative to the one asked
about (sources negative, derived products positive), its name and status, and the derivation edges.

The index holds the graph (`queries.lineage`); this gives it the shape a drawing needs, bounded so a page stays
readable: at most `MAX_DRAWN_NODES` nodes, nearest generations first.
"""

from __future__ import annotations

from collections import deque

from pydantic import BaseModel
from sqlalchemy.orm import Session

from ledger.index import queries
from ledger.vocabulary import Status

MAX_DRAWN_NODES = 40


class LineageNode(BaseModel):
    registration_id: int
    title: str | None
    status: Status
    generation: int


class LineageDrawing(BaseModel):
    """One registration's sources and derived products; edges run from a source to what was derived from it."""

    subject: int
    nodes: list[LineageNode]
    edges: list[tuple[int, int]]
    truncated: bool


def _generations(subject: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    """Each reachable node's generation: parents one less than their child, children one more (breadth first, so
    a node reached both ways keeps its nearest placing)."""
    parents: dict[int, list[int]] = {}
    children: dict[int, list[int]] = {}
    for child, parent in edges:
        parents.setdefault(child, []).append(parent)
        children.setdefault(parent, []).append(child)
    generation = {subject: 0}
    queue = deque([subject])
    while queue:
        node = queue.popleft()
        for neighbour, step in [*((p, -1) for p in parents.get(node, [])), *((c, 1) for c in children.get(node, []))]:
            if neighbour not in generation:
                generation[neighbour] = generation[node] + step
                queue.append(neighbour)
    return generation


def lineage_drawings(session: Session, registration_ids: list[int]) -> dict[int, LineageDrawing]:
    """The drawing of each registration's lineage (none for an unknown one, nor for one with no lineage)."""
    drawings = {}
    for registration_id in registration_ids:
        graph = queries.lineage(session, registration_id)
        if graph is None or not graph.edges:
            continue
        rows = {row.id: row for row in graph.nodes}
        generation = {n: g for n, g in _generations(registration_id, graph.edges).items() if n in rows}
        kept = sorted(generation, key=lambda node: (abs(generation[node]), node))[:MAX_DRAWN_NODES]
        nodes = []
        for node in sorted(kept, key=lambda n: (generation[n], n)):
            record = queries.manifest_record(session, node, queries.current_manifest_version(session, node))
            nodes.append(
                LineageNode(
                    registration_id=node,
                    title=record.title if record else None,
                    status=Status.of(rows[node].status),
                    generation=generation[node],
                )
            )
        drawn = set(kept)
        edges = [(parent, child) for child, parent in graph.edges if child in drawn and parent in drawn]
        drawings[registration_id] = LineageDrawing(
            subject=registration_id, nodes=nodes, edges=edges, truncated=len(kept) < len(generation)
        )
    return drawings
