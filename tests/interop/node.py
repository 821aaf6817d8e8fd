"""Runs the independent JavaScript implementations (OpenZeppelin's merkle-tree, ethers) pinned in package.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent


def run_node(script: str, payload: Any) -> Any:
    """Feeds `payload` as JSON to a script of tests/interop and returns its JSON answer."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "ethers").is_dir():
        pytest.fail("node and the npm packages are needed: run ./scripts/setup.sh")
    done = subprocess.run(
        [node, str(SCRIPTS / script)], input=json.dumps(payload), capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    if done.returncode != 0:
        raise AssertionError(f"{script} failed: {done.stderr}")
    return json.loads(done.stdout)
