"""Verification by hash under load: p50/p99 latency and requests a second with 1,000,000 and 10,000,000
registrations indexed, in SQLite and PostgreSQL, beside the same service's constant route; the service's memory.

The index is filled directly through the ledger's own tables (created by its migrations): per registration the
rows the follower writes for a submission (the registration's state, its first manifest version, its
`RegistrationSubmitted` event), with synthetic but well-formed values: digests are sha256 of a label and the
number, random-looking like real ones and known to the load generator. The database computes the rows itself
(`INSERT ... SELECT` over a range of numbers: PostgreSQL with `generate_series` and its own `sha256`, SQLite with
`_digest` as an SQL function), so no row crosses a socket or a Python loop; a few are checked against `_digest`
afterwards. Secondary indexes and unique constraints other than primary keys are dropped for the fill and
recreated from their own definitions afterwards, then the tables are analysed: the end state is the schema the
migrations made. The fill prints its rate and records wall and CPU seconds per phase (rows, indexes, analyse),
this process's and the database server's. `--keep DIR` keeps a filled index for the next run.

The query plans of one verification are checked for full scans (EXPLAIN). The service runs as its own process on
127.0.0.1, and an asyncio load generator (httpx) on the same machine asks `GET /v1/verify?sha256=` for registered
hashes (and 10 % unknown ones), with a fixed number of connections, for a bounded number of requests; then the
same for `/healthz`.

Run: .venv/bin/python scripts/benchmarks/verify_load.py [--rows 1000000] [--engines sqlite postgresql]
     [--keep DIR] [--fill-only]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledger.db import make_engine, make_sessionmaker
from ledger.migrations import upgrade_schema
from ledger.toolchain import PROJECT_ROOT
from ledger.verification import verify

BATCH = 100_000
"""Registrations a fill writes per transaction; progress is reported between them."""
TABLES = ("registrations", "manifest_versions", "chain_events")
REGISTRANT = "0x" + "ab" * 20
FIRST_TIMESTAMP = 1_700_000_000
PROGRESS_SECONDS = 10.0


def _digest(kind: str, i: int) -> str:
    """Synthetic digest number `i` of `kind`: random-looking 32 bytes, so the B-trees see the key distribution of a
    real index, and derivable, so the load asks for hashes that are registered. The fill computes the same in SQL
    (`_SQL_DIGEST`): PostgreSQL with its own `sha256`, SQLite by calling this function."""
    return "0x" + hashlib.sha256(f"{kind}:{i}".encode()).hexdigest()


_SQL_DIGEST = {
    "postgresql": "('0x' || encode(sha256(convert_to('{kind}:' || {number}, 'UTF8')), 'hex'))",
    "sqlite": "digest('{kind}', {number})",
}
"""`_digest` spelt in each engine's SQL: a function of a label and a number column."""

REGISTRATION_COLUMNS = (
    "id, registrant, authority_id, kind, origin, grade, personal_info, rights, status, version, manifest_digest, "
    "data_commitment, open_objections, submitted_block, submitted_tx, submitted_at, updated_block"
)
VERSION_COLUMNS = "registration_id, version, manifest_digest, data_commitment, block_number, tx_hash"
EVENT_COLUMNS = (
    "block_number, block_hash, timestamp, tx_hash, log_index, contract, name, scope, registration_id, actor, args"
)
EVENT_ARGS = (
    """'{"registrationId": ' || id || ', "dataCommitment": "' || data_commitment || '", "manifestDigest": "' """
    """|| manifest_digest || '"}'"""
)
"""The event's arguments as the follower stores them (`json.dumps` of the decoded event), built in SQL."""


def _fill_statements(engine: str, first: str, last: str) -> list[str]:
    """The INSERTs that write registrations `first`..`last` (placeholders): per registration the rows the follower
    writes for a submission (its state, its first manifest version, its `RegistrationSubmitted` event).

    The registration's row is computed from its number; the other two are copied from it, so each digest is
    computed once.
    """

    def digest(kind: str, number: str) -> str:
        return _SQL_DIGEST[engine].format(kind=kind, number=number)

    if engine == "postgresql":
        numbers, false, args = (
            f"generate_series({first}::bigint, {last}::bigint) AS i",
            "false",
            f"({EVENT_ARGS})::json",
        )
    else:
        numbers = (
            f"(WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {last}) SELECT i FROM n)"
        )
        false, args = "0", EVENT_ARGS
    in_range = f"FROM registrations WHERE id BETWEEN {first} AND {last} ORDER BY id"
    return [
        f"INSERT INTO registrations ({REGISTRATION_COLUMNS}) SELECT i, '{REGISTRANT}', 1, 0, 1, 0, {false}, 3, 1, 0, "
        f"{digest('manifest', 'i')}, {digest('data', 'i')}, 0, i, {digest('tx', 'i')}, {FIRST_TIMESTAMP} + i, i "
        f"FROM {numbers}",
        f"INSERT INTO manifest_versions ({VERSION_COLUMNS}) "
        f"SELECT id, 1, manifest_digest, data_commitment, submitted_block, submitted_tx {in_range}",
        f"INSERT INTO chain_events ({EVENT_COLUMNS}) SELECT submitted_block, {digest('block', 'id')}, submitted_at, "
        f"submitted_tx, 0, 'Registrations', 'RegistrationSubmitted', 'registration:' || id, id, registrant, {args} "
        f"{in_range}",
    ]


@dataclass
class FillClock:
    """Wall time and CPU seconds of each phase of a fill: this process's (SQLite works in it) and the database
    server's (PostgreSQL's server and its workers), since on a shared machine wall time says little."""

    engine: str
    server_pid: int | None
    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    reported_at: float = field(default_factory=time.perf_counter)

    def _now(self) -> tuple[float, float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        server = _tree_cpu_seconds(self.server_pid) if self.server_pid else 0.0
        return time.perf_counter(), usage.ru_utime + usage.ru_stime, server

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Records the phase `name` (its figures added to an earlier phase of the same name)."""
        before = self._now()
        yield
        after = self._now()
        totals = self.phases.setdefault(name, {"wall_seconds": 0.0, "cpu_seconds": 0.0, "server_cpu_seconds": 0.0})
        for key, start, end in zip(totals, before, after, strict=True):
            totals[key] += end - start
        if name != "rows":  # the rows report their own progress
            print(f"{self.engine}: {name} in {after[0] - before[0]:.0f} s", flush=True)

    def progress(self, done: int, count: int) -> None:
        """Prints the rows written and their rate, at most every `PROGRESS_SECONDS` and at the end."""
        now = time.perf_counter()
        if done < count and now - self.reported_at < PROGRESS_SECONDS:
            return
        self.reported_at = now
        rows = self.phases["rows"]
        rate = done / max(rows["wall_seconds"], 1e-9)
        print(
            f"{self.engine}: {done:,} of {count:,} rows, {rate:,.0f} rows/s "
            f"(CPU s: {rows['cpu_seconds']:.0f} here, {rows['server_cpu_seconds']:.0f} in the server)",
            flush=True,
        )

    def summary(self) -> dict[str, Any]:
        total = {key: sum(phase[key] for phase in self.phases.values()) for key in next(iter(self.phases.values()))}
        return {**{key: round(value, 2) for key, value in total.items()}, "phases": self.phases}


def _write_rows(
    insert: Callable[[int, int], object],
    copy: Callable[[int, int], object],
    clock: FillClock,
    count: int,
    overlap: bool,
) -> None:
    """Writes registrations 1..`count` in batches of `BATCH`, reporting progress: `insert` writes a batch's
    registrations, `copy` its versions and events from them. With `overlap` (a server, a connection for each) a
    batch is copied while the next one's registrations are inserted: two cores at work instead of one."""
    with ThreadPoolExecutor(1) as copier:
        copied: Future[object] | None = None
        for first in range(1, count + 1, BATCH):
            end = min(first + BATCH - 1, count)
            with clock.phase("rows"):
                insert(first, end)
                if copied is not None:
                    copied.result()
                if overlap:
                    copied = copier.submit(copy, first, end)
                else:
                    copy(first, end)
            clock.progress(first - 1 if overlap else end, count)
        if copied is not None:  # the last batch's copy
            with clock.phase("rows"):
                copied.result()
            clock.progress(count, count)


def _fill_sqlite(path: Path, count: int, clock: FillClock) -> None:
    """SQLite: rows computed by SQL in the database (sha256 through `_digest`), no journal while filling (a failed
    fill is thrown away), a large cache while the indexes are built, the sorts on every core; WAL afterwards, as
    the service opens the file."""
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("digest", 2, _digest, deterministic=True)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE", "cache_size=-2097152"):
        db.execute(f"PRAGMA {pragma}")
    db.execute(f"PRAGMA threads={os.cpu_count() or 1}")
    names = ",".join(f"'{t}'" for t in TABLES)
    indexes = db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({names})"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')

    registrations, *copies = _fill_statements("sqlite", "?", "?")

    def insert(first: int, last: int) -> None:
        db.execute("BEGIN")
        db.execute(registrations, (first, last))

    def copy(first: int, last: int) -> None:
        for statement in copies:
            db.execute(statement, (first, last))
        db.execute("COMMIT")

    _write_rows(insert, copy, clock, count, overlap=False)
    with clock.phase("indexes"):
        for _, sql in indexes:
            db.execute(sql)
    with clock.phase("analyze"):
        db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()


FILL_SETTINGS: dict[str, str | None] = {"autovacuum": "off", "max_wal_size": "2GB", "checkpoint_timeout": "1h"}
"""Server settings while PostgreSQL is filled, reset afterwards: no autovacuum racing the inserts (the fill ends
with its own VACUUM ANALYZE), fewer checkpoints than the default 1 GB of WAL gives. Not more: with 16 GB of WAL
the 10,000,000-row fill (about 20 GiB of tables and indexes) ran a 25 GiB disk full."""


def _configure(db: Any, settings: dict[str, str | None]) -> None:
    """Sets (or, with None, resets) server settings and waits until the server has reloaded them."""
    for name, value in settings.items():
        db.execute(f"ALTER SYSTEM SET {name} = '{value}'" if value else f"ALTER SYSTEM RESET {name}")
    db.execute("SELECT pg_reload_conf()")
    expected = "off" if settings["autovacuum"] else "on"
    deadline = time.monotonic() + 30
    while db.execute("SHOW autovacuum").fetchone()[0] != expected:  # the reload reaches each backend in turn
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not reload its settings")
        time.sleep(0.05)


def _fill_postgresql(url: str, count: int, clock: FillClock) -> None:
    """PostgreSQL: rows computed by the server (`generate_series`, `sha256`), secondary indexes and unique
    constraints other than primary keys dropped and recreated from their own definitions, then VACUUM ANALYZE
    (statistics and the visibility map a long-running index has)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as db, psycopg.connect(dsn, autocommit=True) as copier:
        _configure(db, FILL_SETTINGS)
        indexes = db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (list(TABLES),),
        ).fetchall()
        constraints = db.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            (list(TABLES),),
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        for table, name, _ in constraints:
            db.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

        registrations, *copies = _fill_statements("postgresql", "%s", "%s")

        def copy(first: int, last: int) -> None:
            for statement in copies:
                copier.execute(statement, (first, last))

        _write_rows(lambda first, last: db.execute(registrations, (first, last)), copy, clock, count, overlap=True)
        db.execute("SET maintenance_work_mem = '1GB'")
        with clock.phase("indexes"):
            for _, sql in indexes:
                db.execute(sql)
            for table, name, definition in constraints:
                db.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        with clock.phase("analyze"):
            for table in TABLES:
                db.execute(f'VACUUM ANALYZE "{table}"')
        _configure(db, dict.fromkeys(FILL_SETTINGS))


def _check_fill(url: str, count: int) -> None:
    """Raises unless the rows of a few registrations are what `_digest` and the follower say they are: the load
    asks for `_digest("data", i)`, so a fill that computed another digest would measure misses only."""
    engine = make_engine(url)
    with engine.connect() as connection:
        written = connection.execute(text("SELECT count(*) FROM registrations")).scalar_one()
        if written != count:
            raise RuntimeError(f"the fill wrote {written:,} registrations, not {count:,}")
        for i in sorted({1, max(1, count // 2), count}):
            row = connection.execute(
                text(
                    "SELECT r.data_commitment, r.manifest_digest, r.submitted_tx, v.data_commitment, e.block_hash, "
                    "e.tx_hash, e.scope, e.args FROM registrations r "
                    "JOIN manifest_versions v ON v.registration_id = r.id "
                    "JOIN chain_events e ON e.registration_id = r.id WHERE r.id = :i"
                ),
                {"i": i},
            ).one()
            data, manifest, tx = _digest("data", i), _digest("manifest", i), _digest("tx", i)
            args = {"registrationId": i, "dataCommitment": data, "manifestDigest": manifest}
            expected = (data, manifest, tx, data, _digest("block", i), tx, f"registration:{i}", args)
            found = (*row[:7], row[7] if isinstance(row[7], dict) else json.loads(row[7]))
            if found != expected:
                raise RuntimeError(f"registration {i} was filled as {found}, not {expected}")
    engine.dispose()


def fill_index(database: IndexDatabase, count: int) -> dict[str, Any]:
    """Writes `count` submitted registrations into a fresh index database; its wall and CPU seconds by phase."""
    engine = make_engine(database.url)
    upgrade_schema(engine)
    engine.dispose()
    clock = FillClock(database.engine, database.server_pid)
    if database.engine == "sqlite":
        _fill_sqlite(Path(database.url.removeprefix("sqlite:///")), count, clock)
    else:
        _fill_postgresql(database.url, count, clock)
    _check_fill(database.url, count)
    return clock.summary()


def _reads_a_table_whole(line: str, plan: list[str]) -> bool:
    """Whether a line of SQLite's query plan reads a table, or one of its indexes, from end to end: `SCAN t`, also
    `SCAN t USING [COVERING] INDEX i` (a whole index); not a search, and not the scan of a subquery's few rows that
    the plan computed first (`CO-ROUTINE anon_1`, `MATERIALIZE anon_1`)."""
    if not line.startswith("SCAN "):
        return False
    scanned = line.split()[1]
    computed = {entry.split()[-1] for entry in plan if entry.startswith(("CO-ROUTINE ", "MATERIALIZE "))}
    return scanned not in computed


def query_plans(url: str, count: int) -> list[dict[str, Any]]:
    """Every statement one verification by hash runs, with its plan; `full_scan` where a table is read whole.

    The statements are captured as the ledger issues them (a registered hash and an unknown one), then explained.
    """
    engine = make_engine(url)
    statements: dict[str, Any] = {}

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.setdefault(statement, parameters)

    event.listen(engine, "before_cursor_execute", capture)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        verify(session, _digest("data", count // 2))
        verify(session, _digest("unknown", 1))
    event.remove(engine, "before_cursor_execute", capture)
    plans = []
    sqlite = url.startswith("sqlite")
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in statements.items():
            if sqlite:
                rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()  # type: ignore[union-attr]
                plan = [str(row[-1]) for row in rows]
                full = any(_reads_a_table_whole(line, plan) for line in plan)
            else:
                with raw.cursor() as cursor:  # type: ignore[union-attr]
                    # on small tables a sequential scan is the cheaper plan; forbidding it shows whether an
                    # index could serve the statement at all
                    cursor.execute("SET enable_seqscan = off")
                    cursor.execute(f"EXPLAIN {statement}", parameters)
                    plan = [str(row[0]) for row in cursor.fetchall()]
                full = any("Seq Scan" in line for line in plan)
            plans.append({"statement": " ".join(statement.split()), "plan": plan, "full_scan": full})
    engine.dispose()
    return plans


@dataclass(frozen=True)
class IndexDatabase:
    """An index database of the benchmark: its engine, URL and the process id of its server (PostgreSQL)."""

    engine: str
    url: str
    server_pid: int | None = None


@contextmanager
def index_database(engine: str, folder: Path) -> Iterator[IndexDatabase]:
    """The database of `engine` in `folder`: a SQLite file, or a PostgreSQL 15 server on 127.0.0.1 whose cluster
    lies in `folder`; made on first use, reopened when `folder` already holds one (a kept fill)."""
    if engine == "sqlite":
        yield IndexDatabase(engine, f"sqlite:///{folder / 'index.db'}")
        return
    from ledger.stack.postgres import init_cluster, postgres_process, reopen_cluster

    directory, password = folder / "postgresql", folder / "postgresql-password"
    if password.exists():
        cluster = reopen_cluster(directory, password.read_text())
    else:
        folder.chmod(0o711)  # the server's own user (when we are root) must enter it to reach its cluster
        cluster = init_cluster(directory)
        password.touch(mode=0o600)
        password.write_text(cluster.password)
    port = _free_port()
    with postgres_process(cluster, port, durable=False) as server:
        yield IndexDatabase(engine, cluster.url(port), server.pid)


FILLED = "fill.json"
"""In a database's folder: the figures of its completed fill; a kept folder with it is measured without refilling."""


@contextmanager
def database_folder(engine: str, rows: int, root: Path, keep: Path | None) -> Iterator[Path]:
    """Where the index of `engine` with `rows` registrations is built: a temporary folder under `root`, removed
    afterwards, or with `keep` a folder of its own there (`sqlite-1000000`), kept for the next run."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="drl-bench-verify-", dir=root) as tmp:
            yield Path(tmp)
        return
    folder = keep / f"{engine}-{rows}"
    if not (folder / FILLED).exists():  # a fill that did not finish is not reused
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def _database_mib(url: str, folder: Path) -> int:
    """The database's size on disk: the SQLite file and its WAL, or PostgreSQL's own count."""
    if url.startswith("sqlite"):
        return sum(f.stat().st_size for f in folder.glob("index.db*")) >> 20
    engine = make_engine(url)
    with engine.connect() as connection:
        size = int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    engine.dispose()
    return size >> 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_kib(pid: int) -> tuple[int, int]:
    """Resident and peak memory of the service: its process and its worker processes, summed."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    rss = peak = 0
    for process in (pid, *map(int, children)):
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{process}/status").read_text().splitlines() if ":" in line
        )
        rss += int(fields["VmRSS"].split()[0])
        peak += int(fields["VmHWM"].split()[0])
    return rss, peak


@dataclass
class LoadRun:
    """One run of the load: each request's latency, and what the run cost from its first measured request to its
    last (the warm-up excluded): wall seconds, the service's CPU seconds and this process's (the load generator's)."""

    latencies: list[float]
    elapsed: float
    service_cpu: float
    generator_cpu: float


async def _load(url: str, count: int, requests: int, connections: int, pid: int, constant: bool = False) -> LoadRun:
    """`requests` verifications (or, with `constant`, requests to the constant `/healthz` of the same app) to the
    service `pid` at `url`, after a warm-up of the same route that the figures leave out."""
    latencies: list[float] = []
    rng = random.Random(42)
    failures = TRANSPORT_FAILURES
    queue: asyncio.Queue[str] = asyncio.Queue()
    for _ in range(requests):
        known = rng.random() < 0.9
        queue.put_nowait(_digest("data", rng.randint(1, count)) if known else _digest("unknown", rng.randint(1, 10**9)))

    async def ask(client: httpx.AsyncClient, digest: str) -> httpx.Response:
        if constant:
            return await client.get("/healthz")
        return await client.get("/v1/verify", params={"sha256": digest})

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            digest = queue.get_nowait()
            started = time.perf_counter()
            try:
                response = await ask(client, digest)
            except httpx.TransportError as error:  # counted, not hidden: a dropped connection under load
                failures.append(repr(error))
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:200]}")

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for _ in range(200 // connections + 1):  # warm-up: about 200 requests on as many connections as the run
            await asyncio.gather(*(ask(client, _digest("data", 1)) for _ in range(connections)))
        service_cpu, generator_cpu, started = _tree_cpu_seconds(pid), _own_cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
        service_cpu, generator_cpu = _tree_cpu_seconds(pid) - service_cpu, _own_cpu_seconds() - generator_cpu
    return LoadRun(latencies, elapsed, service_cpu, generator_cpu)


TRANSPORT_FAILURES: list[str] = []
"""Requests whose connection broke (the service dropped it under load), across the runs of one measurement."""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _tree_cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its descendants (a service's workers, a database server's backends),
    those that ended included (counted in their parent once it has reaped them: a replaced worker's CPU stays)."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = sum(int(value) for value in fields[11:15]) / ticks  # utime, stime, cutime, cstime
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(_tree_cpu_seconds(int(child)) for child in children)


def _own_cpu_seconds() -> float:
    """User and system CPU of this process: the load generator's own cost, which shares the cores with the
    service."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def service(database_url: str, folder: Path, workers: int) -> Iterator[tuple[str, int]]:
    """The HTTP service on 127.0.0.1 over `database_url`, as its own process: its URL and process id."""
    port = _free_port()
    env = {
        **os.environ,
        "DRL_DATA_DIR": str(folder),
        "DRL_DATABASE_URL": database_url,
        # one load generator on one address: the per-address limit would measure itself, not the service
        "DRL_RATE_LIMIT_PER_MINUTE": "100000000",
        "DRL_RATE_LIMIT_BURST": "100000000",
    }
    argv = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--log-level", "warning", "--workers", str(workers)]
    server = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300  # a shared, busy machine starts two workers slowly
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.2)
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _summary(load: LoadRun) -> dict[str, float]:
    latencies = load.latencies
    return {
        "per_second": len(latencies) / load.elapsed,
        "p50_ms": _percentile(latencies, 0.5),
        "p95_ms": _percentile(latencies, 0.95),
        "p99_ms": _percentile(latencies, 0.99),
        "service_cpu_ms_per_request": 1000 * load.service_cpu / len(latencies),
        # the generator shares the cores: its CPU per request is taken from the service's
        "generator_cpu_ms_per_request": 1000 * load.generator_cpu / len(latencies),
    }


def _load_service(
    engine: str, url: str, folder: Path, rows: int, options: argparse.Namespace
) -> tuple[list[dict[str, Any]], int, int]:
    """The service over the index at `url`, loaded at each number of connections (verification, then `/healthz`):
    the runs' figures, and the service's resident and peak memory in KiB at the end."""
    runs = []
    with service(url, folder, options.workers) as (base, pid):
        for count in options.connections:
            run: dict[str, Any] = {"connections": count, "load_average": os.getloadavg()}
            for name, constant in (("verify", False), ("constant", True)):
                TRANSPORT_FAILURES.clear()
                load = asyncio.run(_load(base, rows, options.requests, count, pid, constant))
                run[name] = {**_summary(load), "broken_connections": len(TRANSPORT_FAILURES)}
            runs.append(run)
            print(f"{engine} {rows:,} rows, {count} conn.: {json.dumps(run)}", flush=True)
        rss, peak = _rss_kib(pid)
    return runs, rss, peak


def measure(
    engine: str, rows: int, options: argparse.Namespace, root: Path, keep: Path | None = None
) -> dict[str, Any]:
    """Fills an index of `engine` with `rows` registrations in a folder under `root` (or reuses the one kept under
    `keep`), then loads the service with `options.requests` requests at each of `options.connections`."""
    with database_folder(engine, rows, root, keep) as folder, index_database(engine, folder) as database:
        url, filled = database.url, folder / FILLED
        load_before, reused = os.getloadavg(), filled.exists()
        if reused:
            fill = json.loads(filled.read_text())
            print(f"{engine}: {rows:,} registrations kept in {folder}, filled earlier", flush=True)
        else:
            fill = {**fill_index(database, rows), "load_average_before": load_before}
            filled.write_text(json.dumps(fill, indent=2))
        size_mib = _database_mib(url, folder)
        print(
            f"{engine}: indexed {rows:,} registrations in {fill['wall_seconds']:.0f}s ({fill['cpu_seconds']:.0f} CPU s "
            f"here, {fill['server_cpu_seconds']:.0f} CPU s in the server; {size_mib:,} MiB)",
            flush=True,
        )
        plans = query_plans(url, rows)
        runs, rss, peak = ([], 0, 0) if options.fill_only else _load_service(engine, url, folder, rows, options)
        database_mib = _database_mib(url, folder)
    return {
        "engine": engine,
        "registrations": rows,
        "how_filled": "synthetic, well-formed rows (registration, manifest version, submission event) computed by "
        "SQL in the database into the migrated tables; secondary indexes and unique constraints dropped and "
        "recreated from their definitions; analysed (PostgreSQL: vacuumed)",
        "fill_seconds": fill["wall_seconds"],
        "fill": fill,
        "fill_reused": reused,
        "load_average_before_fill": fill["load_average_before"],
        "database_mib": database_mib,
        "workers": options.workers,
        "requests_per_run": options.requests,
        "query_plans": plans,
        "full_scans": [plan["statement"] for plan in plans if plan["full_scan"]],
        "runs": runs,
        "service_rss_mib": rss / 1024,
        "service_peak_rss_mib": peak / 1024,
    }


def machine() -> dict[str, Any]:
    """What the figures were taken on: shared, so the load average goes with them."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {"cpu": cpu, "nproc": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", "--registrations", dest="rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (one per core)")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where the index is built")
    parser.add_argument("--no-doc", action="store_true", help="accepted for older callers; nothing is rewritten")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="build each filled index in DIR/<engine>-<rows> and keep it; one found there is measured without "
        "refilling (run as root, DIR must be enterable by others: PostgreSQL runs as its own user)",
    )
    parser.add_argument("--fill-only", action="store_true", help="fill (or find) the indexes and check their plans")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine(), "measurements": []}
    within = True
    for rows in args.rows:
        for engine in args.engines:
            result = measure(engine, rows, args, args.folder, args.keep)
            figures["measurements"].append(result)
            at_four = [run for run in result["runs"] if run["connections"] == 4]
            within &= all(run["verify"]["p99_ms"] < 20 for run in at_four) and not result["full_scans"]
            if args.json:  # after each measurement: a 10,000,000-row run is long, keep what was measured
                args.json.write_text(json.dumps(figures, indent=2))
    figures["machine"]["load_average_after"] = os.getloadavg()
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
