"""The benchmark suite runs: one command, every benchmark, a table and a JSON with the machine (quick mode: small
data; a smoke run, no figure is asserted to be fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.toolchain import PROJECT_ROOT

pytestmark = pytest.mark.integration


@pytest.mark.timeout(2_400)  # four benchmarks, each starting its own nodes: minutes on a busy 2-core machine
def test_the_benchmark_suite_runs_every_benchmark_in_quick_mode_and_writes_its_figures_with_the_machine(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "benchmarks" / "run_all.py"),
            "--quick",
            "--out",
            str(tmp_path),
            "--only",
            "gas",
            "verify_load",
            "index_catchup",
            "chain_aging",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=3_000,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [written] = tmp_path.glob("run_all-quick-*.json")
    report = json.loads(written.read_text())
    assert {"nproc", "cpu", "memory_gib", "load_average", "shared"} <= report["machine_before"].keys()
    results = report["results"]
    assert [row["eas_gas"] for row in results["gas"]["beside_eas"]] == [311_182, 277_601, 75_469]
    assert all(row["gas"] > 21_000 for row in results["gas"]["beside_eas"])
    sqlite = results["index_catchup"]["engines"]["sqlite"]
    assert sqlite["registrations"] == 600
    assert sqlite["manifests"] == 20
    assert results["chain_aging"]["sets"]["default"]["ceiling_aged"] > 0
    [verification] = results["verify_load"]["measurements"]
    assert [run["connections"] for run in verification["runs"]] == [1, 4]
    assert verification["query_plans"]
    assert verification["full_scans"] == []
    assert sqlite["cpu_seconds_per_1000_events"] > 0
    assert "| benchmark | figure | value | target |" in done.stdout
