"""Canonical JSON (RFC 8785) of the ledger's documents: one byte string per document, on every machine.

The raw block stored on IPFS is exactly these bytes, so its sha256 (the digest on chain) and its CID
follow from the document alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

import rfc8785
from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)

# Integers RFC 8785 writes as they are: those an IEEE 754 double holds exactly (others `rfc8785` refuses).
SAFE_INTEGER = 2**53 - 1


def canonical_json(document: BaseModel | dict[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of a model (by alias, absent optional fields left out) or a plain dict."""
    data = (
        document.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(document, BaseModel)
        else document
    )
    if _written_alike(data):
        try:
            return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: `rfc8785` refuses it, with its own error
    return rfc8785.dumps(data)


def _written_alike(value: Any) -> bool:
    """Whether the standard library's JSON encoder (sorted keys, no spaces, UTF-8) writes `value` exactly as RFC
    8785 does, so the C encoder can stand in for `rfc8785`'s pure Python one (this check and the encoder together
    take about 0.4 of its time for an evidence entry; the log canonicalises every entry). It does for objects with
    ASCII string keys (sorted the same by code point and by UTF-16 unit), arrays, strings (both escape `"`, `\\`
    and the controls alike, `\\u00xx` in lower case, and write the rest as it is), safe integers, booleans and
    null; not for floats (ECMAScript's number form differs from Python's), nor for what `rfc8785` refuses.
    tests/unit/test_canonical_json.py holds it to that, property by property.
    """
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -SAFE_INTEGER <= value <= SAFE_INTEGER
    if isinstance(value, dict):
        return all(isinstance(key, str) and key.isascii() and _written_alike(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(_written_alike(item) for item in value)
    return False


def sha256(data: bytes) -> bytes:
    """The one hash function of documents and files: sha256."""
    return hashlib.sha256(data).digest()


def document_digest(document: BaseModel | dict[str, Any]) -> bytes:
    """sha256 of the canonical JSON; for a document stored as a raw block, this is the digest inside its CID."""
    return sha256(canonical_json(document))


def parse_canonical(model: type[ModelT], block: bytes) -> ModelT:
    """Parses a stored block and refuses one that is not in canonical form (so its digest is unambiguous)."""
    parsed = model.model_validate_json(block)
    if canonical_json(parsed) != block:
        raise ValueError("the block is valid JSON for the model but not its canonical form")
    return parsed
