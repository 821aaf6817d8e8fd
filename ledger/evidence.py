"""Evidence entries (存证): what the evidence log records, and recording them exactly once.

An entry is a small canonical JSON document (RFC 8785, `drl.evidence/1`, docs/formats/tlog.md): the party that
records it, a kind (ledger.vocabulary.EvidenceEntryKind), the sha256 of the data or document concerned, an optional
registration or licence id and scope code, the time, and persons only as salted commitments. Its bytes are the
log leaf; Tessera hashes them as RFC 6962 leaves.

Recording a batch (`record`):
1. an item already recorded under the same (party, idempotency key, position) is answered as it stands;
2. the others become entries (persons committed with fresh salts kept in the database);
3. an entry whose digest is already indexed is answered as it stands (content identity);
4. the rest go to the log, which answers once a signed checkpoint commits to them (durable); an entry the log
   already holds (a retry after a crash between the log and the database) gets its first index back;
5. the index rows (and salts) are committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import BigInteger, DateTime, Index, String, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from ledger.db import Base
from ledger.evidence_log import EvidenceLog
from ledger.manifest import commitments
from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.model import Address, Commitment, Digest
from ledger.proofs import tlog
from ledger.vocabulary import EvidenceEntryKind

ENTRY_SCHEMA: Literal["drl.evidence/1"] = "drl.evidence/1"
MAX_PERSONS = 16


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
    persons: list[str] = Field(default=[], max_length=MAX_PERSONS)


class EvidenceRow(Base):
    """The index of the log's entries recorded through this ledger, for listing and proofs."""

    __tablename__ = "evidence_entries"
    __table_args__ = (
        Index("ix_evidence_entries_registration", "registration_id"),
        Index("ix_evidence_entries_licence", "licence_id"),
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


def _recorded(row: EvidenceRow, added: bool = False) -> Recorded:
    return Recorded(row.log_index, row.digest, row.leaf_hash, added)


def _request_key(party: str, idempotency_key: str | None, position: int) -> str | None:
    return f"{party}:{idempotency_key}:{position}" if idempotency_key else None


def entry_of(session: Session, party: str, item: EvidenceItem, now: datetime) -> EvidenceEntry:
    """The entry of an item: persons committed (salts kept in `session`), the time defaulting to now."""
    persons = tuple(commitments.commit(session, person) for person in item.persons)
    return EvidenceEntry(
        kind=item.kind,
        party=party,
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
    """Records a batch of a party's entries exactly once, durable in the log before this returns (see module)."""
    now = datetime.now(UTC)
    results: list[Recorded | None] = [None] * len(items)
    keys = [_request_key(party, idempotency_key, position) for position in range(len(items))]
    by_key = _rows_where(session, EvidenceRow.request_key, [key for key in keys if key])
    fresh: list[tuple[int, EvidenceEntry, bytes, str]] = []
    for position, item in enumerate(items):
        known = by_key.get(keys[position] or "")
        if known is not None:
            results[position] = _recorded(known)
            continue
        entry = entry_of(session, party, item, now)
        leaf = entry.leaf()
        fresh.append((position, entry, leaf, _hex(sha256(leaf))))
    by_digest = _rows_where(session, EvidenceRow.digest, [digest for *_, digest in fresh])
    pending: dict[str, tuple[list[int], EvidenceEntry, bytes, str | None]] = {}
    for position, entry, leaf, digest in fresh:
        if digest in by_digest:
            results[position] = _recorded(by_digest[digest])
        elif digest in pending:
            pending[digest][0].append(position)
        else:
            pending[digest] = ([position], entry, leaf, keys[position])
    if pending:
        batch = list(pending.values())
        appended = log.add([leaf for _, _, leaf, _ in batch])
        for (positions, entry, leaf, key), index in zip(batch, appended.indices, strict=True):
            row = _row(entry, leaf, index, key, now)
            session.add(row)
            for position in positions:
                results[position] = _recorded(row, added=True)
    session.commit()
    return [result for result in results if result is not None]


def _rows_where(
    session: Session, column: InstrumentedAttribute[str | None] | InstrumentedAttribute[str], values: list[str]
) -> dict[str, EvidenceRow]:
    """The indexed rows whose `column` is one of `values`, by that value (one query per 500 values)."""
    found: dict[str, EvidenceRow] = {}
    for start in range(0, len(values), 500):
        for row in session.scalars(select(EvidenceRow).where(column.in_(values[start : start + 500]))):
            found[str(getattr(row, column.key))] = row
    return found


def _row(entry: EvidenceEntry, leaf: bytes, index: int, request_key: str | None, now: datetime) -> EvidenceRow:
    return EvidenceRow(
        log_index=index,
        digest=_hex(sha256(leaf)),
        leaf_hash=_hex(tlog.leaf_hash(leaf)),
        request_key=request_key,
        party=entry.party,
        kind=entry.kind.value,
        subject=entry.subject,
        registration_id=entry.registration_id,
        licence_id=entry.licence_id,
        scope=entry.scope,
        at=entry.at,
        entry=leaf.decode(),
        recorded_at=now,
    )


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
