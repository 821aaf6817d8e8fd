"""Compiles the contracts with the project's one pinned compiler and writes the artifacts the package ships.

The compiler is the npm build of solc 0.8.28 behind `tools/solc/solc`, the same one forge uses, with
the same settings as `foundry.toml`; metadata hashes are off, so the same sources give the same bytecode
on every machine. `python -m ledger.chain.build` refreshes `ledger/chain/artifacts/`, and a test checks
that the committed artifacts equal a fresh build.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import solcx

from ledger.chain.artifacts import ARTIFACT_DIR, DEPLOYED_CONTRACTS
from ledger.encoding import from_hex
from ledger.toolchain import PROJECT_ROOT, SOLC

SOURCE_DIR = PROJECT_ROOT / "contracts" / "src"
COMPILER_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10000},
    "evmVersion": "cancun",
    "metadata": {"bytecodeHash": "none", "appendCBOR": False},
    "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.deployedBytecode.immutableReferences",
            ]
        }
    },
}


def standard_json_input() -> dict[str, Any]:
    """The compiler input: every source of contracts/src, named relative to the repository root as forge does."""
    sources = {
        str(path.relative_to(PROJECT_ROOT)): {"content": path.read_text()} for path in sorted(SOURCE_DIR.rglob("*.sol"))
    }
    return {"language": "Solidity", "sources": sources, "settings": COMPILER_SETTINGS}


def compile_contracts() -> dict[str, dict[str, Any]]:
    """Compiles every contract; returns the compiler's output per contract name."""
    output = solcx.compile_standard(
        standard_json_input(), solc_binary=SOLC.path, base_path=PROJECT_ROOT, allow_paths=[PROJECT_ROOT]
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("\n".join(e["formattedMessage"] for e in errors))
    contracts: dict[str, dict[str, Any]] = {}
    for unit, by_name in output["contracts"].items():
        for name, data in by_name.items():
            if unit.startswith("contracts/src/"):
                contracts[name] = data
    return contracts


def artifact_of(name: str, compiled: dict[str, Any], version: str) -> dict[str, Any]:
    """The artifact the package ships for one deployable contract."""
    bytecode = "0x" + compiled["evm"]["bytecode"]["object"]
    return {
        "contractName": name,
        "compiler": version,
        "abi": compiled["abi"],
        "bytecode": bytecode,
        "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
        "immutableRanges": sorted(
            [ref["start"], ref["length"]]
            for refs in compiled["evm"]["deployedBytecode"].get("immutableReferences", {}).values()
            for ref in refs
        ),
        "bytecodeSha256": hashlib.sha256(from_hex(bytecode)).hexdigest(),
    }


def build_artifacts() -> dict[str, dict[str, Any]]:
    """The artifacts of the deployed contracts, freshly compiled."""
    compiled = compile_contracts()
    version = _compiler_version()
    return {name: artifact_of(name, compiled[name], version) for name in DEPLOYED_CONTRACTS}


def _compiler_version() -> str:
    argv = [str(SOLC.path), "--version"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return out.strip().splitlines()[-1].removeprefix("Version: ")


def write_artifacts(directory: Path = ARTIFACT_DIR) -> list[Path]:
    """Writes the artifacts as stable, sorted JSON; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, artifact in build_artifacts().items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_artifacts():
        print(written_path.relative_to(PROJECT_ROOT))
