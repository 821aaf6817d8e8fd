"""Independent implementations reproduce the vectors of docs/formats/vectors/: OpenZeppelin's merkle-tree (roots
and proofs), ethers' TypedDataEncoder (EIP-712 hashes and signers) and Kubo (evidence-file CIDs)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ledger.toolchain import IPFS

from .node import ROOT, run_node

VECTORS = ROOT / "docs" / "formats" / "vectors"


def _vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def _typed_data_vectors() -> list[dict[str, Any]]:
    manifests = [vector["eip712"] for vector in _vectors("manifest.json")["vectors"]]
    return [*_vectors("eip712.json")["vectors"], *manifests]


def test_ethers_typed_data_encoder_reproduces_every_eip712_vector() -> None:
    vectors = _typed_data_vectors()
    answers = run_node(
        "typed_data.mjs", [{"typed_data": v["typed_data"], "signature": v["signature"]} for v in vectors]
    )
    for vector, answer in zip(vectors, answers, strict=True):
        assert answer["domain_separator"] == vector["domain_separator"], vector["name"]
        assert answer["struct_hash"] == vector["struct_hash"], vector["name"]
        assert answer["digest"] == vector["digest"], vector["name"]
        assert answer["signer"] == vector["signer"], vector["name"]


def test_openzeppelin_merkle_tree_reproduces_every_merkle_2_vector() -> None:
    merkle = _vectors("merkle.json")
    trees = [tree for tree in merkle["trees"] if tree["scheme"] == "merkle/2"]
    commitment = _vectors("data-commitment.json")
    folder = next(c for c in commitment["folder"] if c["scheme"] == "merkle/2")
    entries = [[*tree["entries"]] for tree in trees] + [[file["entry"] for file in commitment["files"]]]
    answers = run_node("merkle_tree.mjs", {"leafDomain": merkle["leaf_domain"], "trees": entries})
    for tree, answer in zip(trees, answers[:-1], strict=True):
        assert answer["root"] == tree["root"]
        assert answer["proofs"] == tree["proofs"]
    assert answers[-1]["root"] == folder["root"]
    assert answers[-1]["proofs"] == [folder["proofs"][file["path"]] for file in commitment["files"]]


@pytest.fixture(scope="module")
def kubo_repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An offline Kubo repository for `ipfs add --only-hash` (no daemon, nothing leaves the machine)."""
    if not IPFS.is_installed():
        pytest.fail("Kubo is needed: run ./scripts/setup.sh")
    environment = {**os.environ, "IPFS_PATH": str(tmp_path_factory.mktemp("ipfs-repo"))}
    subprocess.run([str(IPFS.path), "init", "--empty-repo"], env=environment, check=True, capture_output=True)
    return environment


def _content(size: int) -> bytes:
    pattern = bytes(range(251))
    return (pattern * (size // 251 + 1))[:size]


def test_kubo_adds_every_evidence_vector_file_under_the_cid_the_vector_names(
    kubo_repo: dict[str, str], tmp_path: Path
) -> None:
    vectors = _vectors("evidence-cid.json")
    profiles = {profile["name"]: profile for profile in vectors["profiles"]}
    for file in vectors["files"]:
        profile = profiles[file["profile"]]
        path = tmp_path / "evidence"
        path.write_bytes(_content(file["size"]))
        options = [f"--{name}={value}" for name, value in profile["kubo_add_options"].items()]
        added = subprocess.run(
            [str(IPFS.path), "add", "--only-hash", "--quieter", "--offline", *options, str(path)],
            env=kubo_repo,
            check=True,
            capture_output=True,
            text=True,
        )
        assert added.stdout.strip() == file["cid"], f"{file['profile']}, {file['size']} bytes"
