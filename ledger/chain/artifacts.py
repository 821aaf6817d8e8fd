"""The compiled contracts the package ships: ABI and bytecode of each deployable contract."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts"
DEPLOYED_CONTRACTS = ("LedgerAccess", "Certificates", "Registrations", "EvidenceAnchors", "Rights", "Endorsements")


@cache
def load_artifact(name: str) -> dict[str, Any]:
    """The artifact of a deployable contract; raises KeyError for any other name."""
    if name not in DEPLOYED_CONTRACTS:
        raise KeyError(name)
    artifact: dict[str, Any] = json.loads((ARTIFACT_DIR / f"{name}.json").read_text())
    return artifact


def abi_of(name: str) -> list[dict[str, Any]]:
    """The ABI of a deployable contract."""
    abi: list[dict[str, Any]] = load_artifact(name)["abi"]
    return abi
