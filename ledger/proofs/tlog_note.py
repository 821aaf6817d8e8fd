"""Checkpoints of the evidence log: C2SP `tlog-checkpoint` bodies inside C2SP `signed-note`s, Ed25519 keys.

A checkpoint says "the log `origin` had `size` entries with this root", signed by the log's key:

    <origin>\\n<size>\\n<base64 root>\\n[extension lines\\n]
    \\n
    — <key name> <base64(key hash[4] ‖ Ed25519 signature[64])>\\n

The key hash is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key); a verifier key is written
`<name>+<key hash hex>+<base64(0x01 ‖ public key)>` and a signing key `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖
seed)>`, as golang.org/x/mod/sumdb/note writes them (Tessera signs with that package). Ed25519 is
`cryptography`'s; nothing is hand-rolled here but the framing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_ALGORITHM = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space open every signature line


class NoteError(ValueError):
    """A checkpoint or key that is malformed or whose signature does not verify."""


@dataclass(frozen=True)
class VerifierKey:
    """A log's public key under its name (the checkpoint origin)."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        """The four bytes that tie a signature line to this key."""
        return key_hash(self.name, self.public_key)

    def encode(self) -> str:
        """The `name+hash+base64` form that note verifiers read."""
        blob = base64.b64encode(bytes([ED25519_ALGORITHM]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Reads a `name+hash+base64` verifier key, checking that its hash matches."""
        name, _, rest = text.strip().partition("+")
        hash_hex, _, blob = rest.partition("+")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error as error:
            raise NoteError("verifier key is not base64") from error
        if not name or len(raw) != 33 or raw[0] != ED25519_ALGORITHM:
            raise NoteError("not an Ed25519 note verifier key")
        key = cls(name, raw[1:])
        if key.key_hash.hex() != hash_hex:
            raise NoteError("verifier key hash does not match its name and key")
        return key


def key_hash(name: str, public_key: bytes) -> bytes:
    """The key hash of signed-note: SHA-256(name ‖ 0x0A ‖ algorithm ‖ key), first four bytes."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_ALGORITHM]) + public_key).digest()[:4]


def new_signing_key(name: str) -> tuple[str, VerifierKey]:
    """A fresh log key: the `PRIVATE+KEY+...` text Tessera reads, and its verifier key."""
    return signing_key_from_seed(name, Ed25519PrivateKey.generate().private_bytes_raw())


def signing_key_from_seed(name: str, seed: bytes) -> tuple[str, VerifierKey]:
    """The log key of a 32-byte Ed25519 seed (test vectors use a fixed one)."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError("a key name has no '+' and no spaces")
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    verifier = VerifierKey(name, public)
    blob = base64.b64encode(bytes([ED25519_ALGORITHM]) + seed).decode()
    return f"PRIVATE+KEY+{name}+{verifier.key_hash.hex()}+{blob}", verifier


def sign_note(body: str, signing_key: str) -> str:
    """Signs a note body with a `PRIVATE+KEY+...` key (for tests and vectors; the log signs its own)."""
    parts = signing_key.strip().split("+", 4)  # base64 may hold "+" too
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("not a note signing key")
    raw = base64.b64decode(parts[4])
    if len(raw) != 33 or raw[0] != ED25519_ALGORITHM:
        raise NoteError("not an Ed25519 note signing key")
    private = Ed25519PrivateKey.from_private_bytes(raw[1:])
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = private.sign(body.encode())
    line = base64.b64encode(key_hash(parts[2], public) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{parts[2]} {line}\n"


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: the log's origin, its size and root, and the exact signed text."""

    origin: str
    size: int
    root: bytes
    text: str


def verify_checkpoint(text: str, key: VerifierKey) -> Checkpoint:
    """Parses a signed checkpoint and checks it carries a valid signature by `key` over an origin equal to its name.

    Signatures by other keys (witnesses, say) are allowed and ignored; a line claiming this key that does not
    verify is an error.
    """
    body, separator, signatures = text.rpartition("\n\n")
    if not separator or not text.endswith("\n"):
        raise NoteError("not a signed note: no blank line before the signatures")
    body += "\n"
    verified = False
    public = Ed25519PublicKey.from_public_bytes(key.public_key)
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("malformed signature line")
        name, _, blob = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = base64.b64decode(blob)
        if name != key.name or raw[:4] != key.key_hash:
            continue
        try:
            public.verify(raw[4:], body.encode())
        except InvalidSignature as error:
            raise NoteError("the log's signature on the checkpoint does not verify") from error
        verified = True
    if not verified:
        raise NoteError(f"no signature by {key.name} on the checkpoint")
    return parse_checkpoint_body(body, text, key.name)


def parse_checkpoint_body(body: str, text: str, expected_origin: str) -> Checkpoint:
    """Reads origin, size and root from a checkpoint body (extension lines are allowed and ignored)."""
    lines = body.split("\n")
    if len(lines) < 4:
        raise NoteError("a checkpoint body has an origin, a size and a root")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if origin != expected_origin:
        raise NoteError(f"checkpoint origin {origin!r} is not the log's {expected_origin!r}")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError("checkpoint size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise NoteError("checkpoint root is not base64") from error
    if len(root) != 32:
        raise NoteError("checkpoint root is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, text)
