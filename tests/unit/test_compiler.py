"""One pinned compiler builds everything, and the same sources always give the same bytecode."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ledger.chain.artifacts import ARTIFACT_DIR, DEPLOYED_CONTRACTS
from ledger.chain.build import build_artifacts
from ledger.toolchain import FORGE, PROJECT_ROOT, SOLC


@pytest.fixture(scope="module")
def fresh_build() -> dict[str, dict[str, object]]:
    return build_artifacts()


def test_solc_wrapper_reports_the_pinned_version() -> None:
    out = subprocess.run([str(SOLC.path), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1].startswith("Version: 0.8.28+commit.7893614a")


def test_solc_wrapper_compiles_standard_json_from_stdin() -> None:
    source = "pragma solidity 0.8.28; contract A { function f() external pure returns (uint256) { return 7; } }"
    request = {
        "language": "Solidity",
        "sources": {"A.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": ["evm.bytecode.object"]}}},
    }
    result = subprocess.run(
        [str(SOLC.path), "--standard-json"], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]


def test_solc_wrapper_refuses_unknown_flags() -> None:
    result = subprocess.run([str(SOLC.path), "--bin", "x.sol"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_two_builds_give_byte_identical_bytecode(fresh_build: dict[str, dict[str, object]]) -> None:
    assert build_artifacts() == fresh_build


def test_committed_artifacts_equal_a_fresh_build(fresh_build: dict[str, dict[str, object]]) -> None:
    for name in DEPLOYED_CONTRACTS:
        committed = json.loads((ARTIFACT_DIR / f"{name}.json").read_text())
        assert committed == fresh_build[name], f"{name}: run `python -m ledger.chain.build` and commit"


def test_forge_builds_the_same_bytecode(fresh_build: dict[str, dict[str, object]], tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run(
        [str(FORGE.path), "build", "--out", str(out), "--cache-path", str(tmp_path / "cache"), "--quiet"],
        cwd=PROJECT_ROOT,
        check=True,
    )
    for name in DEPLOYED_CONTRACTS:
        forge_artifact = json.loads((out / f"{name}.sol" / f"{name}.json").read_text())
        assert forge_artifact["bytecode"]["object"] == fresh_build[name]["bytecode"]
        assert forge_artifact["deployedBytecode"]["object"] == fresh_build[name]["deployedBytecode"]
