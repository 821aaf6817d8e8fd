"""Backup and restore of a ledger node, and the re-verification of a restored node against the chain.

A backup directory holds everything a node cannot get back from the chain: the database (a SQLite copy
made with SQLite's online backup API, or a `pg_dump` archive), the encrypted keystores, the deployment
file and every pinned item as one CAR file (`retention.export_car`). A restore puts them on an empty
machine; then the restored index is compared with one rebuilt from the chain alone, and every item is
checked at R copies, because a backup is only as trustworthy as the disk it lay on: a row edited or a
manifest changed in it shows up as a difference, never as the truth.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

import dag_cbor
from multiformats import CID, varint
from pydantic import BaseModel
from sqlalchemy import Engine, func, inspect, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import Base, make_engine, make_sessionmaker
from ledger.index.follower import ChainFollower
from ledger.index.manifests import load_manifests
from ledger.index.tables import STATE_TABLES, ChainEvent, IndexCursor, RegistrationRow
from ledger.ipfs import IpfsError, IpfsUnavailableError
from ledger.migrations import schema_revision, upgrade_schema
from ledger.outbox import OutboxStatus, OutboxWrite
from ledger.retention import MissingItem, check_retention, export_car
from ledger.runtime import LedgerRuntime
from ledger.stack.postgres import client_program

BACKUP_FORMAT = 1
DESCRIPTION = "backup.json"
CONTENT = "content.car"
SQLITE_COPY = "database.sqlite"
POSTGRES_ARCHIVE = "database.pgdump"
MAX_ROWS_SHOWN = 20


class BackupError(RuntimeError):
    """A backup could not be written, or a restore refused: the message names what and why."""


class BackupDescription(BaseModel):
    """`backup.json`: what the backup directory holds and where it came from."""

    format: int
    created_at: datetime
    chain_id: int
    registry: str
    database: Literal["sqlite", "postgresql"]
    schema_revision: str | None
    index_block: int | None
    content_roots: int
    keystores: list[str]


class Difference(BaseModel):
    """Rows of one index table that the restored database and the chain disagree on."""

    table: str
    only_in_backup: list[dict[str, Any]]
    only_on_chain: list[dict[str, Any]]


class ReverificationReport(BaseModel):
    """The restored node against the chain: the index's differences and the content below R."""

    block: int
    registrations: int
    differences: list[Difference]
    missing_content: list[MissingItem]
    content_import_error: str | None = None
    unsent_writes: int = 0  # queued in the restored outbox, not yet signed: check them before starting workers

    @property
    def clean(self) -> bool:
        return not self.differences and not self.missing_content and self.content_import_error is None


def _database_kind(url: str) -> Literal["sqlite", "postgresql"]:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database: only SQLite and PostgreSQL are supported")
    return "sqlite" if backend == "sqlite" else "postgresql"


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no `+driver`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database through SQLite's online backup API."""
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    target.chmod(0o600)


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - argv built here from the PostgreSQL binaries and the configured URL
        argv, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-600:]}")


def _dump_database(url: str, directory: Path) -> Literal["sqlite", "postgresql"]:
    kind = _database_kind(url)
    if kind == "sqlite":
        _copy_sqlite(_sqlite_path(url), directory / SQLITE_COPY)
    else:
        argv, env = client_program("pg_dump")
        archive = directory / POSTGRES_ARCHIVE
        _run([*argv, "--format=custom", "--no-owner", "--no-privileges", f"--file={archive}", _libpq_url(url)], env,
             "pg_dump")  # fmt: skip
    return kind


def _index_block(sessions: sessionmaker[Session]) -> int | None:
    with sessions() as session:
        cursor = session.get(IndexCursor, 1)
        return cursor.block_number if cursor else None


def backup_ledger(runtime: LedgerRuntime, directory: Path) -> BackupDescription:
    """Writes the node's backup into `directory`, which must not exist. It is written as `directory.partial`
    and renamed when complete; on any failure the partial directory is removed."""
    if directory.exists():
        raise BackupError(f"{directory} exists: a backup goes into a new directory")
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700, parents=True)
    try:
        description = _write_backup(runtime, partial)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, IpfsError) and not isinstance(error, IpfsUnavailableError):
            raise BackupError(f"the content could not be exported, no backup written: {error}") from error
        raise
    partial.rename(directory)
    return description


def _write_backup(runtime: LedgerRuntime, target: Path) -> BackupDescription:
    """The database first, then the content it references (a superset if writes go on meanwhile), the
    keystores, the deployment file and the description."""
    settings = runtime.settings
    index_block = _index_block(runtime.sessions)
    kind = _dump_database(settings.resolved_database_url, target)
    roots = export_car(runtime.sessions, runtime.ipfs, target / CONTENT)
    keystores = _copy_keystores(settings.resolved_keystore_dir, target / "keystore")
    shutil.copyfile(settings.deployment_file, target / "deployment.json")
    description = BackupDescription(
        format=BACKUP_FORMAT,
        created_at=datetime.now(UTC),
        chain_id=runtime.deployment.chain_id,
        registry=runtime.deployment.registrations,
        database=kind,
        schema_revision=schema_revision(runtime.engine),
        index_block=index_block,
        content_roots=roots,
        keystores=keystores,
    )
    (target / DESCRIPTION).write_text(description.model_dump_json(indent=2) + "\n")
    return description


def _copy_keystores(source: Path, target: Path) -> list[str]:
    target.mkdir(mode=0o700, exist_ok=True)
    names = []
    for path in sorted(source.glob("*")) if source.is_dir() else []:
        if path.is_file():
            shutil.copyfile(path, target / path.name)
            (target / path.name).chmod(0o600)
            names.append(path.name)
    return names


def read_description(directory: Path) -> BackupDescription:
    """The backup's `backup.json`, or a BackupError saying why the directory is not a backup."""
    try:
        description = BackupDescription.model_validate_json((directory / DESCRIPTION).read_bytes())
    except OSError as error:
        raise BackupError(f"{directory} is not a backup: cannot read {DESCRIPTION} ({error.strerror})") from error
    except ValueError as error:
        raise BackupError(f"{directory / DESCRIPTION} is not a backup description: {error}") from error
    if description.format != BACKUP_FORMAT:
        raise BackupError(f"backup format {description.format} is not one this version reads ({BACKUP_FORMAT})")
    return description


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _refuse_unless_empty(runtime: LedgerRuntime, description: BackupDescription) -> None:
    """A restore goes onto an empty machine: no tables in the database, no deployment file, no keystores."""
    settings = runtime.settings
    kind = _database_kind(settings.resolved_database_url)
    if kind != description.database:
        raise BackupError(f"the backup holds a {description.database} database, the node is configured for {kind}")
    if settings.deployment_file.exists():
        raise BackupError(f"{settings.deployment_file} exists: restore onto an empty data directory")
    clashing = [name for name in description.keystores if (settings.resolved_keystore_dir / name).exists()]
    if clashing:
        raise BackupError(f"keystores already in {settings.resolved_keystore_dir}: {', '.join(clashing)}")
    if kind == "sqlite" and not _sqlite_path(settings.resolved_database_url).exists():
        return
    with _engine(settings.resolved_database_url) as engine:
        tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(f"the database already has tables ({', '.join(sorted(tables)[:5])}...): restore onto an "
                          "empty database")  # fmt: skip


def restore_ledger(runtime: LedgerRuntime, directory: Path) -> ReverificationReport:
    """Restores the backup in `directory` onto this (empty) node, then re-verifies it against the chain.

    The database is restored first, so that `runtime` (which migrates on first use) finds it there."""
    description = read_description(directory)
    _refuse_unless_empty(runtime, description)
    settings = runtime.settings
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if description.database == "sqlite":
        _copy_sqlite(directory / SQLITE_COPY, _sqlite_path(url))
    else:
        argv, env = client_program("pg_restore")
        _run([*argv, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              f"--dbname={_libpq_url(url)}", str(directory / POSTGRES_ARCHIVE)], env, "pg_restore")  # fmt: skip
    settings.resolved_keystore_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in description.keystores:
        shutil.copyfile(directory / "keystore" / name, settings.resolved_keystore_dir / name)
        (settings.resolved_keystore_dir / name).chmod(0o600)
    shutil.copyfile(directory / "deployment.json", settings.deployment_file)
    import_error = _import_content(runtime, directory / CONTENT)
    return reverify(runtime).model_copy(update={"content_import_error": import_error})


def _import_content(runtime: LedgerRuntime, car: Path) -> str | None:
    """Imports the backup's CAR; when a node refuses it (a block that does not hash to its CID), imports the
    blocks that do and returns what was left out. What is missing then shows up as content below R."""
    try:
        runtime.ipfs.import_car(car)
    except IpfsUnavailableError:
        raise
    except IpfsError as error:
        sound = runtime.settings.data_dir / "restore-content.car"
        try:
            rejected = sound_car(car, sound)
            runtime.ipfs.import_car(sound)
        finally:
            sound.unlink(missing_ok=True)
        return (
            f"{car.name} was refused ({error}); imported without the blocks that do not match their CID, left out: "
            + ", ".join(rejected)
        )
    return None


def _section_length(stream: BinaryIO) -> int | None:
    """The varint that starts a CAR section, or None at the end of the file."""
    value, shift = 0, 0
    while byte := stream.read(1):
        value |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return value
        shift += 7
    if shift:
        raise BackupError("the CAR file ends inside a section length")
    return None


def _split_section(section: bytes) -> tuple[CID, bytes]:
    """A CAR section's CID and block bytes (CIDv0 is a bare sha2-256 multihash; CIDv1 is prefixed)."""
    if section[:2] == b"\x12\x20":
        return CID.decode(section[:34]), section[34:]
    offset = 0
    for _ in range(3):  # version, codec, hash function
        offset += varint.decode_raw(section[offset:])[1]
    digest_length, read, _ = varint.decode_raw(section[offset:])
    end = offset + read + digest_length
    return CID.decode(section[:end]), section[end:]


def _sections(stream: BinaryIO) -> Iterator[bytes]:
    while (length := _section_length(stream)) is not None:
        yield stream.read(length)


def _unsound_blocks(car: Path) -> set[CID]:
    """The CIDs of the CAR's blocks whose bytes do not hash to them."""
    with car.open("rb") as reading:
        sections = _sections(reading)
        next(sections, None)  # the header
        return {cid for cid, block in map(_split_section, sections) if cid.hashfun.digest(block) != cid.digest}


def sound_car(source: Path, target: Path) -> list[str]:
    """Copies the CAR v1 file `source` to `target` without the blocks whose bytes do not hash to their CID
    (nor them as roots); returns the CIDs left out."""
    rejected = _unsound_blocks(source)
    with source.open("rb") as reading, target.open("wb") as writing:
        sections = _sections(reading)
        first = next(sections, None)
        if first is None:
            raise BackupError(f"{source} is empty")
        header = dag_cbor.decode(first)
        roots = header.get("roots") if isinstance(header, dict) else None
        if not isinstance(roots, list):
            raise BackupError(f"{source} does not start with a CAR v1 header")
        kept: list[dag_cbor.IPLDKind] = [root for root in roots if root not in rejected]
        encoded = dag_cbor.encode({"roots": kept, "version": 1})
        writing.write(varint.encode(len(encoded)) + encoded)
        for section in sections:
            if _split_section(section)[0] not in rejected:
                writing.write(varint.encode(len(section)) + section)
    return sorted(str(cid.set(base="base32")) if cid.version == 1 else str(cid) for cid in rejected)


def reverify(runtime: LedgerRuntime) -> ReverificationReport:
    """Brings the node's index to the chain's head, rebuilds a second index from the chain alone (in a
    temporary SQLite file, manifests from this node's IPFS), and reports every row they disagree on and
    every referenced item held by fewer than R nodes."""
    deployment = runtime.deployment
    with (
        tempfile.TemporaryDirectory(prefix="drl-reverify-") as scratch,
        _engine(f"sqlite:///{Path(scratch) / 'index.db'}") as engine,
    ):
        upgrade_schema(engine)
        fresh = make_sessionmaker(engine)
        rebuilt = ChainFollower(runtime.w3, deployment, fresh, confirmations=runtime.settings.confirmations)
        block = _sync_both(runtime.follower, rebuilt)
        load_manifests(runtime.sessions, runtime.ipfs, deployment.chain_id, deployment.registrations)
        load_manifests(fresh, runtime.ipfs, deployment.chain_id, deployment.registrations)
        differences = index_differences(runtime.sessions, fresh)
        with fresh() as session:
            registrations = session.scalar(select(func.count()).select_from(RegistrationRow)) or 0
    retention = check_retention(runtime.sessions, runtime.ipfs)
    with runtime.sessions() as session:
        unsent = session.scalar(select(func.count()).where(OutboxWrite.status == OutboxStatus.QUEUED)) or 0
    return ReverificationReport(
        block=block,
        registrations=registrations,
        differences=differences,
        missing_content=retention.missing,
        unsent_writes=unsent,
    )


def _sync_both(restored: ChainFollower, rebuilt: ChainFollower, rounds: int = 10) -> int:
    """Syncs both indexes to one and the same block (the chain may move on in between: rounds settle it)."""
    for _ in range(rounds):
        ours, theirs = restored.sync().to_block, rebuilt.sync().to_block
        if ours == theirs:
            return ours
    raise BackupError(f"the chain kept moving: the indexes did not meet at one block in {rounds} rounds")


def _rows(sessions: sessionmaker[Session], table: type[Base]) -> Counter[str]:
    """The table's rows as canonical JSON (a multiset): what the chain says, without local surrogate keys."""
    columns = [column for column in table.__table__.columns if not (table is ChainEvent and column.name == "id")]
    with sessions() as session:
        rows = session.execute(select(*columns)).all()
    return Counter(json.dumps(dict(row._mapping), sort_keys=True, default=str) for row in rows)


def index_differences(restored: sessionmaker[Session], rebuilt: sessionmaker[Session]) -> list[Difference]:
    """Every row of the index (state and events) that is in one database and not the other."""
    differences = []
    tables: tuple[type[Base], ...] = (*STATE_TABLES, ChainEvent)
    for table in tables:
        ours, theirs = _rows(restored, table), _rows(rebuilt, table)
        if ours == theirs:
            continue
        differences.append(
            Difference(
                table=str(table.__tablename__),
                only_in_backup=[json.loads(row) for row in (ours - theirs)][:MAX_ROWS_SHOWN],
                only_on_chain=[json.loads(row) for row in (theirs - ours)][:MAX_ROWS_SHOWN],
            )
        )
    return differences
