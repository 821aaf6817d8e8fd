"""The vocabulary's enums against the contracts' Solidity enums, and the hex text of bytes."""

from __future__ import annotations

import re

import pytest

from ledger.encoding import from_hex, text_digest, to_hex
from ledger.toolchain import PROJECT_ROOT
from ledger.vocabulary import (
    CertificateType,
    ChainEnum,
    Encumbrance,
    Grade,
    Kind,
    LicenceStatus,
    LicenceType,
    ObjectionStatus,
    Origin,
    PartyStatus,
    ReportKind,
    Right,
    Status,
    rights_mask,
)

INTERFACES = PROJECT_ROOT / "contracts" / "src" / "interfaces"
SOLIDITY_ENUMS: list[tuple[type[ChainEnum], str, str]] = [
    (Kind, "IRegistrations.sol", "Kind"),
    (Origin, "IRegistrations.sol", "Origin"),
    (Grade, "IRegistrations.sol", "Grade"),
    (Status, "IRegistrations.sol", "Status"),
    (ObjectionStatus, "IRegistrations.sol", "ObjectionStatus"),
    (Right, "IRights.sol", "Right"),
    (LicenceType, "IRights.sol", "LicenceType"),
    (LicenceStatus, "IRights.sol", "LicenceStatus"),
    (Encumbrance, "IRights.sol", "EncumbranceKind"),
    (ReportKind, "IEndorsements.sol", "ReportKind"),
    (CertificateType, "ICertificates.sol", "CertificateType"),
    (PartyStatus, "ILedgerAccess.sol", "PartyStatus"),
]


def _solidity_members(file: str, name: str) -> list[str]:
    source = (INTERFACES / file).read_text()
    match = re.search(rf"enum\s+{name}\s*\{{([^}}]*)\}}", source)
    assert match is not None, f"enum {name} not in {file}"
    members = [re.sub(r"//.*", "", line).strip().rstrip(",") for line in match.group(1).splitlines()]
    return [re.sub(r"(?<!^)(?=[A-Z])", "_", member).upper() for member in members if member]


@pytest.mark.parametrize(("enum", "file", "name"), SOLIDITY_ENUMS, ids=[e[2] for e in SOLIDITY_ENUMS])
def test_every_chain_code_is_the_position_solidity_gives_the_member(
    enum: type[ChainEnum], file: str, name: str
) -> None:
    assert [member.name for member in enum] == _solidity_members(file, name)
    for position, member in enumerate(enum):
        assert member.code == position
        assert enum.of(position) is member


def test_wire_names_are_the_lowercase_member_names_the_api_has_always_answered() -> None:
    assert Right.PROCESSING_AND_USE == "processing_and_use"
    assert Status.PUBLIC_NOTICE == "public_notice"
    assert Kind.DATA_RESOURCE == "data_resource"
    assert LicenceStatus.AWAITING_APPROVAL == "awaiting_approval"


def test_a_claimed_set_of_rights_is_one_bit_per_right() -> None:
    assert rights_mask([Right.RESOURCE_HOLDING, Right.PRODUCT_OPERATION]) == 0b101
    assert rights_mask(Right) == 0b111


def test_hex_text_round_trips_with_or_without_its_prefix() -> None:
    digest = text_digest("reason")
    assert to_hex(digest) == "0x" + digest.hex()
    assert from_hex(to_hex(digest)) == digest == from_hex(digest.hex())
    with pytest.raises(ValueError, match="non-hexadecimal"):
        from_hex("0xzz")
