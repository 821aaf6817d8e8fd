"""The embedded chain's age: `submit` throughput on anvil near block 1,000 and after many registrations.

For each set of anvil flags: a fresh node gets the ledger and is mined to block 1,000; the ceiling (pre-signed
`submit` transactions sent with automine on, one connection, as `drl up` runs anvil) is measured; then
`--registrations` registrations are written (many per block: the state grows), then `--age-blocks` submissions
are sent one per block as the embedded stack mines them (the history grows: what slowed anvil in issue 13 was
the number of blocks, 670/s at block 500 to 44/s at block 4,000); the ceiling is measured again. Target: the
aged ceiling at least 80 % of the one at block 1,000. Mining 100,000 one-transaction blocks takes hours on an
anvil that slows with them, so the default ages by 5,000 blocks and the docs extrapolate.

Run: .venv/bin/python scripts/benchmarks/chain_aging.py [--registrations 100000] [--flags-sets default prune ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chain_history import (
    LocalRegistrar,
    Registrar,
    Rpc,
    anvil,
    deployed_ledger,
    free_port,
    geth,
    one_per_block,
    submit_ceiling,
)

FLAG_SETS: dict[str, list[str]] = {
    "default": [],
    "prune-history": ["--prune-history"],
    "no-storage-caching": ["--no-storage-caching"],
    "order-fifo": ["--order", "fifo"],
    "max-persisted-states-8": ["--max-persisted-states", "8"],
    "slots-in-an-epoch-1": ["--slots-in-an-epoch", "1"],
    "prune-history+fifo+states-8": ["--prune-history", "--order", "fifo", "--max-persisted-states", "8"],
}
GETH_SETS = ("geth", "geth-crash-safe")
TARGET_RATIO = 0.8


def _peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user and system (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mine_to(rpc: Rpc, height: int) -> None:
    head = int(rpc.call("eth_blockNumber"), 16)
    while head < height:
        step = min(height - head, 10_000)
        rpc.call("anvil_mine", hex(step))
        head += step


def _mine_to_on_geth(rpc: Rpc, registrar: LocalRegistrar, height: int) -> None:
    """geth seals a block when a transaction waits: registrations one per block up to `height`."""
    head = int(rpc.call("eth_blockNumber"), 16)
    if head < height:
        one_per_block(rpc.url, registrar.presigned(height - head))


def age_geth(registrations: int, sample: int, age_blocks: int, *, crash_safe: bool = False) -> dict[str, Any]:
    """The same measurement on `geth --dev` (sealing on demand; its own database on disk in a fresh datadir).

    geth answers `eth_sendRawTransaction` once the transaction is in its pool, not once mined: the ceiling is
    `sample` transactions sent back to back until the last is mined (several to a block), and the aging blocks are
    sent one at a time, each once the one before it is mined. `crash_safe`: geth as `drl up --chain geth` runs it.
    """
    with tempfile.TemporaryDirectory(prefix="drl-bench-aging-geth-") as tmp:
        port = free_port()
        with geth(Path(tmp), port, crash_safe=crash_safe) as process:
            url = f"http://127.0.0.1:{port}"
            _, deployment = deployed_ledger(url)
            rpc = Rpc(url)
            registrar = LocalRegistrar(rpc, deployment)
            _mine_to_on_geth(rpc, registrar, 1_000 - 1)
            young = submit_ceiling(url, registrar.presigned(sample))
            young_one_per_block = one_per_block(url, registrar.presigned(sample))
            started = time.perf_counter()
            registrar.write(registrations)
            write_seconds = time.perf_counter() - started
            aging = one_per_block(url, registrar.presigned(age_blocks)) if age_blocks else 0.0
            head = int(rpc.call("eth_blockNumber"), 16)
            aged = submit_ceiling(url, registrar.presigned(sample))
            aged_one_per_block = one_per_block(url, registrar.presigned(sample))
            assert registrar.registry_nonce() == registrar.written, "some registrations were refused"
            peak = _peak_rss_mib(process.pid) if process.pid else 0.0
            cpu = _cpu_seconds(process.pid) if process.pid else 0.0
            disk = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2**20
    return {
        "node": "geth --dev --dev.period 0"
        + (" --state.scheme hash --gcmode archive --db.engine leveldb --cache 256" * crash_safe),
        "ceiling_at_block_1000": young,
        "one_per_block_at_block_1000": young_one_per_block,
        "ceiling_aged": aged,
        "one_per_block_aged": aged_one_per_block,
        "aged_head": head,
        "while_aging": aging,
        "ratio": aged / young,
        "registrations_written_per_second": registrations / write_seconds,
        "geth_peak_rss_mib": peak,
        "geth_cpu_seconds": cpu,  # the whole run's: the same work in every geth set, comparable on a busy machine
        "datadir_mib": disk,
        "meets_target": aged / young >= TARGET_RATIO,
    }


def age(name: str, flags: list[str], registrations: int, sample: int, age_blocks: int) -> dict[str, Any]:
    """The ceiling at block 1,000 and after `registrations`, on anvil with `flags`."""
    with tempfile.TemporaryDirectory(prefix="drl-bench-aging-") as tmp:
        port = free_port()
        with anvil(Path(tmp), port, flags) as process:
            url = f"http://127.0.0.1:{port}"
            _, deployment = deployed_ledger(url)
            rpc = Rpc(url)
            registrar = Registrar(rpc, deployment)
            _mine_to(rpc, 1_000 - 1)
            young = submit_ceiling(url, registrar.presigned(sample))
            started = time.perf_counter()
            registrar.write(registrations)
            write_seconds = time.perf_counter() - started
            aging = submit_ceiling(url, registrar.presigned(age_blocks)) if age_blocks else 0.0
            head = int(rpc.call("eth_blockNumber"), 16)
            aged = submit_ceiling(url, registrar.presigned(sample))
            assert registrar.registry_nonce() == registrar.written, "some registrations were refused"
            peak = _peak_rss_mib(process.pid) if process.pid else 0.0
    return {
        "flags": flags,
        "ceiling_at_block_1000": young,
        "ceiling_aged": aged,
        "aged_head": head,
        "while_aging": aging,
        "ratio": aged / young,
        "registrations_written_per_second": registrations / write_seconds,
        "anvil_peak_rss_mib": peak,
        "meets_target": aged / young >= TARGET_RATIO,
    }


def run(registrations: int, sample: int, names: list[str], age_blocks: int) -> dict[str, Any]:
    results = {
        name: age_geth(registrations, sample, age_blocks, crash_safe=name == "geth-crash-safe")
        if name in GETH_SETS
        else age(name, FLAG_SETS[name], registrations, sample, age_blocks)
        for name in names
    }
    return {
        "load_average": os.getloadavg(),
        "nproc": os.cpu_count(),
        "registrations": registrations,
        "sample": sample,
        "age_blocks": age_blocks,
        "sets": results,
        "benchmark_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000, help="transactions per ceiling measurement")
    parser.add_argument(
        "--flag-sets",
        nargs="+",
        default=list(FLAG_SETS),
        choices=[*FLAG_SETS, *GETH_SETS],
        help="`geth`: geth --dev; `geth-crash-safe`: as the embedded stack runs it",
    )
    parser.add_argument("--age-blocks", type=int, default=5_000, help="blocks of one submission each, after them")
    args = parser.parse_args()
    result = run(args.registrations, args.sample, args.flag_sets, args.age_blocks)
    print(json.dumps(result, indent=2))
    return 0 if any(s["meets_target"] for s in result["sets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
