"""Canonical JSON (RFC 8785) of the ledger's documents: one byte string per document, on every machine.

The raw block stored on IPFS is exactly these bytes, so its sha256 (the digest on chain) and its CID
follow from the document alone.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

import rfc8785
from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


def canonical_json(document: BaseModel | dict[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of a model (by alias, absent optional fields left out) or a plain dict."""
    data = (
        document.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(document, BaseModel)
        else document
    )
    return rfc8785.dumps(data)


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
