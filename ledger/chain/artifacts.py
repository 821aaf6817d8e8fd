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


def bundle_check_abi() -> list[dict[str, Any]]:
    """What an independent bundle checker needs of the contracts (the page's JavaScript verifier): every event of
    every deployed contract, each signature once, and the registry's `statusOf`."""
    seen: dict[str, dict[str, Any]] = {}
    for name in DEPLOYED_CONTRACTS:
        for entry in abi_of(name):
            if entry["type"] == "event" or (name == "Registrations" and entry.get("name") == "statusOf"):
                signature = f"{entry['name']}({','.join(str(i['type']) for i in entry['inputs'])})"
                seen.setdefault(f"{entry['type']} {signature}", entry)
    return list(seen.values())
