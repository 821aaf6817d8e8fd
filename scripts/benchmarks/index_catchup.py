"""Indexer catch-up from an empty database: events a second over a long history, and manifests a second.

A fresh anvil gets `--registrations` registrations written straight to it (chain_history.py), the first
`--manifests` of them with real signed manifests stored on a fresh, isolated Kubo node. The follower then
indexes the whole history into an empty database (SQLite, and PostgreSQL when its server is installed), in a
child process so that its peak memory is its own, and the manifest loader loads every manifest. Target: at
least 5,000 events a second; every manifest loaded.

Run: .venv/bin/python scripts/benchmarks/index_catchup.py [--registrations 100000] [--manifests 2000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from chain_history import Digests, Registrar, Rpc, anvil, deployed_ledger, free_port

from ledger.chain.deployment import Deployment
from ledger.chain.typed_data import typed_data
from ledger.db import make_engine, make_sessionmaker
from ledger.encoding import from_hex, to_hex
from ledger.index.follower import ChainFollower
from ledger.index.manifests import load_manifests
from ledger.index.queries import index_totals
from ledger.index.tables import ManifestVersion
from ledger.ipfs import IpfsClient
from ledger.manifest.canonical import canonical_json, document_digest, sha256
from ledger.manifest.model import Manifest, RegistrantSignature, SignedManifest
from ledger.manifest.signing import bound_fields
from ledger.migrations import upgrade_schema
from ledger.stack.devkeys import LOCAL_CHAIN_ID
from ledger.stack.kubo import kubo_process
from tests.factories import manifest_fields

TARGET_EVENTS_PER_SECOND = 5_000


def _manifest(registrant: str, number: int, chain_id: int, registry: str) -> Manifest:
    fields = manifest_fields(
        registrant,
        title=f"基准数据集 {number}",
        description="A data set registered by the indexer benchmark.",
        source={"description": "Benchmark.", "collection_method": "self_collected"},
        volume="1 file",
        data_commitment={
            "scheme": "sha256",
            "root": to_hex(sha256(f"benchmark data {number}".encode())),
            "file_count": 1,
            "total_bytes": 1_000 + number,
        },
    )
    return Manifest.model_validate(bound_fields(fields, chain_id, registry))


def store_manifests(rpc: Rpc, ipfs: IpfsClient, registrar: Registrar, count: int) -> list[Digests]:
    """`count` manifests signed by the registrant (through the node) and stored on Kubo; their digests."""
    registry = registrar.deployment.registrations
    manifests = [_manifest(registrar.registrant, n, LOCAL_CHAIN_ID, registry) for n in range(count)]
    digests: list[Digests] = []
    for first in range(0, count, 250):
        chunk = manifests[first : first + 250]
        signatures = rpc.batch(
            [
                (
                    "eth_signTypedData_v4",
                    [
                        registrar.registrant,
                        typed_data(
                            "Manifest",
                            {"registrant": m.registrant, "manifestHash": to_hex(document_digest(m))},
                            LOCAL_CHAIN_ID,
                            registry,
                        ),
                    ],
                )
                for m in chunk
            ]
        )
        for manifest, signature in zip(chunk, signatures, strict=True):
            document = SignedManifest(
                manifest=manifest, signature=RegistrantSignature(signer=manifest.registrant, value=signature.lower())
            )
            block = canonical_json(document)
            ipfs.put_raw_block(block)
            digests.append((sha256(block), from_hex(manifest.data_commitment.root)))
    return digests


def _catch_up(
    rpc_url: str, deployment_json: str, database_url: str, ipfs_url: str, manifests: int, answer: Any
) -> None:
    """In a child process: follow the chain into an empty database, then load every manifest; report timings.

    Only the first `manifests` registrations have their manifests on the node (storing 100,000 through Kubo's
    API would take longer than the rest of the benchmark): the others' manifest versions are set aside before
    the loader runs, so that it is timed on manifests it can load, not on misses.
    """
    from web3 import Web3

    deployment = Deployment.model_validate_json(deployment_json)
    engine = make_engine(database_url)
    upgrade_schema(engine)
    sessions = make_sessionmaker(engine)
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 300}))
    started, cpu_started, server_started = time.perf_counter(), time.process_time(), server_cpu_seconds(database_url)
    report = ChainFollower(w3, deployment, sessions).sync()
    follow_seconds, follow_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    follow_server_cpu_seconds = server_cpu_seconds(database_url) - server_started
    with sessions.begin() as session:  # only the first `manifests` registrations have manifests on the node
        session.execute(delete(ManifestVersion).where(ManifestVersion.registration_id > manifests))
    started = time.perf_counter()
    with IpfsClient(ipfs_url) as ipfs:
        loaded = load_manifests(sessions, ipfs, deployment.chain_id, deployment.registrations)
    manifest_seconds = time.perf_counter() - started
    with sessions() as session:
        totals = index_totals(session)
    answer.put(
        {
            "events": report.events,
            "follow_seconds": follow_seconds,
            "follow_cpu_seconds": follow_cpu_seconds,
            "follow_server_cpu_seconds": follow_server_cpu_seconds,
            "manifests": loaded,
            "manifest_seconds": manifest_seconds,
            "registrations": totals.registrations,
            "manifest_versions": totals.manifest_versions,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def server_cpu_seconds(database_url: str) -> float:
    """CPU seconds (user + system) used so far by the PostgreSQL server of `database_url` on this machine: its
    postmaster, every process under it, and the children it has reaped (ended backends); 0 for SQLite."""
    port = make_url(database_url).port
    if port is None:
        return 0.0
    processes: dict[int, tuple[int, int, bytes]] = {}  # pid: (parent, CPU ticks with reaped children, argv)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat, argv = (entry / "stat").read_text(), (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        processes[int(entry.name)] = (int(fields[1]), sum(int(ticks) for ticks in fields[11:15]), argv)
    server = {pid for pid, (_, _, argv) in processes.items() if f"-cport={port}".encode() in argv}
    tree = {pid for pid in server if processes[pid][0] not in server}
    while more := {pid for pid, (parent, _, _) in processes.items() if parent in tree} - tree:
        tree |= more
    return sum(processes[pid][1] for pid in tree) / os.sysconf("SC_CLK_TCK")


def catch_up(rpc_url: str, deployment: Deployment, database_url: str, ipfs_url: str, manifests: int) -> dict[str, Any]:
    """The catch-up in a child process (its own peak memory), with its figures."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    child = context.Process(
        target=_catch_up, args=(rpc_url, deployment.model_dump_json(), database_url, ipfs_url, manifests, answer)
    )
    child.start()
    result: dict[str, Any] = answer.get(timeout=3_600)
    child.join()
    result["events_per_second"] = result["events"] / result["follow_seconds"]
    # the comparable figure on a shared machine: the indexer's own CPU time (user + system), not the wall clock
    result["cpu_seconds_per_1000_events"] = 1_000 * result["follow_cpu_seconds"] / max(result["events"], 1)
    # PostgreSQL works in its own processes: its CPU time during the catch-up, per 1,000 events (0 on SQLite)
    result["server_cpu_seconds_per_1000_events"] = (
        1_000 * result["follow_server_cpu_seconds"] / max(result["events"], 1)
    )
    result["manifests_per_second"] = result["manifests"] / max(result["manifest_seconds"], 1e-9)
    return result


@contextmanager
def postgres_database(folder: Path) -> Iterator[str | None]:
    """A PostgreSQL 15 database on 127.0.0.1 when the server is installed, else None."""
    from ledger.stack.postgres import init_cluster, postgres_bin_dir, postgres_process

    try:
        postgres_bin_dir()
    except Exception:  # noqa: BLE001 - no server here: the benchmark runs on SQLite only
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="drl-bench-postgres-"))
    try:
        cluster = init_cluster(directory)
        port = free_port()
        with postgres_process(cluster, port, durable=False):
            yield cluster.url(port)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run(registrations: int, manifests: int, engines: tuple[str, ...] = ("sqlite", "postgresql")) -> dict[str, Any]:
    """Writes the history, catches up on each engine; the figures."""
    with tempfile.TemporaryDirectory(prefix="drl-bench-index-") as tmp:
        folder = Path(tmp)
        port, api_port = free_port(), free_port()
        with anvil(folder / "anvil", port), kubo_process(folder / "kubo", api_port, free_port(), free_port()):
            url = f"http://127.0.0.1:{port}"
            ipfs_url = f"http://127.0.0.1:{api_port}"
            w3, deployment = deployed_ledger(url)
            rpc = Rpc(url)
            registrar = Registrar(rpc, deployment)
            started = time.perf_counter()
            with IpfsClient(ipfs_url) as ipfs:
                digests = store_manifests(rpc, ipfs, registrar, min(manifests, registrations))
            manifest_store_seconds = time.perf_counter() - started
            started = time.perf_counter()
            blocks = registrar.write(registrations, digests=digests)
            write_seconds = time.perf_counter() - started
            result: dict[str, Any] = {
                "load_average_at_start": os.getloadavg(),
                "nproc": os.cpu_count(),
                "registrations": registrations,
                "blocks": blocks,
                "head": w3.eth.block_number,
                "write_per_second": registrations / write_seconds,
                "manifests_stored_per_second": len(digests) / max(manifest_store_seconds, 1e-9),
                "engines": {},
            }
            if "sqlite" in engines:
                database = f"sqlite:///{folder / 'index.db'}"
                result["engines"]["sqlite"] = catch_up(url, deployment, database, ipfs_url, len(digests))
            if "postgresql" in engines:
                with postgres_database(folder) as database_url:
                    if database_url is not None:
                        result["engines"]["postgresql"] = catch_up(
                            url, deployment, database_url, ipfs_url, len(digests)
                        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--manifests", type=int, default=2_000)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    result = run(args.registrations, args.manifests, tuple(args.engines))
    result["load_average_at_end"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    fast = all(e["events_per_second"] >= TARGET_EVENTS_PER_SECOND for e in result["engines"].values())
    return 0 if fast else 1


if __name__ == "__main__":
    sys.exit(main())
