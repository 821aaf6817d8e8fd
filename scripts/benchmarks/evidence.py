"""The evidence log under load (issue 15): entries per second through the API with anchoring on, beside Tessera's
own writer (`tlog bench`, the same options and POSIX storage) in the same run; gas per entry; inclusion-proof
latency (p50, p99) built from tiles; on a real anvil chain and a real log, all on 127.0.0.1.

Run: .venv/bin/python scripts/benchmarks/evidence.py [--seconds 60] [--clients 16] [--batch 50]
Prints a JSON result with the machine's `nproc` and load average; docs/performance.md records it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from api.tokens import Role, issue_token  # noqa: E402
from ledger.chain.deployment import deploy  # noqa: E402
from ledger.cli import run_background_workers  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.evidence_anchoring import anchored_checkpoints  # noqa: E402
from ledger.runtime import LedgerRuntime  # noqa: E402
from ledger.stack.anvil import anvil_process  # noqa: E402
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account  # noqa: E402
from ledger.stack.tlog import SIGNING_KEY_FILE, tlog_process  # noqa: E402
from ledger.toolchain import TLOG  # noqa: E402
from tests.conftest import free_port  # noqa: E402

PARTY = dev_account(3, LOCAL_CHAIN_ID)


def _machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "note": "a shared machine (other sessions ran at the same time)",
    }


def tessera_alone(seconds: float, clients: int, batch: int, storage: Path, key: Path) -> dict[str, Any]:
    """Tessera's own writer (`tlog bench`) on fresh POSIX storage, with the options `tlog serve` uses and as many
    entries in flight as the API run had."""
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
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def through_api(url: str, token: str, seconds: float, clients: int, batch: int) -> dict[str, Any]:
    """Clients posting batches of distinct entries to POST /v1/evidence until the time is up."""
    done = [0] * clients
    latencies: list[float] = []
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
                response.raise_for_status()
                latencies.append(time.monotonic() - started)
                sent += batch
                done[n] = sent

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "entries": sum(done),
        "seconds": round(elapsed, 2),
        "entries_per_second": round(sum(done) / elapsed, 1),
        "request_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "clients": clients,
        "batch": batch,
    }


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--anchor-every", type=int, default=10_000)
    args = parser.parse_args()
    with TemporaryDirectory() as scratch:
        data = Path(scratch)
        anvil_port, tlog_port, api_port = free_port(), free_port(), free_port()
        with (
            anvil_process(data / "anvil", anvil_port, LOCAL_CHAIN_ID, persist=False),
            tlog_process(data / "tlog", tlog_port, "bench.drl.local/evidence"),
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
            runtime = LedgerRuntime(settings)
            deploy(runtime.w3, dev_account(0, LOCAL_CHAIN_ID)).save(settings.deployment_file)
            with runtime.sessions.begin() as session:
                token = issue_token(session, PARTY.address, [Role.REGISTRANT], "bench")
            server = uvicorn.Server(
                uvicorn.Config(create_app(runtime), host="127.0.0.1", port=api_port, log_level="warning")
            )
            threading.Thread(target=server.run, daemon=True).start()
            url = f"http://127.0.0.1:{api_port}"
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            stop = threading.Event()
            run_background_workers(runtime, stop, interval=1.0)
            api = through_api(url, token, args.seconds, args.clients, args.batch)
            time.sleep(settings.tlog_anchor_every_seconds + 2)  # the last anchor of the run
            proofs = proof_latency(runtime)
            gas = gas_per_entry(runtime)
            stop.set()
            server.should_exit = True
            alone = tessera_alone(
                args.seconds, args.clients, args.batch, data / "tessera-alone", data / "tlog" / SIGNING_KEY_FILE
            )
            runtime.close()
    result = {
        "machine": _machine(),
        "api_with_anchoring": api,
        "tessera_alone": alone,
        "api_share_of_tessera": round(api["entries_per_second"] / alone["entries_per_second"], 3),
        "gas": gas,
        "inclusion_proof": proofs,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
