"""Bytes as `0x` hex text (the one way the ledger writes digests and signatures as text), and digests of texts."""

from __future__ import annotations

import hashlib


def to_hex(data: bytes | bytearray) -> str:
    """`0x` followed by the lowercase hex of `data`: how the index, the API and the CLI show bytes."""
    return "0x" + bytes(data).hex()


def from_hex(text: str) -> bytes:
    """The bytes of hex text, with or without its `0x` prefix; a ValueError for anything else."""
    return bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)


def text_digest(text: str) -> bytes:
    """The sha256 of a reason, decision or evidence text (UTF-8): the chain keeps only this digest."""
    return hashlib.sha256(text.encode()).digest()
