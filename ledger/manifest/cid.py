"""Content identifiers of the ledger's documents.

A manifest or certificate document is stored as one raw IPFS block (CIDv1, codec raw, sha2-256), so
the 32-byte sha256 the chain keeps is the whole information of its CID: anyone can rebuild the CID
from the chain and fetch the document from any IPFS node.
"""

from __future__ import annotations

import hashlib

from multiformats import CID, multihash


def raw_cid_of_digest(digest: bytes) -> str:
    """The base32 CIDv1 (raw, sha2-256) of the block whose sha256 is `digest`."""
    if len(digest) != 32:
        raise ValueError(f"a sha256 digest has 32 bytes, not {len(digest)}")
    return str(CID("base32", 1, "raw", multihash.wrap(digest, "sha2-256")))


def raw_cid(block: bytes) -> str:
    """The base32 CIDv1 (raw, sha2-256) of a block of bytes."""
    return raw_cid_of_digest(hashlib.sha256(block).digest())


def digest_of_raw_cid(cid: str) -> bytes:
    """The sha256 digest inside a raw CIDv1; refuses any other kind of CID."""
    decoded = CID.decode(cid)
    if decoded.version != 1 or decoded.codec.name != "raw" or decoded.hashfun.name != "sha2-256":
        raise ValueError(f"{cid} is not a CIDv1 of a raw block hashed with sha2-256")
    return bytes(decoded.raw_digest)
