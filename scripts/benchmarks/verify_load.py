"""Verification by hash under load: p50/p99 latency and requests a second with 1,000,000 and 10,000,000
registrations indexed, in SQLite and PostgreSQL, beside the same service's constant route; the service's memory.

The index is filled directly through the ledger's own tables (created by its migrations): per registration the
rows the follower writes for a submission (the registration's state, its first manifest version, its
`RegistrationSubmitted` event), with synthetic but well-formed values (digests are sha256 of a label and the
number, so the load generator knows which hashes are registered). Secondary indexes are dropped for the bulk
insert and recreated from their own definitions afterwards, then the tables are analysed: the end state is the
schema the migrations made. The query plans of one verification are checked for full scans (EXPLAIN). The
service runs as its own process on 127.0.0.1, and an asyncio load generator (httpx) on the same machine asks
`GET /v1/verify?sha256=` for registered hashes (and 10 % unknown ones), with a fixed number of connections, for
a bounded number of requests; then the same for `/healthz`.

Run: .venv/bin/python scripts/benchmarks/verify_load.py [--rows 1000000] [--engines sqlite postgresql]
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledger.db import make_engine, make_sessionmaker
from ledger.migrations import upgrade_schema
from ledger.toolchain import PROJECT_ROOT
from ledger.verification import verify

BATCH = 50_000
TABLES = ("registrations", "manifest_versions", "chain_events")
REGISTRANT = "0x" + "ab" * 20


def _digest(kind: str, i: int) -> str:
    return "0x" + hashlib.sha256(f"{kind}:{i}".encode()).hexdigest()


def _rows(first: int, last: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of registrations `first`..`last` - 1: state, first manifest version, submission event."""
    registrations, versions, events = [], [], []
    for i in range(first, last):
        manifest, data, tx = _digest("manifest", i), _digest("data", i), _digest("tx", i)
        registrations.append((i, REGISTRANT, manifest, data, i, tx, 1_700_000_000 + i, i))
        versions.append((i, manifest, data, i, tx))
        args = json.dumps({"registrationId": i, "dataCommitment": data, "manifestDigest": manifest})
        events.append((i, _digest("block", i), 1_700_000_000 + i, tx, f"registration:{i}", i, REGISTRANT, args))
    return registrations, versions, events


REGISTRATION_COLUMNS = (
    "id, registrant, authority_id, kind, origin, grade, personal_info, rights, status, version, manifest_digest, "
    "data_commitment, open_objections, submitted_block, submitted_tx, submitted_at, updated_block"
)
VERSION_COLUMNS = "registration_id, version, manifest_digest, data_commitment, block_number, tx_hash"
EVENT_COLUMNS = (
    "block_number, block_hash, timestamp, tx_hash, log_index, contract, name, scope, registration_id, actor, args"
)


def _fill_sqlite(path: Path, count: int) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MiB while the indexes are built
    names = ",".join(f"'{t}'" for t in TABLES)
    indexes = db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN ({names})"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    for first in range(1, count + 1, BATCH):
        registrations, versions, events = _rows(first, min(first + BATCH, count + 1))
        db.executemany(
            f"INSERT INTO registrations ({REGISTRATION_COLUMNS}) "
            "VALUES (?, ?, 1, 0, 1, 0, 0, 3, 1, 0, ?, ?, 0, ?, ?, ?, ?)",
            registrations,
        )
        db.executemany(
            f"INSERT INTO manifest_versions ({VERSION_COLUMNS}) VALUES (?, 1, ?, ?, ?, ?)",
            versions,
        )
        db.executemany(
            f"INSERT INTO chain_events ({EVENT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, 0, 'Registrations', 'RegistrationSubmitted', ?, ?, ?, ?)",
            events,
        )
        db.commit()
    for _, sql in indexes:
        db.execute(sql)
    db.execute("ANALYZE")
    db.commit()
    db.close()


def _fill_postgresql(url: str, count: int) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as db:
        indexes = db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (list(TABLES),),
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        db.commit()
        for first in range(1, count + 1, BATCH):
            registrations, versions, events = _rows(first, min(first + BATCH, count + 1))
            with db.cursor() as cursor:
                with cursor.copy(f"COPY registrations ({REGISTRATION_COLUMNS}) FROM STDIN") as copy:
                    for i, registrant, manifest, data, block, tx, at, updated in registrations:
                        row = (i, registrant, 1, 0, 1, 0, False, 3, 1, 0, manifest, data, 0, block, tx, at, updated)
                        copy.write_row(row)
                with cursor.copy(f"COPY manifest_versions ({VERSION_COLUMNS}) FROM STDIN") as copy:
                    for i, manifest, data, block, tx in versions:
                        copy.write_row((i, 1, manifest, data, block, tx))
                with cursor.copy(f"COPY chain_events ({EVENT_COLUMNS}) FROM STDIN") as copy:
                    for block, block_hash, at, tx, scope, i, actor, args in events:
                        row = (block, block_hash, at, tx, 0, "Registrations", "RegistrationSubmitted", scope, i)
                        copy.write_row((*row, actor, args))
            db.commit()
        db.execute("SET maintenance_work_mem = '512MB'")
        for _, sql in indexes:
            db.execute(sql)
        db.commit()
        db.execute("ANALYZE")
        db.commit()


def fill_index(url: str, count: int) -> float:
    """Writes `count` submitted registrations into a fresh index database at `url`; returns seconds taken."""
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    started = time.perf_counter()
    if url.startswith("sqlite"):
        _fill_sqlite(Path(url.removeprefix("sqlite:///")), count)
    else:
        _fill_postgresql(url, count)
    return time.perf_counter() - started


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
                full = any(line.startswith("SCAN ") and "USING" not in line for line in plan)
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


@contextmanager
def index_database(engine: str, folder: Path) -> Iterator[str]:
    """An empty database of `engine` in `folder`: a SQLite file, or a PostgreSQL 15 server on 127.0.0.1."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / 'index.db'}"
        return
    from ledger.stack.postgres import init_cluster, postgres_process

    # its own folder beside `folder`: the cluster is chowned to the server's user, which cannot enter `folder`
    directory = Path(tempfile.mkdtemp(prefix="drl-bench-verify-postgres-", dir=folder.parent))
    try:
        cluster = init_cluster(directory)
        port = _free_port()
        with postgres_process(cluster, port, durable=False):
            yield cluster.url(port)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


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


async def _load(url: str, count: int, requests: int, connections: int, constant: bool = False) -> list[float]:
    """Latencies of `requests` verifications (or, with `constant`, of the constant `/healthz` of the same app)."""
    latencies: list[float] = []
    rng = random.Random(42)
    failures = TRANSPORT_FAILURES
    queue: asyncio.Queue[str] = asyncio.Queue()
    for _ in range(requests):
        known = rng.random() < 0.9
        queue.put_nowait(_digest("data", rng.randint(1, count)) if known else _digest("unknown", rng.randint(1, 10**9)))

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            digest = queue.get_nowait()
            started = time.perf_counter()
            try:
                if constant:
                    response = await client.get("/healthz")
                else:
                    response = await client.get("/v1/verify", params={"sha256": digest})
            except httpx.TransportError as error:  # counted, not hidden: a dropped connection under load
                failures.append(repr(error))
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:200]}")

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for _ in range(200):  # warm-up
            await client.get("/v1/verify", params={"sha256": _digest("data", 1)})
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    return latencies


TRANSPORT_FAILURES: list[str] = []
"""Requests whose connection broke (the service dropped it under load), across the runs of one measurement."""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of the service: its process and its worker processes, summed."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in (pid, *map(int, children)):
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


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


def _summary(latencies: list[float], elapsed: float, cpu: float) -> dict[str, float]:
    return {
        "per_second": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 0.5),
        "p95_ms": _percentile(latencies, 0.95),
        "p99_ms": _percentile(latencies, 0.99),
        "service_cpu_ms_per_request": 1000 * cpu / len(latencies),
    }


def measure(engine: str, rows: int, requests: int, connections: list[int], workers: int, root: Path) -> dict[str, Any]:
    """Fills an index of `engine` with `rows` registrations in a folder under `root`, then loads the service."""
    with tempfile.TemporaryDirectory(prefix="drl-bench-verify-", dir=root) as tmp:
        folder = Path(tmp)
        with index_database(engine, folder) as url:
            load_before = os.getloadavg()
            fill_seconds = fill_index(url, rows)
            size_mib = _database_mib(url, folder)
            print(f"{engine}: indexed {rows:,} registrations in {fill_seconds:.0f}s ({size_mib:,} MiB)", flush=True)
            plans = query_plans(url, rows)
            runs = []
            with service(url, folder, workers) as (base, pid):
                for count in connections:
                    run: dict[str, Any] = {"connections": count, "load_average": os.getloadavg()}
                    for name, constant in (("verify", False), ("constant", True)):
                        TRANSPORT_FAILURES.clear()
                        cpu, started = _cpu_seconds(pid), time.perf_counter()
                        latencies = asyncio.run(_load(base, rows, requests, count, constant))
                        elapsed, cpu = time.perf_counter() - started, _cpu_seconds(pid) - cpu
                        run[name] = {**_summary(latencies, elapsed, cpu), "broken_connections": len(TRANSPORT_FAILURES)}
                    runs.append(run)
                    print(f"{engine} {rows:,} rows, {count} conn.: {json.dumps(run)}", flush=True)
                rss, peak = _rss_kib(pid)
            database_mib = _database_mib(url, folder)
    return {
        "engine": engine,
        "registrations": rows,
        "how_filled": "bulk inserts of synthetic, well-formed rows (registration, manifest version, submission "
        "event) into the migrated tables; secondary indexes dropped and recreated from their definitions; analysed",
        "fill_seconds": fill_seconds,
        "load_average_before_fill": load_before,
        "database_mib": database_mib,
        "workers": workers,
        "requests_per_run": requests,
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
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine(), "measurements": []}
    within = True
    for rows in args.rows:
        for engine in args.engines:
            result = measure(engine, rows, args.requests, args.connections, args.workers, args.folder)
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
