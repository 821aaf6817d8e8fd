"""Evidence entries (存证): what the evidence log records, and recording them exactly once.

An entry is a small canonical JSON document (RFC 8785, `drl.evidence/1`, docs/formats/tlog.md): the party that
records it, a kind (ledger.vocabulary.EvidenceEntryKind), the sha256 of the data or document concerned, an optional
registration or licence id and scope code, the time, and persons only as salted commitments. Its bytes are the
log leaf; Tessera hashes them as RFC 6962 leaves.

Recording a batch (`record`):
1. an item already recorded under the same (party, idempotency key, position) is answered as it stands;
2. the others become entries (persons committed with fresh salts kept in the database);
3. an entry whose digest is already indexed is answered as it stands (content identity);
4. the salts of persons are committed (a logged commitment always has its salt kept);
5. the rest go to the log, which answers once a signed checkpoint commits to them (durable); an entry the log
   already holds (a retry after a crash between the log and the database) gets its first index back;
6. the index rows are committed. Steps 5 and 6 are shared by every call waiting at the time (`GroupCommit`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast
from weakref import WeakKeyDictionary

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import BigInteger, DateTime, Index, Select, String, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base
from ledger.evidence_log import EvidenceLog
from ledger.index.projection import insert_rows
from ledger.manifest import commitments
from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.model import Address, Commitment, Digest
from ledger.proofs import tlog
from ledger.vocabulary import EvidenceEntryKind

ENTRY_SCHEMA: Literal["drl.evidence/1"] = "drl.evidence/1"
MAX_PERSONS = 16
ADDRESS: TypeAdapter[str] = TypeAdapter(Address)


class EvidenceEntry(BaseModel):
    """One entry of the evidence log, exactly as its canonical JSON is logged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["drl.evidence/1"] = Field(default=ENTRY_SCHEMA, alias="schema")
    kind: EvidenceEntryKind
    party: Address
    subject: Digest = Field(description="sha256 of the data or document the entry is about")
    registration_id: int | None = Field(default=None, ge=1)
    licence_id: int | None = Field(default=None, ge=1)
    scope: str | None = Field(default=None, max_length=64, description="the licence scope code the use falls under")
    at: datetime = Field(description="when it happened (UTC, as the party states it)")
    persons: tuple[Commitment, ...] = Field(default=(), max_length=MAX_PERSONS)

    def leaf(self) -> bytes:
        """The bytes logged: the canonical JSON."""
        return canonical_json(self)

    def digest(self) -> bytes:
        """sha256 of the leaf: the entry's content identity."""
        return sha256(self.leaf())

    def leaf_hash(self) -> bytes:
        """The RFC 6962 leaf hash the log's tree commits to."""
        return tlog.leaf_hash(self.leaf())


class EvidenceItem(BaseModel):
    """What a party submits for one entry: persons in the clear, committed by the ledger before logging."""

    model_config = ConfigDict(extra="forbid")

    kind: EvidenceEntryKind
    subject: Digest
    registration_id: int | None = Field(default=None, ge=1)
    licence_id: int | None = Field(default=None, ge=1)
    scope: str | None = Field(default=None, max_length=64)
    at: datetime | None = None
    # A tuple, not a list: pydantic deep-copies a mutable default for every item that leaves it out, which was 6 %
    # of the service's CPU under the evidence benchmark (the same JSON schema either way).
    persons: tuple[str, ...] = Field(default=(), max_length=MAX_PERSONS)


class EvidenceRow(Base):
    """The index of the log's entries recorded through this ledger, for listing and proofs."""

    __tablename__ = "evidence_entries"
    __table_args__ = (
        # With the log index, so that a registration's or a licence's newest entries are read in order from the
        # index instead of sorting all of them (the verification report shows the newest 20).
        Index("ix_evidence_entries_registration", "registration_id", "log_index"),
        Index("ix_evidence_entries_licence", "licence_id", "log_index"),
    )

    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(66), unique=True)
    leaf_hash: Mapped[str] = mapped_column(String(66))
    request_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    party: Mapped[str] = mapped_column(String(42), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(66), index=True)
    registration_id: Mapped[int | None] = mapped_column(BigInteger)
    licence_id: Mapped[int | None] = mapped_column(BigInteger)
    scope: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entry: Mapped[str] = mapped_column(String(4096))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Recorded:
    """Where an entry is: its log index, digest and leaf hash, and whether this call added it."""

    index: int
    digest: str
    leaf_hash: str
    added: bool


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _request_key(party: str, idempotency_key: str | None, position: int) -> str | None:
    return f"{party}:{idempotency_key}:{position}" if idempotency_key else None


def entry_of(session: Session, party: str, item: EvidenceItem, now: datetime) -> EvidenceEntry:
    """The entry of an item: persons committed (salts kept in `session`), the time defaulting to now."""
    return _entry_of(session, ADDRESS.validate_python(party), item, now)


def _entry_of(session: Session, checked_party: str, item: EvidenceItem, now: datetime) -> EvidenceEntry:
    """`entry_of` for a party already checksummed: the item's members were validated as an EvidenceItem (the same
    types), so the entry is built without validating them again; checksumming the party costs a keccak, half the
    CPU of an entry when done for each one of a batch."""
    persons = tuple(commitments.commit(session, person) for person in item.persons)
    return EvidenceEntry.model_construct(
        kind=item.kind,
        party=checked_party,
        subject=item.subject,
        registration_id=item.registration_id,
        licence_id=item.licence_id,
        scope=item.scope,
        at=(item.at or now).astimezone(UTC),
        persons=persons,
    )


def record(
    session: Session, log: EvidenceLog, party: str, items: Sequence[EvidenceItem], idempotency_key: str | None = None
) -> list[Recorded]:
    """Records a batch of a party's entries exactly once, durable in the log before this returns (see module).

    Concurrent calls on the same log are written together (`GroupCommit`): one `POST /add` and one index
    transaction for every batch waiting, so the cost of a write is shared rather than paid per request."""
    now = datetime.now(UTC)
    party = ADDRESS.validate_python(party)
    results: list[Recorded | None] = [None] * len(items)
    keys = [_request_key(party, idempotency_key, position) for position in range(len(items))]
    by_key = _recorded_where(session, "request_key", [key for key in keys if key])
    fresh: list[tuple[int, EvidenceEntry, bytes, str]] = []
    for position, item in enumerate(items):
        known = by_key.get(keys[position] or "")
        if known is not None:
            results[position] = known
            continue
        entry = _entry_of(session, party, item, now)
        leaf = entry.leaf()
        fresh.append((position, entry, leaf, _hex(sha256(leaf))))
    by_digest = _recorded_where(session, "digest", [digest for *_, digest in fresh])
    pending: dict[str, tuple[list[int], dict[str, Any]]] = {}
    for position, entry, leaf, digest in fresh:
        if digest in by_digest:
            results[position] = by_digest[digest]
        elif digest in pending:
            pending[digest][0].append(position)
        else:
            pending[digest] = ([position], _row(entry, leaf, digest, keys[position], now))
    # Salts before the log: a logged commitment always has its salt kept. Committing also returns the connection
    # to the pool while the request waits on the log: held, sixteen waiting requests outgrew the pool's ten, and
    # those past them opened (and closed) connections of their own.
    session.commit()
    if pending:
        written = _group_of(log).write(session, [row for _, row in pending.values()])
        for (positions, _), done in zip(pending.values(), written, strict=True):
            for position in positions:
                results[position] = done
    return [result for result in results if result is not None]


# Log writes of one process in flight at once. One at a time made every request wait for the write under way to
# end before its own began (two of the log's checkpoint cycles a request instead of one); each further write costs
# an HTTP call and a transaction, shared by the requests of its group.
CONCURRENT_WRITES = 16


class GroupCommit:
    """Writes the index rows of concurrent `record` calls together: one log write and one transaction per group.

    A caller whose batch is still queued leads as soon as fewer than `max_writes` writes are under way: it takes
    every batch queued so far (up to `max_entries`), sends their leaves in one `POST /add`, inserts their rows in
    one transaction of its own session (the inserts of the groups in flight one after the other, so they never
    wait on the database's lock), and wakes the others with their results; the rest wait. Every caller returns only
    once its entries are in the log (durable) and in the index (committed), as a lone write would.

    Each caller waits on a condition of its own (sharing one lock): a group's end wakes its callers, a freed write
    the oldest caller still queued, and nobody else (one condition for all woke every waiting request at the end of
    every write, most of them to find nothing to do).
    """

    def __init__(self, log: EvidenceLog, max_entries: int = 5000, max_writes: int = CONCURRENT_WRITES) -> None:
        self.log = log
        self.max_entries = max_entries
        self.max_writes = max_writes
        self._lock = threading.Lock()
        self._queue: list[_Batch] = []
        self._writing = 0
        self._indexing = threading.Lock()

    def write(self, session: Session, rows: list[dict[str, Any]]) -> list[Recorded]:
        """Logs and indexes `rows` (the values of index rows, `log_index` still unset), each row's result in order."""
        batch = _Batch(rows, threading.Condition(self._lock))
        with self._lock:
            self._queue.append(batch)
        while True:  # a leader's group may stop short of its own batch (`max_entries`): it leads again then
            with self._lock:
                while not batch.taken and self._writing >= self.max_writes:
                    batch.woken.wait()
                if batch.taken:  # in another caller's group: wait for its end
                    while batch.results is None and batch.error is None:
                        batch.woken.wait()
                    break
                self._writing += 1
                group = self._take()
            try:
                self._write_group(session, group)
            finally:
                with self._lock:
                    self._writing -= 1
                    self._wake_next()
                    for member in group:
                        member.woken.notify()
        if batch.error is not None:
            raise batch.error
        assert batch.results is not None
        return batch.results

    def _take(self) -> list[_Batch]:
        """The queued batches to write now, oldest first, up to `max_entries` entries (at least one batch); the
        next caller queued is woken if a write is still free for it."""
        taken, count = 0, 0
        while taken < len(self._queue) and (taken == 0 or count + len(self._queue[taken].rows) <= self.max_entries):
            count += len(self._queue[taken].rows)
            taken += 1
        group, self._queue = self._queue[:taken], self._queue[taken:]
        for batch in group:
            batch.taken = True
        self._wake_next()
        return group

    def _wake_next(self) -> None:
        """Wakes the oldest queued caller when a write is free for it (it leads, or finds itself taken)."""
        if self._queue and self._writing < self.max_writes:
            self._queue[0].woken.notify()

    def _write_group(self, session: Session, group: list[_Batch]) -> None:
        """One log write and one transaction for the whole group; a failure is every batch's failure."""
        try:
            unique: dict[str, dict[str, Any]] = {}
            for batch in group:
                for row in batch.rows:
                    unique.setdefault(row["digest"], row)  # two requests with the same content: logged once
            rows = list(unique.values())
            appended = self.log.add([row["entry"].encode() for row in rows])
            for row, index in zip(rows, appended.indices, strict=True):
                row["log_index"] = index
            with self._indexing:
                indexed = _insert_rows(session, rows)
            for batch in group:
                batch.results = [
                    indexed[row["digest"]]
                    if unique[row["digest"]] is row
                    else replace(indexed[row["digest"]], added=False)
                    for row in batch.rows
                ]
        except Exception as error:  # noqa: BLE001 - every waiter must learn the write failed, whatever it was
            for batch in group:
                batch.error = error


@dataclass
class _Batch:
    """One caller's rows waiting in a GroupCommit, and what became of them."""

    rows: list[dict[str, Any]]
    woken: threading.Condition  # on the GroupCommit's lock: notified when taken and written, or when a write is free
    taken: bool = False  # in a group being written
    results: list[Recorded] | None = None
    error: Exception | None = None


_groups: WeakKeyDictionary[EvidenceLog, GroupCommit] = WeakKeyDictionary()
_groups_lock = threading.Lock()


def _group_of(log: EvidenceLog) -> GroupCommit:
    """The one GroupCommit of a log client (every request of a process shares the runtime's client)."""
    with _groups_lock:
        group = _groups.get(log)
        if group is None:
            group = _groups[log] = GroupCommit(log)
        return group


def _written(row: dict[str, Any], added: bool = True) -> Recorded:
    return Recorded(row["log_index"], row["digest"], row["leaf_hash"], added)


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> dict[str, Recorded]:
    """Inserts the rows in one transaction (one executemany of a Core INSERT: no object, nor the ORM's bulk
    preparation, per row). Where another writer (another process, or a request with the same content in an earlier
    group) indexed an entry first, that row stands and the entry is answered as recorded (not added); the others
    are inserted then."""
    try:
        insert_rows(session, EvidenceRow, rows)
        session.commit()
        return {row["digest"]: _written(row) for row in rows}
    except IntegrityError:
        session.rollback()
    existing = _recorded_where(session, "digest", [row["digest"] for row in rows])
    keyed = _recorded_where(session, "request_key", [row["request_key"] for row in rows if row["request_key"]])
    answers: dict[str, Recorded] = {}
    missing: list[dict[str, Any]] = []
    for row in rows:
        known = existing.get(row["digest"]) or keyed.get(row["request_key"] or "")
        if known is not None:
            answers[row["digest"]] = known
        else:
            missing.append(row)
            answers[row["digest"]] = _written(row)
    insert_rows(session, EvidenceRow, missing)
    session.commit()
    return answers


def _lookup(column: str) -> Select[int, str, str, str | None]:
    """Where the rows whose `column` is one of the values bound to `values` are: built once, not per request (the
    ORM's select of whole rows, built each time, was a sixth of the service's CPU under load)."""
    table = cast(Table, EvidenceRow.__table__)
    return select(table.c.log_index, table.c.digest, table.c.leaf_hash, table.c[column]).where(
        table.c[column].in_(bindparam("values", expanding=True))
    )


_LOOKUPS = {"digest": _lookup("digest"), "request_key": _lookup("request_key")}


def _recorded_where(
    session: Session, column: Literal["digest", "request_key"], values: list[str]
) -> dict[str, Recorded]:
    """The recorded entries whose `column` is one of `values`, by that value (one query per 500 values)."""
    found: dict[str, Recorded] = {}
    for start in range(0, len(values), 500):
        rows = session.connection().execute(_LOOKUPS[column], {"values": values[start : start + 500]})
        for log_index, digest, leaf_hash, value in rows:
            found[str(value)] = Recorded(log_index, digest, leaf_hash, False)
    return found


def _row(entry: EvidenceEntry, leaf: bytes, digest: str, request_key: str | None, now: datetime) -> dict[str, Any]:
    """The values of an entry's index row (`digest`: the leaf's sha256, as hex), its `log_index` still to be set by
    the log's answer."""
    return {
        "digest": digest,
        "leaf_hash": _hex(tlog.leaf_hash(leaf)),
        "request_key": request_key,
        "party": entry.party,
        "kind": entry.kind.value,
        "subject": entry.subject,
        "registration_id": entry.registration_id,
        "licence_id": entry.licence_id,
        "scope": entry.scope,
        "at": entry.at,
        "entry": leaf.decode(),
        "recorded_at": now,
    }


def entries(
    session: Session,
    *,
    party: str | None = None,
    kind: EvidenceEntryKind | None = None,
    registration_id: int | None = None,
    licence_id: int | None = None,
    after: int = -1,
    limit: int = 100,
) -> list[EvidenceRow]:
    """Recorded entries in log order, filtered; `after` is the last log index already seen (keyset paging)."""
    query = select(EvidenceRow).where(EvidenceRow.log_index > after)
    if party is not None:
        query = query.where(EvidenceRow.party == party)
    if kind is not None:
        query = query.where(EvidenceRow.kind == kind.value)
    if registration_id is not None:
        query = query.where(EvidenceRow.registration_id == registration_id)
    if licence_id is not None:
        query = query.where(EvidenceRow.licence_id == licence_id)
    return list(session.scalars(query.order_by(EvidenceRow.log_index).limit(limit)))


class EvidenceFileError(ValueError):
    """A JSON Lines file of evidence items that does not parse; names the file and line."""


def evidence_files(path: Path) -> list[Path]:
    """The JSON Lines files to import: the file itself, or every `*.jsonl` under a folder, in name order."""
    return sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]


def read_items(path: Path) -> Iterator[EvidenceItem]:
    """The items of a JSON Lines file (blank lines skipped), validated; EvidenceFileError names the first bad line."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield EvidenceItem.model_validate_json(line)
            except ValidationError as error:
                raise EvidenceFileError(f"{path}:{number}: {error.errors()[0]['msg']}") from error


def import_key(path: Path, batch: int) -> str:
    """The idempotency key of the `batch`-th batch of a file: re-importing the same file adds nothing twice."""
    return f"file:{hashlib.sha256(path.read_bytes()).hexdigest()}:{batch}"
