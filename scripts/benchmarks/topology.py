"""Registrations per second through the HTTP API, two service instances on PostgreSQL against one instance on
SQLite, on the same machine in one run; then the leader's fail-over time. Written to docs/performance.md,
section "Topology" (other sections of the page are left as they are).

Both set-ups run on anvil (automine) with their Kubo nodes, everything on 127.0.0.1; the load is REGISTRANTS
threads, each registering through the whole client flow (draft, manifest signature, application signature,
submission with wait), spread over the instances. The fail-over time is measured from the SIGKILL of the
leading instance to (a) the standby holding the lease and (b) the first write accepted by the standby after
the kill being mined.

Run: .venv/bin/python scripts/benchmarks/topology.py [--registrations 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledger.toolchain import PROJECT_ROOT
from tests.integration.cluster_load import RunningCluster, load, poll, register_one, running_cluster

REGISTRANTS = 4
PAGE = PROJECT_ROOT / "docs" / "performance.md"
SECTION = "## Topology"


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    load_average = Path("/proc/loadavg").read_text().split()[:3]
    return f"{platform.machine()}, {cpu}, nproc {cores}, load average {' '.join(load_average)} at the start"


def _throughput(base: Path, count: int, **shape: object) -> tuple[float, int]:
    with running_cluster(base, registrants=REGISTRANTS, **shape) as cluster:
        register_one(cluster, cluster.registrants[0], cluster.layout.service_urls[0], f"warm-up {base.name}")
        seconds = load(cluster, count)
        return len(cluster.accepted) / seconds, len(cluster.refused)


def _failover(base: Path) -> tuple[float, float]:
    with running_cluster(base, registrants=REGISTRANTS) as cluster:
        load(cluster, 8)
        leader = cluster.leader()
        assert leader is not None
        assert leader.pid is not None
        standby = next(p for p in cluster.stack.processes if p.name.startswith("service-") and p is not leader)
        standby_url = cluster.layout.service_urls[int(standby.name.rsplit("-", 1)[1])]
        killed = time.monotonic()
        os.killpg(leader.pid, signal.SIGKILL)
        poll(lambda: cluster.leader() is standby, 60, "the standby takes the lease")
        lease = time.monotonic() - killed
        _first_write(cluster, standby_url)
        return lease, time.monotonic() - killed


def _first_write(cluster: RunningCluster, url: str) -> None:
    """Registers through `url` (with wait: answered once mined), retrying until the service accepts."""
    while True:
        before = len(cluster.accepted)
        register_one(cluster, cluster.registrants[1], url, f"after the kill {time.monotonic()}")
        if len(cluster.accepted) > before:
            return


def _write_section(text: str) -> None:
    page = PAGE.read_text() if PAGE.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    page = pattern.sub(text, page) if pattern.search(page) else page.rstrip("\n") + "\n\n" + text
    PAGE.write_text(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=200)
    count = parser.parse_args().registrations
    machine = _machine()
    with tempfile.TemporaryDirectory(prefix="drl-topology-") as temporary:
        base = Path(temporary)
        base.chmod(0o711)  # PostgreSQL's own user enters it when this runs as root
        sqlite_rate, sqlite_refused = _throughput(base / "sqlite", count, instances=1, kubo_nodes=1, postgres=False)
        cluster_rate, cluster_refused = _throughput(base / "cluster", count)
        lease, first_write = _failover(base / "failover")
    end_load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    text = f"""{SECTION}

Measured {datetime.now(UTC):%Y-%m-%d} by `scripts/benchmarks/topology.py` on {machine}, {end_load} at the end;
Python {platform.python_version()}. The load average says how busy the machine was: above about 3 (the
benchmark's own processes) other work ran beside it, and the figures are a floor. Everything on 127.0.0.1, chain
anvil (automine); {REGISTRANTS} client threads, each running the whole registration flow (draft, manifest
signature, application signature, submission answered once mined), {count} registrations per set-up.

| set-up | registrations/s | not accepted |
|---|---:|---:|
| one instance, SQLite, one Kubo node | {sqlite_rate:.1f} | {sqlite_refused} |
| two instances, PostgreSQL 15, three Kubo nodes | {cluster_rate:.1f} | {cluster_refused} |

Leader fail-over (SIGKILL of the leading instance; leader heartbeat 1 s): the standby held the lease after
{lease:.1f} s, and the first registration it accepted after the kill was mined {first_write:.1f} s after the kill.
"""
    _write_section(text)
    print(text)


if __name__ == "__main__":
    main()
