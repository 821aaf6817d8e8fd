"""Runs Slither over contracts/src and fails on any finding that contracts/slither.triage.json does not explain.

Slither analyses the contracts as forge builds them (the pinned solc behind tools/solc/solc; nothing is downloaded:
the build is forge's, into its own out directory, and Slither is told not to compile). A finding is named by its
detector and its description with the line numbers taken out, so an explanation survives edits that only move code.
Every explanation must still match a finding: a stale one fails the run too, so the file stays true.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TRIAGE = ROOT / "contracts" / "slither.triage.json"
OUT = ROOT / "contracts" / "out-slither"
CACHE = ROOT / "contracts" / "cache-slither"
LINES = re.compile(r"#\d+(-\d+)?")


def finding_key(result: dict[str, Any]) -> str:
    """The detector and the description's first line without line numbers: `timestamp: Rights._isCurrent(...)`."""
    first_line = str(result["description"]).strip().splitlines()[0]
    return f"{result['check']}: {LINES.sub('', first_line)}"


def run_slither() -> list[dict[str, Any]]:
    """Builds with forge (build info on, tests skipped) and returns Slither's findings."""
    build = ["forge", "build", "--build-info", "--skip", "contracts/test/**", "--out", str(OUT)]
    subprocess.run([*build, "--cache-path", str(CACHE)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "slither.json"
        command = ["slither", ".", "--ignore-compile", "--foundry-out-directory", str(OUT.relative_to(ROOT))]
        command += ["--filter-paths", "node_modules|contracts/test", "--exclude-dependencies", "--json", str(report)]
        subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        output = json.loads(report.read_text())
    if not output.get("success"):
        raise SystemExit(f"slither failed: {output.get('error')}")
    return list(output.get("results", {}).get("detectors", []))


def main() -> int:
    """Exit 1 on an unexplained finding or a stale explanation."""
    explained: dict[str, str] = {entry["finding"]: entry["reason"] for entry in json.loads(TRIAGE.read_text())}
    found = {finding_key(result) for result in run_slither()}
    unexplained = sorted(found - explained.keys())
    stale = sorted(explained.keys() - found)
    for key in unexplained:
        print(f"unexplained: {key}")
    for key in stale:
        print(f"stale explanation (no such finding any more): {key}")
    print(f"slither: {len(found)} findings, {len(found) - len(unexplained)} explained in {TRIAGE.relative_to(ROOT)}")
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
