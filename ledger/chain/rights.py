"""Typed values of the rights module: enums mirroring Solidity (`IRights`), and the signed terms of transfers,
licences and encumbrances as passed to `Rights`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount

from ledger.chain.typed_data import signable


class RightId(IntEnum):
    """One of the three rights (IRights.Right); the registration's claimed set holds `1 << right`."""

    RESOURCE_HOLDING = 0
    PROCESSING_AND_USE = 1
    PRODUCT_OPERATION = 2


class LicenceType(IntEnum):
    """Licence categories (IRights.LicenceType)."""

    EXCLUSIVE = 0
    SOLE = 1
    NON_EXCLUSIVE = 2
    SUB_LICENCE = 3
    CROSS_LICENCE = 4


class LicenceStatus(IntEnum):
    """State of a licence record (IRights.LicenceStatus)."""

    NONE = 0
    AWAITING_APPROVAL = 1
    GRANTED = 2
    REVOKED = 3


class EncumbranceKind(IntEnum):
    """What encumbers a right (IRights.EncumbranceKind)."""

    NONE = 0
    PLEDGE = 1
    TRUST = 2


class ReportKind(IntEnum):
    """What an endorsed report is (IEndorsements.ReportKind)."""

    COMPLIANCE = 0
    QUALITY = 1
    VALUATION = 2


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class _SignedTerms:
    """Terms whose fields, in order, are both the EIP-712 message and the ABI tuple of the Solidity struct."""

    PRIMARY_TYPE: ClassVar[str]

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (field names as in Solidity, enums as integers)."""
        return {_camel(key): int(value) if isinstance(value, IntEnum) else value for key, value in asdict(self).items()}

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple of the Solidity struct, in field order."""
        return tuple(self.message().values())

    def sign(self, signer: LocalAccount, chain_id: int, rights: str) -> bytes:
        """`signer`'s EIP-712 signature over these terms for the rights module at `rights`."""
        message = signable(self.PRIMARY_TYPE, self.message(), chain_id, rights)
        return bytes(signer.sign_message(message).signature)


@dataclass(frozen=True)
class TransferTerms(_SignedTerms):
    """A transfer of one right (`IRights.TransferTerms`), signed by the holder and by the new holder."""

    PRIMARY_TYPE: ClassVar[str] = "RightTransfer"

    registration_id: int
    right: RightId
    holder: str
    new_holder: str
    agreement_digest: bytes
    nonce: int
    deadline: int


@dataclass(frozen=True)
class LicenceTerms(_SignedTerms):
    """A licence (`IRights.LicenceTerms`), signed by the licensor."""

    PRIMARY_TYPE: ClassVar[str] = "Licence"

    registration_id: int
    right: RightId
    licensor: str
    licensee: str
    licence_type: LicenceType
    scope_digest: bytes
    starts_at: int
    ends_at: int
    sublicensable: bool
    parent_licence_id: int
    nonce: int
    deadline: int


@dataclass(frozen=True)
class EncumbranceTerms(_SignedTerms):
    """A pledge or trust (`IRights.EncumbranceTerms`), signed by the holder."""

    PRIMARY_TYPE: ClassVar[str] = "Encumbrance"

    registration_id: int
    right: RightId
    kind: EncumbranceKind
    holder: str
    creditor: str
    agreement_digest: bytes
    nonce: int
    deadline: int
