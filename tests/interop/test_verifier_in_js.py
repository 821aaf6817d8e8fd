"""The pages' JavaScript verifier (api/web/static/verify-bundle.mjs, the module the browser runs, and evidence-cid.mjs
beside it for the evidence-file CIDs) reproduces every vector of every file in docs/formats/vectors."""

from __future__ import annotations

import json
from typing import Any

from .node import ROOT, run_node

VECTORS = ROOT / "docs" / "formats" / "vectors"


def _vector_count() -> int:
    """How many vectors the runner must report: counted here from the files, so a vector it skipped fails."""

    def load(name: str) -> Any:
        return json.loads((VECTORS / name).read_text())

    ids = load("ids.json")
    return (
        len(load("eip712.json")["vectors"])
        + len(load("manifest.json")["vectors"])
        + 1
        + len(load("merkle.json")["trees"])
        + len(load("data-commitment.json")["files"])
        + len(load("data-commitment.json")["folder"])
        + 1
        + sum(len(ids[key]) for key in ("certificate_token_ids", "licence_ids", "certificate_numbers"))
        + len(load("certificate.json")["vectors"])
        + len(load("bundle.json")["vectors"])
        + 3  # tlog-merkle.json: leaf hashes and roots, inclusion proofs, consistency proofs
        + 4  # tlog.json: entry, checkpoint, proofs, evidence bundle
        + len(load("evidence-cid.json")["profiles"])
        + len(load("evidence-cid.json")["files"])
        + 1  # evidence-certificate.json: the one document
    )


def test_the_browsers_verifier_module_reproduces_every_format_vector() -> None:
    results = run_node("formats_in_js.mjs", {"vectors": str(VECTORS)})
    assert {r["file"] for r in results} == {path.name for path in VECTORS.glob("*.json")}
    assert len(results) == _vector_count()
    failed = {f"{r['file']}: {r['name']}": r["failures"] for r in results if r["failures"]}
    assert failed == {}
