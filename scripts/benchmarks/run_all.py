"""Every benchmark in one command: prints a table and writes JSON under benchmarks/results/ with the machine.

Runs, each in its own process (so that each figure of memory is its own):
- gas of every action (gas.py), beside the reference figures of EAS (attest 277,601; delegated attest 311,182;
  revoke 75,469);
- verification by hash under load with the same service's constant route beside it (verify_load.py);
- indexer catch-up from an empty database, SQLite and PostgreSQL (index_catchup.py);
- the embedded chain's `submit` ceiling at block 1,000 and aged, per set of anvil flags (chain_aging.py);
- registrations through the API (api_registrations.py), when that benchmark is present.

The machine is described in the JSON (cores, CPU model, memory, load average before and after): during this
project's development it was shared with other work, so its figures carry that noise.

Run: .venv/bin/python scripts/benchmarks/run_all.py [--quick] [--out benchmarks/results]
`--quick` runs every benchmark on small data: a smoke run that says the suite works, not a measurement.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EAS_REFERENCE = {"attest": 277_601, "delegated attest": 311_182, "revoke": 75_469}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    return {
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "memory_gib": round(total / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "shared": "the machine ran other work during the measurement (see load_average)",
    }


def _script(name: str, *args: str, timeout: float = 7_200) -> dict[str, Any]:
    """Runs a benchmark script; its JSON (the last JSON object it prints) and how long it took."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / name), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    out = done.stdout
    start = out.rfind("\n{")
    start = 0 if start < 0 and out.startswith("{") else start
    if start < 0:
        raise RuntimeError(f"{name} printed no JSON (exit {done.returncode}): {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(out[start:])
    figures["exit_code"] = done.returncode
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def gas(quick: bool) -> dict[str, Any]:
    """Gas of every action (as docs/gas.md has it) beside the EAS reference figures."""
    sys.path.insert(0, str(HERE))
    import gas as gas_benchmark

    with gas_benchmark.measured_ledger() as bench:
        rows = bench.rows
    by_label = {label: value for label, value, _ in rows}
    submit = next(value for label, value in by_label.items() if label.startswith("submit (a registrant's later"))
    revoke = next((value for label, value in by_label.items() if label.startswith("revoke")), None)
    return {
        "actions": [{"action": label, "gas": value, "target": target} for label, value, target in rows],
        "beside_eas": [
            {
                "ledger": "submit (relayed, signed application)",
                "gas": submit,
                "eas": "delegated attest",
                "eas_gas": EAS_REFERENCE["delegated attest"],
            },
            {
                "ledger": "submit (relayed, signed application)",
                "gas": submit,
                "eas": "attest",
                "eas_gas": EAS_REFERENCE["attest"],
            },
            {"ledger": "revoke", "gas": revoke, "eas": "revoke", "eas_gas": EAS_REFERENCE["revoke"]},
        ],
        "within_targets": all(target is None or value <= target for _, value, target in rows),
    }


def verify(quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "verify.json"
        quick_size = ["--rows", "2000", "--requests", "100", "--connections", "1", "4", "--engines", "sqlite"]
        size = quick_size if quick else ["--rows", "1000000", "10000000", "--engines", "sqlite", "postgresql"]
        done = subprocess.run(
            [sys.executable, str(HERE / "verify_load.py"), *size, "--json", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=6 * 3_600,  # two engines at 10,000,000 rows take hours on a shared machine
        )
        if not out.exists():
            raise RuntimeError(f"verify_load.py failed (exit {done.returncode}): {done.stderr[-2000:]}")
        figures: dict[str, Any] = json.loads(out.read_text())
        figures["exit_code"] = done.returncode
        return figures


def index(quick: bool) -> dict[str, Any]:
    size = ["--registrations", "600", "--manifests", "20", "--engines", "sqlite"] if quick else []
    return _script("index_catchup.py", *size)


FLAG_SETS_BESIDE_GETH = ("default", "prune-history", "prune-history+fifo+states-8", "geth")
"""anvil as `drl up` runs it, its two most helpful flag sets, and geth --dev: the candidates for the embedded chain."""


def aging(quick: bool) -> dict[str, Any]:
    # geth is built only by scripts/setup-geth.sh: the smoke run stays on anvil
    quick_size = ["--registrations", "600", "--sample", "50", "--age-blocks", "50", "--flag-sets", "default"]
    size = quick_size if quick else ["--flag-sets", *FLAG_SETS_BESIDE_GETH]
    return _script("chain_aging.py", *size)


def api_registrations(quick: bool) -> dict[str, Any] | None:
    """perf-write's benchmark of registrations through the API, when present (it writes its own JSON)."""
    sys.path.insert(0, str(HERE))
    if importlib.util.find_spec("api_registrations") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        size = ["--clients", "1", "--seconds", "3", "--census", "0", "--profile-clients", "0"] if quick else []
        size += ["--ceiling-transactions", "20"] if quick else []
        done = subprocess.run(
            [sys.executable, str(HERE / "api_registrations.py"), *size, "--out", tmp],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=7_200,
        )
        written = sorted(Path(tmp).glob("api_registrations-*.json"))
        if not written:
            raise RuntimeError(f"api_registrations.py wrote nothing (exit {done.returncode}): {done.stderr[-2000:]}")
        figures: dict[str, Any] = json.loads(written[-1].read_text())
        return figures


BENCHMARKS: dict[str, Callable[[bool], dict[str, Any] | None]] = {
    "gas": gas,
    "verify_load": verify,
    "index_catchup": index,
    "chain_aging": aging,
    "api_registrations": api_registrations,
}


def table(results: dict[str, Any]) -> list[str]:
    """The headline figure of each benchmark, with its target."""
    lines = ["| benchmark | figure | value | target |", "|---|---|---:|---|"]
    gas_figures = results.get("gas") or {}
    for row in gas_figures.get("beside_eas", []):
        lines.append(
            f"| gas | {row['ledger']} (EAS {row['eas']} {row['eas_gas']:,}) | {row['gas'] or 0:,} | below EAS |"
        )
    for measured in (results.get("verify_load") or {}).get("measurements", []):
        where = f"verify by hash, {measured['registrations']:,} indexed ({measured['engine']})"
        for run in measured["runs"]:
            verify_run, constant = run["verify"], run["constant"]
            lines.append(f"| {where} | p99 at {run['connections']} conn. | {verify_run['p99_ms']:.1f} ms | < 20 ms |")
            lines.append(
                f"| {where} | req/s at {run['connections']} conn. (constant route) "
                f"| {verify_run['per_second']:,.0f} ({constant['per_second']:,.0f}) | - |"
            )
        lines.append(f"| {where} | statements with a full scan | {len(measured['full_scans'])} | 0 |")
        lines.append(f"| {where} | service peak RSS | {measured['service_peak_rss_mib']:.0f} MiB | ≤ 300 per worker |")
    index_figures = results.get("index_catchup") or {}
    for engine, figures in index_figures.get("engines", {}).items():
        lines.append(
            f"| index catch-up, {index_figures['registrations']:,} registrations | events/s ({engine}) "
            f"| {figures['events_per_second']:,.0f} | ≥ 5,000 |"
        )
        lines.append(
            f"| index catch-up | manifests loaded/s ({engine}) | {figures['manifests_per_second']:,.0f} "
            f"({figures['manifests']:,} loaded) | all |"
        )
        lines.append(
            f"| index catch-up | indexer CPU s per 1,000 events ({engine}) "
            f"| {figures['cpu_seconds_per_1000_events']:.3f} | ≤ 0.2 (5,000/s on one core) |"
        )
        lines.append(f"| index catch-up | indexer peak RSS ({engine}) | {figures['peak_rss_mib']:.0f} MiB | - |")
    aging_figures = results.get("chain_aging") or {}
    for name, figures in aging_figures.get("sets", {}).items():
        lines.append(
            f"| chain aging, {aging_figures['registrations']:,} registrations | submit/s {name}: block 1,000 → aged "
            f"| {figures['ceiling_at_block_1000']:,.0f} → {figures['ceiling_aged']:,.0f} ({figures['ratio']:.0%}) "
            f"| ≥ 80 % |"
        )
        node = "geth" if name == "geth" else "anvil"
        peak = figures.get(f"{node}_peak_rss_mib", 0.0)
        lines.append(f"| chain aging | {node} peak RSS ({name}) | {peak:.0f} MiB | - |")
    api_figures = results.get("api_registrations") or {}
    for level in api_figures.get("levels", []):
        lines.append(
            f"| API registrations | per second at {level['clients']} clients | {level['per_second']} | ≥ 150 |"
        )
    for name, value in results.items():
        if isinstance(value, dict) and "error" in value:
            lines.append(f"| {name} | failed | {value['error'][:80]} | - |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data: a smoke run, not a measurement")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    args = parser.parse_args()
    report: dict[str, Any] = {
        "suite": "run_all",
        "quick": args.quick,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine_before": machine(),
        "results": {},
    }
    failed = False
    for name in args.only:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            figures = BENCHMARKS[name](args.quick)
        except Exception as error:  # noqa: BLE001 - one failing benchmark is reported, the others still run
            figures, failed = {"error": f"{type(error).__name__}: {error}"}, True
        if figures is not None:
            report["results"][name] = figures
    report["machine_after"] = machine()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"run_all-{'quick-' if args.quick else ''}{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print("\n".join(table(report["results"])))
    print(f"\nmachine: {json.dumps(report['machine_before'])}\nwritten to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
