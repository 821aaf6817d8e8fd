"""Typed values of the registry contract: enums mirroring Solidity, and the signed application."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.chain.typed_data import signable


class Kind(IntEnum):
    """What is registered (IRegistrations.Kind)."""

    DATA_RESOURCE = 0
    DATA_PRODUCT = 1
    DATA_ASSET = 2


class Origin(IntEnum):
    """Where the data comes from (IRegistrations.Origin)."""

    PUBLIC = 0
    ENTERPRISE = 1
    PERSONAL = 2


class Grade(IntEnum):
    """Classification grade (IRegistrations.Grade)."""

    GENERAL = 0
    IMPORTANT = 1
    CORE = 2


class Status(IntEnum):
    """Lifecycle state (IRegistrations.Status)."""

    NONE = 0
    SUBMITTED = 1
    UNDER_REVIEW = 2
    REJECTED = 3
    PUBLIC_NOTICE = 4
    OBJECTED = 5
    CERTIFIED = 6
    LAPSED = 7
    FROZEN = 8
    REVOKED = 9
    CANCELLED = 10


class Right(IntFlag):
    """The three rights, as the bit set a registration claims."""

    RESOURCE_HOLDING = 1
    PROCESSING_AND_USE = 2
    PRODUCT_OPERATION = 4


@dataclass(frozen=True)
class Submission:
    """A registrant's application, as signed (EIP-712 `Submission`) and as passed to `submit`."""

    registrant: str
    authority_id: int
    kind: Kind
    origin: Origin
    grade: Grade
    personal_info: bool
    rights: Right
    manifest_digest: bytes
    data_commitment: bytes
    nonce: int
    deadline: int
    parents: tuple[int, ...] = field(default=())

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "registrant": self.registrant,
            "authorityId": self.authority_id,
            "kind": int(self.kind),
            "origin": int(self.origin),
            "grade": int(self.grade),
            "personalInfo": self.personal_info,
            "rights": int(self.rights),
            "manifestDigest": self.manifest_digest,
            "dataCommitment": self.data_commitment,
            "parents": list(self.parents),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple of `IRegistrations.Submission`, in field order."""
        return tuple(self.message().values())

    def sign(self, signer: LocalAccount, chain_id: int, registry: str) -> bytes:
        """The registrant's EIP-712 signature over this application."""
        return bytes(signer.sign_message(signable("Submission", self.message(), chain_id, registry)).signature)
