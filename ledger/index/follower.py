"""The chain follower: brings the index up to the chain's final block (ledger.chain.finality).

It reads the ledger contracts' logs range by range from the deployment block, stores each decoded
event with its block and transaction, and applies it to the state tables in the same database
transaction as the cursor, so a crash never leaves the index half-advanced. Before each range it checks
that the last block it indexed is still canonical; after a reorganisation it walks back over the blocks
it stored until one still matches, deletes everything after, and replays the touched scopes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import BlockNotFound, Web3RPCError
from web3.types import RPCEndpoint

from ledger.chain.deployment import Deployment
from ledger.chain.events import EventDecoder
from ledger.chain.finality import FinalityTag, final_block
from ledger.db import Base
from ledger.encoding import from_hex, to_hex
from ledger.index.projection import apply, apply_all, clear_scope, events_of_scopes, insert_rows, scope_of
from ledger.index.tables import STATE_TABLES, ChainEvent, IndexCursor, IndexedBlock, ManifestMiss

log = logging.getLogger(__name__)

HEADER_BATCH = 500
FIRST_SPAN = 100  # blocks of the first range, before the chain's density of logs is known


@dataclass(frozen=True)
class RawLog:
    """A log as the node's JSON answer has it, hex turned into numbers and bytes (hashes stay 0x-hex text)."""

    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    topics: list[bytes]
    data: bytes

    @classmethod
    def of(cls, entry: dict[str, Any]) -> RawLog:
        return cls(
            address=entry["address"],
            block_number=int(entry["blockNumber"], 16),
            block_hash=entry["blockHash"].lower(),
            tx_hash=entry["transactionHash"].lower(),
            log_index=int(entry["logIndex"], 16),
            topics=[from_hex(topic) for topic in entry["topics"]],
            data=from_hex(entry["data"]),
        )


class Header(NamedTuple):
    """What the follower reads of a block header: its hash (0x-hex) and its timestamp."""

    hash: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event read from the chain, before it is stored: the columns of its `ChainEvent` row."""

    block_number: int
    block_hash: str
    timestamp: int
    tx_hash: str
    log_index: int
    contract: str
    name: str
    scope: str
    registration_id: int | None
    actor: str | None
    args: dict[str, Any]

    def columns(self) -> dict[str, Any]:
        """The row to insert (dataclasses.asdict would copy the arguments deeply, for nothing)."""
        return {name: getattr(self, name) for name in EVENT_COLUMNS}


EVENT_COLUMNS = tuple(field.name for field in fields(NewEvent))


class ReorgDuringSyncError(RuntimeError):
    """The chain changed under a range being read; the range is read again."""


@dataclass(frozen=True)
class SyncReport:
    """What one `sync` did."""

    from_block: int
    to_block: int
    events: int
    rewound_to: int | None


class ChainFollower:
    """Follows one deployment into one index database.

    It reads logs over ranges of up to `batch_blocks` blocks: the first range is short, each next one is sized
    to about `BATCH_LOGS` logs at the density the last one showed, and a range the node refuses as too large is
    halved, so that a quiet chain is crossed in a few calls and a busy one in transactions of bounded size.
    """

    BATCH_LOGS = 20_000

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        sessions: sessionmaker[Session],
        confirmations: int = 0,
        batch_blocks: int = 50_000,
        finality_tag: FinalityTag | None = None,
    ) -> None:
        self._w3 = w3
        self._deployment = deployment
        self._sessions = sessions
        self._confirmations = confirmations
        self._batch_blocks = batch_blocks
        self._finality_tag = finality_tag
        self._span = min(batch_blocks, FIRST_SPAN)
        self._decoder = EventDecoder(w3, {address: name for name, address in deployment.addresses().items()})

    def final_block(self) -> int:
        """The newest block the index may hold: nothing newer is reported, so nothing a reorganisation can undo."""
        return final_block(self._w3, self._confirmations, self._finality_tag)

    def sync(self, max_ranges: int | None = None) -> SyncReport:
        """Indexes up to the final block (or `max_ranges` ranges); returns what it did."""
        rewound_to = self._rewind_if_reorganised()
        first = self._next_block()
        head = self.final_block()
        events, ranges, last = 0, 0, first - 1
        while last < head and (max_ranges is None or ranges < max_ranges):
            end = min(last + self._span, head)
            try:
                events += self._index_range(last + 1, end)
            except ReorgDuringSyncError:
                log.info("the chain changed while reading blocks %s-%s; checking for a reorganisation", last + 1, end)
                rewound = self._rewind_if_reorganised()
                rewound_to = rewound if rewound is not None else rewound_to
                last = self._next_block() - 1
                continue
            last, ranges = end, ranges + 1
        return SyncReport(first, last, events, rewound_to)

    def _next_block(self) -> int:
        with self._sessions() as session:
            cursor = session.get(IndexCursor, 1)
            return cursor.block_number + 1 if cursor else self._deployment.deployment_block

    def _index_range(self, start: int, end: int) -> int:
        """Reads, checks and stores the events of blocks `start`..`end` in one database transaction."""
        logs = self._logs(start, end)
        by_block: dict[int, list[RawLog]] = defaultdict(list)
        for entry in logs:
            by_block[entry.block_number].append(entry)
        headers = self._headers(sorted({*by_block, end}))
        for number, entries in by_block.items():
            if any(entry.block_hash != headers[number].hash for entry in entries):
                raise ReorgDuringSyncError(number)
        blocks, events = [], []
        for number in sorted(headers):
            block_hash, timestamp = headers[number]
            blocks.append({"number": number, "hash": block_hash, "timestamp": timestamp})
            for entry in sorted(by_block.get(number, []), key=lambda e: e.log_index):
                event = self._event(entry, timestamp)
                if event is not None:
                    events.append(event)
        with self._sessions.begin() as session:
            session.execute(delete(IndexedBlock).where(IndexedBlock.number.between(start, end)))
            insert_rows(session, IndexedBlock, blocks)
            insert_rows(session, ChainEvent, [event.columns() for event in events])
            apply_all(session, events)
            end_hash = headers[end].hash
            session.merge(IndexCursor(id=1, chain_id=self._deployment.chain_id, block_number=end, block_hash=end_hash))
        self._adapt(len(logs))
        return len(events)

    def _logs(self, start: int, end: int) -> list[RawLog]:
        """The ledger's logs of blocks `start`..`end`; a range the node refuses (too many results) is halved.

        Asked as plain JSON-RPC: web3's answer formatters took more time than everything else the indexer does.
        """
        query = {"fromBlock": hex(start), "toBlock": hex(end), "address": self._decoder.addresses}
        answer = self._w3.provider.make_request(RPCEndpoint("eth_getLogs"), [query])
        if "error" not in answer:
            return [RawLog.of(entry) for entry in answer["result"]]
        error = Web3RPCError(str(answer["error"]))
        if start == end or not _too_large(error):
            raise error
        log.info("the node refused logs of blocks %s-%s (%s); halving the range", start, end, error)
        self._span = max(1, (end - start + 1) // 2)
        middle = (start + end) // 2
        return self._logs(start, middle) + self._logs(middle + 1, end)

    def _adapt(self, logs: int) -> None:
        """Sizes the next range to about `BATCH_LOGS` logs at the density of the last one (so that memory and
        transactions stay bounded on a busy chain), at most `batch_blocks` blocks, at most 4 times wider."""
        wanted = self._span * self.BATCH_LOGS // max(logs, 1)
        self._span = max(1, min(self._batch_blocks, wanted, self._span * 4))

    def _headers(self, numbers: list[int]) -> dict[int, Header]:
        """The headers of `numbers`, asked in JSON-RPC batches (one round trip per few hundred blocks) as plain
        JSON-RPC: web3's block formatters cost more than the rest of reading a header (issue 13)."""
        headers: dict[int, Header] = {}
        for first in range(0, len(numbers), HEADER_BATCH):
            chunk = numbers[first : first + HEADER_BATCH]
            answers = self._w3.provider.make_batch_request(  # type: ignore[attr-defined]
                [(RPCEndpoint("eth_getBlockByNumber"), [hex(number), False]) for number in chunk]
            )
            if not isinstance(answers, list):
                raise Web3RPCError(str(answers.get("error", answers)))
            for number, answer in zip(chunk, answers, strict=True):
                if "error" in answer:
                    raise Web3RPCError(str(answer["error"]))
                if answer.get("result") is None:
                    raise BlockNotFound(f"block {number} not found")
                headers[number] = Header(answer["result"]["hash"].lower(), int(answer["result"]["timestamp"], 16))
        return headers

    def _event(self, entry: RawLog, timestamp: int) -> NewEvent | None:
        decoded = self._decoder.decode_parts(entry.address, entry.topics, entry.data)
        if decoded is None:
            return None
        contract, name, args = decoded
        scope, registration_id = scope_of(contract, name, args)
        return NewEvent(
            block_number=entry.block_number,
            block_hash=entry.block_hash,
            timestamp=timestamp,
            tx_hash=entry.tx_hash,
            log_index=entry.log_index,
            contract=contract,
            name=name,
            scope=scope,
            registration_id=registration_id,
            actor=_actor(args),
            args=args,
        )

    def _rewind_if_reorganised(self) -> int | None:
        """Rewinds to the last stored block that is still canonical; returns it, or None if nothing changed."""
        with self._sessions() as session:
            cursor = session.get(IndexCursor, 1)
            if cursor is None or self._canonical(cursor.block_number, cursor.block_hash):
                return None
            stored = session.scalars(select(IndexedBlock).order_by(IndexedBlock.number.desc())).all()
        fork_point = self._deployment.deployment_block - 1
        for block in stored:
            if self._canonical(block.number, block.hash):
                fork_point = block.number
                break
        log.warning("reorganisation: rewinding the index to block %s", fork_point)
        self._rewind_to(fork_point)
        return fork_point

    def _canonical(self, number: int, block_hash: str) -> bool:
        try:
            return to_hex(self._w3.eth.get_block(number)["hash"]) == block_hash
        except Exception:  # noqa: BLE001 - a block the node no longer has is not canonical
            return False

    def _rewind_to(self, fork_point: int) -> None:
        with self._sessions.begin() as session:
            removed = session.scalars(select(ChainEvent.scope).where(ChainEvent.block_number > fork_point)).all()
            scopes = set(removed)
            session.execute(delete(ChainEvent).where(ChainEvent.block_number > fork_point))
            session.execute(delete(IndexedBlock).where(IndexedBlock.number > fork_point))
            for scope in scopes:
                clear_scope(session, scope)
            session.flush()
            for event in events_of_scopes(session, scopes):
                apply(session, event)
            if fork_point < self._deployment.deployment_block:
                session.execute(delete(IndexCursor))
            else:
                fork_hash = to_hex(self._w3.eth.get_block(fork_point)["hash"])
                session.merge(
                    IndexCursor(id=1, chain_id=self._deployment.chain_id, block_number=fork_point, block_hash=fork_hash)
                )


def _too_large(error: Exception) -> bool:
    """Whether a node refused `eth_getLogs` for the size of the range or of its answer, not for another reason."""
    text = str(error).lower()
    return any(word in text for word in ("too many", "limit", "exceed", "too large", "range"))


def _actor(args: dict[str, Any]) -> str | None:
    for key in ("registrant", "objector", "regulator", "reviewer", "by", "party", "anchorer", "account"):
        if isinstance(args.get(key), str):
            return str(args[key])
    return None


def reset_index(sessions: sessionmaker[Session]) -> None:
    """Empties the index (events, blocks, cursor and state) so that it can be rebuilt from the chain alone."""
    with sessions.begin() as session:
        tables: tuple[type[Base], ...] = (*STATE_TABLES, ManifestMiss, ChainEvent, IndexedBlock, IndexCursor)
        for table in tables:
            session.execute(delete(table))
