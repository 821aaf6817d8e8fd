"""Evidence entries built for a batch (validated once, not member by member) are byte for byte the entries a full
validation makes: the leaf, and so the digest and the log's leaf hash, do not depend on the shortcut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ledger import evidence
from ledger.evidence import EvidenceEntry, EvidenceItem

PARTY = "0x" + "ab" * 20
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "item",
    [
        {"kind": "access", "subject": "0x" + "11" * 32},
        {
            "kind": "usage",
            "subject": "0x" + "22" * 32,
            "registration_id": 7,
            "licence_id": 3,
            "scope": "C13",
            "at": datetime(2026, 11, 1, 8, tzinfo=timezone(timedelta(hours=8))),
        },
    ],
)
def test_an_entry_built_for_a_batch_is_the_entry_full_validation_makes(item: dict[str, object]) -> None:
    parsed = EvidenceItem.model_validate(item)
    built = evidence.entry_of(None, PARTY, parsed, NOW)  # type: ignore[arg-type] - no persons: no session needed
    validated = EvidenceEntry.model_validate(
        {**built.model_dump(by_alias=True), "party": PARTY, "at": (parsed.at or NOW).astimezone(UTC)}
    )
    assert built.leaf() == validated.leaf()
    assert built.party == validated.party != PARTY, "the party is checksummed"
    assert built.at.utcoffset() == timedelta(0)


def test_an_entry_of_a_party_that_is_no_address_is_refused() -> None:
    with pytest.raises(ValueError, match="not an Ethereum address"):
        evidence.entry_of(None, "0x1234", EvidenceItem(kind="access", subject="0x" + "11" * 32), NOW)  # type: ignore[arg-type]
