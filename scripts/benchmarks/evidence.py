"""The evidence log under load (issue 15): entries per second through the API with anchoring on, beside Tessera's
own writer (`tlog bench`, the same options and storage) in the same run; gas per entry; inclusion-proof
latency (p50, p99) built from tiles; on a real anvil chain and a real log, all on 127.0.0.1.

The service runs as `drl serve --workers N` (default 1), a process of its own with its HTTP worker processes, the
outbox worker, the indexer and the anchoring; the clients run in another. The CPU time of the service's process
tree (from /proc) over the entries it recorded is the service's CPU per entry (also net of what the idle service
spends); the log's (`tools/tlog serve`) and Tessera alone's (a child process) are reported beside it. On a shared
machine, CPU per entry moves far less with the load than entries per second. `--profile FILE` records where the
service's CPU goes during the measured run (py-spy, the thread holding the GIL, every worker process) and adds the
hottest functions to the result.

`--prefill N` first records N entries through the API (1,000 a request, not measured), so the measured run
writes to a log and an index N entries large: run once without and once with ten times the entries of the
first run for the "ten times the data" step.

`--storage mysql` runs both the API's log and Tessera alone on Tessera's MySQL storage (each its own database on
one MariaDB server from Debian's packages, started for the run), the storage for several writers; the default is
the POSIX storage.

Run: .venv/bin/python scripts/benchmarks/evidence.py [--seconds 60] [--clients 16] [--batch 50] [--prefill N]
     [--storage posix|mysql] [--workers N] [--profile FILE]
Prints a JSON result with the machine's `nproc` and load average; docs/performance.md records it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

IDLE_SECONDS = 5.0

if TYPE_CHECKING:
    from ledger.config import Settings
    from ledger.runtime import LedgerRuntime
    from ledger.stack.mariadb import MariaDBDatabase


def _machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "note": "other work may run beside the benchmark: the load average above says how busy the machine was",
    }


def tessera_alone(
    seconds: float,
    clients: int,
    batch: int,
    storage: str,
    key: Path,
    env: dict[str, str] | None = None,
    database_pid: int | None = None,
) -> dict[str, Any]:
    """Tessera's own writer (`tlog bench`) on fresh storage (a directory, or `mysql://` and a database), with the
    options `tlog serve` uses and as many entries in flight as the API run had."""
    from api_registrations import cpu_seconds

    from ledger.toolchain import TLOG

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    database_before = cpu_seconds(database_pid) if database_pid else 0.0
    out = subprocess.run(
        [
            str(TLOG.path),
            "bench",
            f"--storage={storage}",
            f"--key={key}",
            f"--duration={seconds}s",
            f"--concurrency={clients * batch}",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(out)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result["cpu_ms_per_entry"] = round(cpu * 1000 / max(result["entries"], 1), 3)
    if database_pid:
        database = cpu_seconds(database_pid) - database_before
        result["database_cpu_ms_per_entry"] = round(database * 1000 / max(result["entries"], 1), 3)
    return result


def _clients(url: str, token: str, seconds: float, clients: int, batch: int, answer: Any) -> None:
    """Clients posting batches of distinct entries to POST /v1/evidence until the time is up (in their own
    process, so their CPU is not the service's). A refused request is counted by its status, its entries not."""
    done = [0] * clients
    latencies: list[float] = []
    refused: dict[int, int] = {}
    refusals: list[str] = []  # the first few problem documents, to say why
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
            sent = 0
            while time.monotonic() < deadline:
                entries = [
                    {
                        "kind": "access",
                        "subject": "0x" + hashlib.sha256(f"{n}:{sent + i}:{time.time_ns()}".encode()).hexdigest(),
                    }
                    for i in range(batch)
                ]
                started = time.monotonic()
                response = http.post("/v1/evidence", json={"entries": entries})
                if response.status_code != 201:
                    refused[response.status_code] = refused.get(response.status_code, 0) + 1
                    if len(refusals) < 5:
                        refusals.append(response.text[:500])
                    continue
                latencies.append(time.monotonic() - started)
                sent += batch
                done[n] = sent

    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    answer.put(
        {
            "clients_cpu_seconds": round(cpu, 2),
            "entries": sum(done),
            "seconds": round(elapsed, 2),
            "entries_per_second": round(sum(done) / elapsed, 1),
            "request_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "request_p99_ms": round(statistics.quantiles(latencies, n=100)[98] * 1000, 1)
            if len(latencies) > 1
            else None,
            "refused": refused,
            "refusals": refusals,
            "clients": clients,
            "batch": batch,
        }
    )


def through_api(
    url: str,
    token: str,
    seconds: float,
    clients: int,
    batch: int,
    service_pid: int,
    log_pid: int | None,
    database_pid: int | None,
    chain_pid: int | None = None,
) -> dict[str, Any]:
    """The clients' run (another process), with the CPU seconds the service (its whole process tree: every HTTP
    worker), the log, the chain node, the clients' own process and (on MySQL storage) the database server spent
    per entry, and all of it against the machine's cores (`cpu`)."""
    from api_registrations import cpu_seconds

    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    idle_before = cpu_seconds(service_pid)
    time.sleep(IDLE_SECONDS)  # what the service spends with no request (workers, indexer), to take off
    idle_per_second = (cpu_seconds(service_pid) - idle_before) / IDLE_SECONDS
    service_before = cpu_seconds(service_pid)
    log_before = cpu_seconds(log_pid) if log_pid else 0.0
    database_before = cpu_seconds(database_pid) if database_pid else 0.0
    chain_before = cpu_seconds(chain_pid) if chain_pid else 0.0
    process = context.Process(target=_clients, args=(url, token, seconds, clients, batch, answer))
    process.start()
    result: dict[str, Any] = answer.get()
    process.join()
    service = cpu_seconds(service_pid) - service_before
    log = (cpu_seconds(log_pid) if log_pid else 0.0) - log_before
    entries = max(result["entries"], 1)
    result["service_cpu_ms_per_entry"] = round(service * 1000 / entries, 3)
    result["service_idle_cpu_ms_per_second"] = round(idle_per_second * 1000, 1)
    net = service - idle_per_second * result["seconds"]
    result["service_cpu_ms_per_entry_net_of_idle"] = round(net * 1000 / entries, 3)
    result["log_cpu_ms_per_entry"] = round(log * 1000 / entries, 3)
    spent = {"service (every process)": service, "log (tlog serve)": log}
    spent["chain (anvil)"] = cpu_seconds(chain_pid) - chain_before if chain_pid else 0.0
    spent["clients (the benchmark's own process)"] = result.pop("clients_cpu_seconds")
    if database_pid:
        database = cpu_seconds(database_pid) - database_before
        result["database_cpu_ms_per_entry"] = round(database * 1000 / entries, 3)
        spent["database (MariaDB)"] = database
    result["cpu"] = cpu_accounting(spent, entries, result["seconds"])
    return result


def cpu_accounting(spent: dict[str, float], entries: int, seconds: float) -> dict[str, Any]:
    """Every process's CPU seconds of the run, per entry and in cores (CPU seconds over the run's seconds), summed
    against the machine's cores: whether the rate could go higher on this machine at all."""
    total = sum(spent.values())
    rows = {
        name: {"ms_per_entry": round(cpu * 1000 / entries, 3), "cores": round(cpu / seconds, 2)}
        for name, cpu in [*spent.items(), ("all", total)]
    }
    return {
        "by_process": rows,
        "nproc": os.cpu_count(),
        # the rate at which this CPU per entry would fill every core, nothing else running
        "entries_per_second_if_all_cores": round((os.cpu_count() or 1) * entries / total) if total else None,
    }


@contextmanager
def service(data: Path, settings: Settings, workers: int) -> Iterator[tuple[str, int]]:
    """`drl serve --workers N` over the benchmark's data directory, as its own process on 127.0.0.1: its URL
    and process id (with N > 1, the HTTP workers are its children)."""
    from api_registrations import drl_serve

    variables = {
        "DRL_RPC_URL": settings.rpc_url,
        "DRL_TLOG_URL": settings.tlog_url,
        "DRL_TLOG_ORIGIN": settings.tlog_origin,
        "DRL_TLOG_ANCHOR_EVERY_ENTRIES": str(settings.tlog_anchor_every_entries),
        "DRL_TLOG_ANCHOR_EVERY_SECONDS": str(settings.tlog_anchor_every_seconds),
    }
    with drl_serve(data, variables, workers) as (url, process):
        yield url, process.pid


def prefill(url: str, token: str, entries: int) -> None:
    """Records `entries` distinct entries through the API, 1,000 a request (not measured)."""
    with httpx.Client(base_url=url, timeout=300, headers={"Authorization": f"Bearer {token}"}) as http:
        for start in range(0, entries, 1000):
            items = [
                {"kind": "access", "subject": "0x" + hashlib.sha256(f"prefill:{n}".encode()).hexdigest()}
                for n in range(start, min(start + 1000, entries))
            ]
            http.post("/v1/evidence", json={"entries": items}).raise_for_status()


def warm_up(url: str, token: str, requests: int, batch: int) -> None:
    """Requests of distinct entries, each on a connection of its own (so the kernel hands them to every HTTP worker
    process): the first-call set-up of each worker is not measured."""
    for n in range(requests):
        items = [
            {"kind": "access", "subject": "0x" + hashlib.sha256(f"warm-up:{n}:{i}".encode()).hexdigest()}
            for i in range(batch)
        ]
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        httpx.post(f"{url}/v1/evidence", json={"entries": items}, headers=headers, timeout=300).raise_for_status()


def proof_latency(runtime: LedgerRuntime, samples: int = 200) -> dict[str, Any]:
    """Inclusion proofs of random entries against the newest checkpoint, each from a cold tile cache."""
    log = runtime.evidence_log
    size = log.checkpoint().size
    timings = []
    for _ in range(samples):
        log._tile.cache_clear()
        index = random.randrange(size)
        started = time.monotonic()
        log.inclusion_proof(index, size, size)
        timings.append(time.monotonic() - started)
    timings.sort()
    return {
        "log_size": size,
        "p50_ms": round(timings[len(timings) // 2] * 1000, 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1] * 1000, 2),
    }


def gas_per_entry(runtime: LedgerRuntime) -> dict[str, Any]:
    """Gas of every anchor transaction the run sent, over the entries they anchored."""
    from ledger.evidence_anchoring import anchored_checkpoints

    with runtime.sessions() as session:
        rows = anchored_checkpoints(session)
    gas, anchored = 0, 0
    for row in rows:
        result = runtime.outbox.wait(row.outbox_key, timeout=120)
        if result.tx_hash:
            gas += int(runtime.w3.eth.get_transaction_receipt(result.tx_hash)["gasUsed"])
        anchored = max(anchored, row.size)
    return {
        "anchors": len(rows),
        "entries_anchored": anchored,
        "gas": gas,
        "gas_per_entry": round(gas / anchored, 3) if anchored else None,
    }


@contextmanager
def _mariadb_databases() -> Iterator[tuple[MariaDBDatabase, MariaDBDatabase, int | None]]:
    """A MariaDB server for the run (durable: InnoDB flushes every commit, as in production), with a database for
    the API's log and one for Tessera alone, and the server's process id (its CPU is the log's too)."""
    from ledger.stack.mariadb import init_server, mariadb_process
    from tests.conftest import free_port

    directory = Path(tempfile.mkdtemp(prefix="drl-mariadb-bench-"))
    try:
        server = init_server(directory)
        port = free_port()
        with mariadb_process(server, port) as process:
            api_log, alone = server.create_database("api_log", port), server.create_database("tessera_alone", port)
            yield api_log, alone, process.pid
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    # The service's modules are imported here, not at the top: the clients' process (spawned) re-imports this
    # file and needs none of them.
    sys.path.insert(0, str(HERE))
    from api_registrations import hottest, profiled

    from api.tokens import Role, issue_token
    from ledger.chain.deployment import deploy
    from ledger.config import Settings
    from ledger.runtime import LedgerRuntime
    from ledger.stack.anvil import anvil_process
    from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
    from ledger.stack.tlog import MYSQL_PASSWORD_VARIABLE, MYSQL_STORAGE, SIGNING_KEY_FILE, tlog_process
    from tests.conftest import free_port

    party = dev_account(3, LOCAL_CHAIN_ID)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--anchor-every", type=int, default=10_000)
    parser.add_argument("--prefill", type=int, default=0, help="entries recorded before the measured run")
    parser.add_argument("--storage", choices=["posix", "mysql"], default="posix", help="Tessera's storage")
    parser.add_argument("--workers", type=int, default=1, help="HTTP worker processes of the service (drl serve)")
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks of the service during the run")
    args = parser.parse_args()
    with TemporaryDirectory() as scratch, ExitStack() as stack:
        data = Path(scratch)
        anvil_port, tlog_port = free_port(), free_port()
        api_database, alone_database, database_pid = (
            stack.enter_context(_mariadb_databases()) if args.storage == "mysql" else (None, None, None)
        )
        with (
            anvil_process(data / "anvil", anvil_port, LOCAL_CHAIN_ID, persist=False) as chain_process,
            tlog_process(data / "tlog", tlog_port, "bench.drl.local/evidence", database=api_database) as log_process,
        ):
            settings = Settings(
                data_dir=data,
                rpc_url=f"http://127.0.0.1:{anvil_port}",
                tlog_url=f"http://127.0.0.1:{tlog_port}",
                tlog_origin="bench.drl.local/evidence",
                tlog_anchor_every_entries=args.anchor_every,
                tlog_anchor_every_seconds=10,
                rate_limit_per_minute=0,
            )
            runtime = LedgerRuntime(settings)  # this process's: the deployment, the token, then proofs and gas
            deploy(runtime.w3, dev_account(0, LOCAL_CHAIN_ID)).save(settings.deployment_file)
            with runtime.sessions.begin() as session:
                token = issue_token(session, party.address, [Role.REGISTRANT], "bench")
            with service(data, settings, args.workers) as (url, service_pid):
                prefill(url, token, args.prefill)
                warm_up(url, token, 4 * args.workers, args.batch)
                watched = profiled(service_pid, args.seconds + IDLE_SECONDS, args.profile) if args.profile else None
                with watched or nullcontext():
                    api = through_api(
                        url,
                        token,
                        args.seconds,
                        args.clients,
                        args.batch,
                        service_pid,
                        log_process.pid,
                        database_pid,
                        chain_process.pid,
                    )
                # What the log said of the run: how often Tessera pushed back (tlog serve adds those entries again),
                # and, when requests were refused, its last lines (the run's directory is removed at the end).
                log_output = (data / "logs" / "tlog.log").read_text(errors="replace")
                api["log_pushed_back_batches"] = log_output.count("pushed back")
                if api["refused"]:  # a 5xx problem document names no cause; the service's log does
                    api["log_output_tail"] = log_output.splitlines()[-20:]
                    service_output = (data / "service.log").read_text(errors="replace").splitlines()
                    api["service_output_tail"] = [line[:500] for line in service_output[-20:]]
                time.sleep(settings.tlog_anchor_every_seconds + 2)  # the last anchor of the run
                proofs = proof_latency(runtime)
                gas = gas_per_entry(runtime)
            key = data / "tlog" / SIGNING_KEY_FILE
            if alone_database is None:
                alone = tessera_alone(args.seconds, args.clients, args.batch, str(data / "tessera-alone"), key)
            else:
                alone = tessera_alone(
                    args.seconds,
                    args.clients,
                    args.batch,
                    MYSQL_STORAGE + alone_database.dsn,
                    key,
                    {MYSQL_PASSWORD_VARIABLE: alone_database.password},
                    database_pid,
                )
            runtime.close()
    result = {
        "machine": _machine(),
        "storage": args.storage,
        "prefilled_entries": args.prefill,
        "workers": args.workers,
        "api_with_anchoring": api,
        "tessera_alone": alone,
        "api_share_of_tessera": round(api["entries_per_second"] / alone["entries_per_second"], 3),
        "gas": gas,
        "inclusion_proof": proofs,
    }
    if args.profile:
        result["profile"] = hottest(args.profile)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
