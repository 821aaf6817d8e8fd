"""Registrations end to end through the API, beside the chain node's own ceiling for the same transactions.

One run, on one fresh chain: anvil and Kubo on loopback, the ledger deployed, the service (`drl serve`, one
process: HTTP, outbox worker, indexer) as its own process. Each client is a registrant with its own key and
token, registering in a loop as a wallet would: `POST /v1/drafts`, sign the manifest, `POST
.../manifest-signature`, sign the application, `POST .../submission?wait=true` (answered once mined). For each
number of clients the run measures registrations a second, the latency of a whole registration (p50, p99),
5xx answers, whether the outbox worker still runs, and then, at the height the chain has reached, the node's
ceiling for the same `submit` transactions signed beforehand and sent straight to it (one connection, and
eight senders on eight connections). A census first counts the JSON-RPC calls and SQL statements the service
makes per registration (in this process, over the same code).

Run: .venv/bin/python scripts/benchmarks/api_registrations.py [--clients 1,4,16,64] [--seconds 20]
Writes benchmarks/results/api_registrations-<UTC time>.json and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from sqlalchemy import event, select
from web3 import Web3

from ledger.chain.contracts import Contracts
from ledger.chain.deployment import Deployment, deploy
from ledger.chain.registry import Submission, signer_nonce, submit
from ledger.chain.transactions import send_and_wait
from ledger.config import Settings
from ledger.encoding import to_hex
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.kubo import kubo_process
from ledger.toolchain import PROJECT_ROOT
from ledger.vocabulary import Grade, Kind, Origin, Right
from tests.factories import manifest_fields

ADMIN = dev_account(0, LOCAL_CHAIN_ID)
CEILING_SENDERS = 8  # dev accounts 1..8, funded by anvil
SUBMIT_GAS = 1_000_000


@dataclass
class Level:
    """One number of clients: the service's figures and the node's ceiling at the same height."""

    clients: int
    seconds: float
    registrations: int
    per_second: float
    p50_ms: float
    p99_ms: float
    server_errors: int
    other_errors: dict[str, int]
    service_cpu_ms_per_registration: float
    client_cpu_ms_per_registration: float  # this process: the clients signing and speaking HTTP, on the same cores
    load_average: list[float]  # at the end of the level's load
    worker_alive: bool
    chain_height: int
    ceiling_one_connection: float
    ceiling_eight_connections: float
    share_of_ceiling: float = field(init=False)

    def __post_init__(self) -> None:
        ceiling = max(self.ceiling_one_connection, self.ceiling_eight_connections)
        self.share_of_ceiling = self.per_second / ceiling if ceiling else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _registrant(index: int) -> LocalAccount:
    account: LocalAccount = Account.from_key(Web3.keccak(text=f"benchmark registrant {index}"))
    return account


def _fields(registrant: str, serial: str) -> dict[str, Any]:
    """A valid manifest whose data commitment is unique to `serial`, as a draft's JSON body carries it."""
    fields = manifest_fields(
        registrant,
        title=f"Benchmark data {serial}",
        time_range={"start": "2024-01-01", "end": "2024-12-31"},
        data_commitment={
            "scheme": "sha256",
            "root": to_hex(Web3.keccak(text=f"data {serial}")),
            "file_count": 1,
            "total_bytes": 1_200_000,
        },
    )
    del fields["created_at"]  # the service stamps the draft
    return fields


def _sign(typed: dict[str, Any], account: LocalAccount) -> str:
    return to_hex(account.sign_message(encode_typed_data(full_message=typed)).signature)


# ---------------------------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    data_dir: Path
    rpc_url: str
    ipfs_url: str
    w3: Web3
    deployment: Deployment


@contextmanager
def chain_and_ipfs(folder: Path) -> Iterator[Stack]:
    """A fresh anvil and Kubo, the ledger deployed and bootstrapped."""
    anvil_port, kubo_port = _free_port(), _free_port()
    with ExitStack() as stack:
        stack.enter_context(anvil_process(folder / "anvil", anvil_port, LOCAL_CHAIN_ID, persist=False))
        stack.enter_context(kubo_process(folder / "kubo", kubo_port, _free_port(), _free_port()))
        rpc_url = f"http://127.0.0.1:{anvil_port}"
        w3 = Web3(Web3.HTTPProvider(rpc_url))
        deployment = deploy(w3, ADMIN)
        bootstrap_local_ledger(w3, deployment, ADMIN, notice_days=7, review_interval_days=365)
        data_dir = folder / "drl"
        data_dir.mkdir()
        deployment.save(data_dir / "deployment.json")
        yield Stack(data_dir, rpc_url, f"http://127.0.0.1:{kubo_port}", w3, deployment)


def admit(stack: Stack, accounts: list[LocalAccount]) -> None:
    access = stack.deployment.contract(stack.w3, "LedgerAccess")
    for account in accounts:
        call = access.functions.admitParty(account.address, Web3.keccak(text=f"identity {account.address}"))
        send_and_wait(stack.w3, ADMIN, call.build_transaction({"from": ADMIN.address}))


def settings(stack: Stack, port: int = 8000) -> Settings:
    return Settings(
        data_dir=stack.data_dir,
        rpc_url=stack.rpc_url,
        ipfs_api_url=stack.ipfs_url,
        api_port=port,
        rate_limit_per_minute=0,
    )


def issue_tokens(stack: Stack, accounts: list[LocalAccount]) -> list[str]:
    from api.tokens import Role, issue_token
    from ledger.runtime import LedgerRuntime

    runtime = LedgerRuntime(settings(stack))
    try:
        with runtime.sessions.begin() as session:
            return [issue_token(session, a.address, [Role.REGISTRANT], f"bench {i}") for i, a in enumerate(accounts)]
    finally:
        runtime.close()


@contextmanager
def service(stack: Stack, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`drl serve --workers N` as its own process on 127.0.0.1 (with N > 1, the HTTP workers are its children)."""
    settings = {"DRL_RPC_URL": stack.rpc_url, "DRL_IPFS_API_URL": stack.ipfs_url}
    with drl_serve(stack.data_dir, settings, workers) as served:
        yield served


@contextmanager
def drl_serve(data_dir: Path, settings: dict[str, str], workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`drl serve --workers N` over `data_dir` with `settings` (DRL_* variables) and no rate limit, on a free
    loopback port, once it answers `/healthz`: its URL and process. Every benchmark that runs the service as its
    own process starts it here; one that is slow to start is not left running behind the failed run."""
    port = _free_port()
    env = {
        **os.environ,
        **settings,
        "DRL_CONFIG": str(data_dir / "no-such-drl.toml"),
        "DRL_API_PORT": str(port),
        "DRL_RATE_LIMIT_PER_MINUTE": "0",
    }
    drl = str(Path(sys.executable).with_name("drl"))
    log = (data_dir / "service.log").open("wb")
    command = [drl, "serve", "--data-dir", str(data_dir), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # a loaded machine takes a minute just to import the service
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.flush()
            tail = (data_dir / "service.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the service did not start (exit code {process.poll()}):\n{tail}")
        time.sleep(0.2)
    try:
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def process_tree(pid: int) -> list[int]:
    """The process and its descendants alive now (the service's HTTP worker processes)."""
    tree, index = [pid], 0
    while index < len(tree):
        for task in Path(f"/proc/{tree[index]}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            tree += [int(child) for child in children if int(child) not in tree]
        index += 1
    return tree


def cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of a process and its descendants (the service's workers)."""
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextmanager
def profiled(pid: int, seconds: float, out: Path | None) -> Iterator[None]:
    """A py-spy profile of the service (collapsed stacks of the thread holding the GIL: where its CPU goes) while
    the block runs, when `out` is given."""
    if out is None:
        yield
        return
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "50", "--gil"]
    command += ["--subprocesses"]  # the HTTP worker processes of `--workers N`
    recorder = subprocess.Popen([*command, "--format", "raw", "--output", str(out), "--nonblocking"])
    try:
        yield
    finally:
        recorder.wait(timeout=seconds + 60)


# The indexer's thread, and the threads its manifest loader fetches and checks on.
ROLES = (("indexer", "<locals>.follow ("), ("indexer", "ledger/index/manifests.py"), ("outbox worker", "run_forever"))
GENERIC = ("threading.py", "_bootstrap", "worker (", "run_sync", "to_thread", "asyncio", "anyio")


def hottest(collapsed: Path, top: int = 25) -> dict[str, Any]:
    """Where the service's CPU went, from py-spy's collapsed stacks: the share of samples of each thread role
    (the indexer, the outbox worker, the requests), and the functions of the requests and the worker most often
    on the stack (inclusive share of all samples)."""
    roles: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        role = next((name for name, marker in ROLES if marker in stack), "requests")
        roles[role] = roles.get(role, 0) + samples
        if role == "indexer":
            continue
        for frame in set(stack.split(";")):
            function, _, place = frame.partition(" (")
            name = f"{function} ({place.split(':')[0].rsplit('/', 1)[-1].rstrip(')')})"
            if not any(marker in name for marker in GENERIC):
                inclusive[name] = inclusive.get(name, 0) + samples
    if not total:
        return {}
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])[:top]
    return {
        "samples": total,
        "roles": {role: round(count / total, 3) for role, count in sorted(roles.items())},
        "functions": [(name, round(count / total, 3)) for name, count in ranked],
    }


def settle(stack: Stack, timeout: float = 300.0) -> None:
    """Waits until the service's indexer has reached the chain's head: the ceiling's transactions are indexed
    before the next level starts, not during it."""
    from ledger.db import make_engine
    from ledger.index.tables import IndexCursor

    head = int(stack.w3.eth.block_number)
    engine = make_engine(settings(stack).resolved_database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                indexed = connection.execute(select(IndexCursor.block_number)).scalar()
            if indexed is not None and indexed >= head:
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def peak_rss_mib(pid: int) -> dict[str, float]:
    """Peak resident memory (VmHWM) of the service's process and of each of its HTTP worker processes."""
    peaks: dict[str, float] = {}
    for number, member in enumerate(process_tree(pid)):
        status = Path(f"/proc/{member}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        peaks["service" if number == 0 else f"worker {number}"] = int(fields["VmHWM"].split()[0]) / 1024
    return peaks


# ---------------------------------------------------------------------------------------------- the clients


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    server_errors: int = 0
    other_errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.other_errors[what] = self.other_errors.get(what, 0) + 1


async def _register(client: httpx.AsyncClient, account: LocalAccount, serial: str, tally: Tally) -> bool:
    """One registration, start to mined; False (tallied) when any step fails."""
    response = await client.post("/v1/drafts", json=_fields(account.address, serial))
    for _ in range(3):
        if response.status_code >= 500:
            tally.server_errors += 1
            return False
        if response.status_code >= 400:
            tally.error(f"{response.status_code} {response.json().get('code', '')}")
            return False
        draft = response.json()
        if draft["state"] == "submitted":
            if draft["write"]["status"] != "mined":
                tally.error(f"write {draft['write']['status']}")
                return False
            return True
        path = "manifest-signature" if draft["state"] == "draft" else "submission"
        params = {"wait": "true"} if path == "submission" else {}
        response = await client.post(
            f"/v1/drafts/{draft['id']}/{path}", json={"signature": _sign(draft["to_sign"], account)}, params=params
        )
    tally.error("no state")
    return False


async def _client(url: str, token: str, account: LocalAccount, index: int, until: float, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        serial = 0
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                done = await _register(client, account, f"{account.address}-{index}-{serial}-{time.time_ns()}", tally)
            except httpx.HTTPError as error:
                tally.error(type(error).__name__)
                done = False
            if done and time.monotonic() <= until + 60:
                tally.latencies.append(time.perf_counter() - started)
            serial += 1


def load(
    url: str, tokens: list[str], accounts: list[LocalAccount], clients: int, seconds: float
) -> tuple[Tally, float]:
    tally = Tally()

    async def run() -> float:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(_client(url, tokens[i], accounts[i], i, until, tally) for i in range(clients)))
        return time.monotonic() - started

    elapsed = asyncio.run(run())
    return tally, elapsed


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------------------------------------- the node alone


def ceiling(stack: Stack, registrants: list[LocalAccount], count: int, senders: int) -> float:
    """`submit` transactions a second the node takes with nothing in between: `count` applications signed and
    their transactions signed beforehand, sent by `senders` threads (one sender key and connection each), timed
    from the first send to the last receipt."""
    w3 = stack.w3
    contracts = Contracts(w3, stack.deployment)
    block = w3.eth.get_block("latest")
    deadline = int(block["timestamp"]) + 86_400
    priority = int(w3.eth.max_priority_fee)
    max_fee = 2 * int(block.get("baseFeePerGas", 0)) + priority + 10**9
    batches: list[list[bytes]] = []
    for lane in range(senders):
        sender, registrant = dev_account(1 + lane, LOCAL_CHAIN_ID), registrants[lane]
        nonce = w3.eth.get_transaction_count(sender.address, "pending")
        registrant_nonce = signer_nonce(contracts, registrant.address)
        raws = []
        for i in range(count // senders):
            application = Submission(
                registrant=registrant.address,
                authority_id=1,
                kind=Kind.DATA_RESOURCE,
                origin=Origin.ENTERPRISE,
                grade=Grade.GENERAL,
                personal_info=False,
                rights=frozenset({Right.RESOURCE_HOLDING, Right.PROCESSING_AND_USE}),
                manifest_digest=Web3.keccak(text=f"ceiling manifest {registrant.address} {registrant_nonce + i}"),
                data_commitment=Web3.keccak(text=f"ceiling data {registrant.address} {registrant_nonce + i}"),
                nonce=registrant_nonce + i,
                deadline=deadline,
            )
            signature = application.sign(registrant, LOCAL_CHAIN_ID, stack.deployment.registrations)
            write = submit(contracts, application, signature)
            transaction: dict[str, Any] = {
                "chainId": LOCAL_CHAIN_ID,
                "to": write.to,
                "data": write.data,
                "value": 0,
                "nonce": nonce + i,
                "gas": SUBMIT_GAS,
                "maxFeePerGas": max_fee,
                "maxPriorityFeePerGas": priority,
                "type": 2,
            }
            raws.append(bytes(sender.sign_transaction(transaction).raw_transaction))
        batches.append(raws)

    def send(raws: list[bytes]) -> None:
        lane = Web3(Web3.HTTPProvider(stack.rpc_url))
        hashes = [lane.eth.send_raw_transaction(raw) for raw in raws]
        for tx_hash in hashes:
            receipt = lane.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.01)
            if receipt["status"] != 1:
                raise RuntimeError(f"a ceiling transaction reverted: {to_hex(tx_hash)}")

    threads = [threading.Thread(target=send, args=(raws,)) for raws in batches]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(len(raws) for raws in batches) / (time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------- the census


def census(stack: Stack, accounts: list[LocalAccount], tokens: list[str], registrations: int) -> dict[str, Any]:
    """JSON-RPC calls and SQL statements of the service per registration, counted in this process over the
    same code (HTTP service, outbox worker and indexer), one client registering in a loop."""
    import uvicorn

    from api.app import create_app
    from ledger.cli import run_background_workers
    from ledger.runtime import LedgerRuntime

    port = _free_port()
    runtime = LedgerRuntime(settings(stack, port))
    counts = {"rpc": 0, "sql": 0}
    by_method: dict[str, int] = {}
    provider = runtime.w3.provider
    make_request = provider.make_request

    def counted(method: Any, params: Any) -> Any:
        counts["rpc"] += 1
        by_method[str(method)] = by_method.get(str(method), 0) + 1
        return make_request(method, params)

    provider.make_request = counted  # type: ignore[method-assign]

    by_statement: dict[str, int] = {}

    def statement(_connection: Any, _cursor: Any, sql: str, *_: Any) -> None:
        counts["sql"] += 1
        words = " ".join(sql.split()[:6])[:90]
        by_statement[words] = by_statement.get(words, 0) + 1

    event.listen(runtime.engine, "before_cursor_execute", statement)
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    stop = threading.Event()
    workers = run_background_workers(runtime, stop, interval=2.0)
    try:
        load(f"http://127.0.0.1:{port}", tokens, accounts, 1, 2.0)  # warm-up
        counts.update(rpc=0, sql=0)
        by_method.clear()
        by_statement.clear()
        started = time.monotonic()
        tally = Tally()

        async def run() -> None:
            headers = {"Authorization": f"Bearer {tokens[0]}"}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
                for serial in range(registrations):
                    await _register(client, accounts[0], f"census-{serial}-{time.time_ns()}", tally)

        asyncio.run(run())
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        server.should_exit = True
        thread.join(timeout=10)
        for worker in workers:
            worker.join(timeout=10)
        runtime.close()
    done = len(tally.latencies) or registrations
    return {
        "registrations": registrations,
        "seconds": round(elapsed, 2),
        "json_rpc_calls_per_registration": round(counts["rpc"] / done, 1),
        "sql_statements_per_registration": round(counts["sql"] / done, 1),
        "json_rpc_calls_by_method": {k: round(v / done, 2) for k, v in sorted(by_method.items())},
        "sql_statements_by_kind": {
            k: round(v / done, 2) for k, v in sorted(by_statement.items(), key=lambda item: -item[1])[:25]
        },
    }


# ---------------------------------------------------------------------------------------------- the run


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "shared": "the machine was shared with other work during the run: figures are lower bounds",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,4,16,64")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of load per number of clients")
    parser.add_argument("--ceiling-transactions", type=int, default=400)
    parser.add_argument("--census", type=int, default=20, help="registrations counted for calls per registration")
    parser.add_argument("--census-only", action="store_true", help="count calls and statements, measure nothing")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--profile-clients", default="16", help="profile the service at these levels, comma-separated (0: none)"
    )
    parser.add_argument("--workers", type=int, default=1, help="HTTP worker processes of the service (drl serve)")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    profiled_levels = {int(c) for c in args.profile_clients.split(",")}
    accounts = [_registrant(i) for i in range(max(levels))]
    ceiling_registrants = [_registrant(10_000 + i) for i in range(CEILING_SENDERS)]
    machine_before = machine()
    results: list[Level] = []
    hot: dict[int, dict[str, Any]] = {}
    args.out.mkdir(parents=True, exist_ok=True)
    with TemporaryDirectory(prefix="drl-bench-") as folder, chain_and_ipfs(Path(folder)) as stack:
        admit(stack, accounts + ceiling_registrants)
        tokens = issue_tokens(stack, accounts)
        counted: dict[str, Any] = {}
        if args.census:
            with service(stack):  # the index caught up with the admissions first: they are not registrations
                settle(stack)
            counted = census(stack, accounts, tokens, args.census)
        print(f"census: {json.dumps(counted, indent=1)}", flush=True)
        if args.census_only:
            return
        with service(stack, args.workers) as (url, process):
            for clients in levels:
                settle(stack)
                cpu_before, client_cpu_before = cpu_seconds(process.pid), time.process_time()
                name = f"profile-{clients}-clients-{args.workers}-workers.txt"
                profile = args.out / name if clients in profiled_levels else None
                with profiled(process.pid, args.seconds, profile):
                    tally, elapsed = load(url, tokens, accounts, clients, args.seconds)
                cpu = cpu_seconds(process.pid) - cpu_before
                client_cpu = time.process_time() - client_cpu_before
                load_average = [round(x, 2) for x in os.getloadavg()]
                if profile is not None and profile.exists():
                    hot[clients] = hottest(profile)
                ready = httpx.get(f"{url}/readyz", timeout=10).json()
                alive = "outbox_worker_stopped" not in json.dumps(ready)
                height = int(stack.w3.eth.block_number)
                one = ceiling(stack, ceiling_registrants, args.ceiling_transactions // 2, 1)
                eight = ceiling(stack, ceiling_registrants, args.ceiling_transactions, CEILING_SENDERS)
                level = Level(
                    clients=clients,
                    seconds=round(elapsed, 2),
                    registrations=len(tally.latencies),
                    per_second=round(len(tally.latencies) / elapsed, 1),
                    p50_ms=round(_quantile(tally.latencies, 0.5) * 1000, 1),
                    p99_ms=round(_quantile(tally.latencies, 0.99) * 1000, 1),
                    server_errors=tally.server_errors,
                    other_errors=tally.other_errors,
                    service_cpu_ms_per_registration=round(cpu * 1000 / max(len(tally.latencies), 1), 1),
                    client_cpu_ms_per_registration=round(client_cpu * 1000 / max(len(tally.latencies), 1), 1),
                    load_average=load_average,
                    worker_alive=alive,
                    chain_height=height,
                    ceiling_one_connection=round(one, 1),
                    ceiling_eight_connections=round(eight, 1),
                )
                results.append(level)
                print(json.dumps(asdict(level)), flush=True)
            rss = peak_rss_mib(process.pid)
    peak = max(level.per_second for level in results)
    report = {
        "benchmark": "api_registrations",
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine_before": machine_before,
        "machine_after": machine(),
        "block_time": "0 (anvil automine: each transaction mined on arrival)",
        "census": counted,
        "workers": args.workers,
        "service_peak_rss_mib": {name: round(peak, 1) for name, peak in rss.items()},
        "levels": [asdict(level) for level in results],
        "profile": {str(clients): ranked for clients, ranked in hot.items()},
        "peak_per_second": peak,
        "last_level_share_of_peak": round(results[-1].per_second / peak, 3) if peak else 0.0,
    }
    path = args.out / f"api_registrations-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(
        "| clients | registrations/s | p50 | p99 | 5xx | worker alive | service CPU / reg. "
        "| node ceiling (1 / 8 conn.) | share |"
    )
    print("|---:|---:|---:|---:|---:|:---:|---:|---:|---:|")
    for level in results:
        print(
            f"| {level.clients} | {level.per_second} | {level.p50_ms} ms | {level.p99_ms} ms | {level.server_errors} "
            f"| {'yes' if level.worker_alive else 'NO'} | {level.service_cpu_ms_per_registration} ms "
            f"| {level.ceiling_one_connection} / "
            f"{level.ceiling_eight_connections} | {level.share_of_ceiling:.1%} |"
        )
    peaks = ", ".join(f"{name} {peak:.0f}" for name, peak in rss.items())
    print(f"\n{args.workers} worker(s); peak RSS (MiB): {peaks}; written to {path}")


if __name__ == "__main__":
    main()
