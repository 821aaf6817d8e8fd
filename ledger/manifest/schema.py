"""The manifest's JSON Schema, exported to `docs/manifest.schema.json` for other implementations.

`python -m ledger.manifest.schema` rewrites the file; a test checks that it matches the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.manifest.model import SignedManifest

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "manifest.schema.json"


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of a signed manifest document (the raw block stored on IPFS)."""
    schema = SignedManifest.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:drl:manifest:1"
    return schema


def render() -> str:
    """The schema file's exact text."""
    return json.dumps(manifest_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(render())
    print(SCHEMA_PATH)
