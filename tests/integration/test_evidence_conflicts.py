"""Usage against licences: the conflicts view flags use by a non-licensee, outside the term, or with no licence."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ledger.config import Settings
from ledger.evidence import EvidenceRow
from ledger.evidence_conflicts import usage_conflicts
from ledger.index.tables import LicenceRow
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import LicenceStatus

LICENSEE = "0x" + "11" * 20
STRANGER = "0x" + "22" * 20
START, END = 1_700_000_000, 1_800_000_000


def _usage(index: int, party: str, at: int, licence_id: int | None, registration_id: int | None = 1) -> EvidenceRow:
    return EvidenceRow(
        log_index=index,
        digest=f"0x{index:064x}",
        leaf_hash=f"0x{index:064x}",
        party=party,
        kind="usage",
        subject="0x" + "ab" * 32,
        registration_id=registration_id,
        licence_id=licence_id,
        at=datetime.fromtimestamp(at, UTC),
        entry="{}",
        recorded_at=datetime.now(UTC),
    )


def test_usage_outside_a_licence_is_flagged_and_licensed_use_is_not(tmp_path: Path) -> None:
    runtime = LedgerRuntime(Settings(data_dir=tmp_path))
    with runtime.sessions() as session:
        session.add(
            LicenceRow(
                id="77",
                registration_id=1,
                right=1,
                licence_type=0,
                licensee=LICENSEE,
                licensor=STRANGER,
                scope_digest="0x" + "00" * 32,
                scope_public=True,
                starts_at=START,
                ends_at=END,
                sublicensable=False,
                status=LicenceStatus.GRANTED,
                granted_block=1,
            )
        )
        session.add_all(
            [
                _usage(0, LICENSEE, START + 10, 77),  # licensed: not flagged
                _usage(1, LICENSEE, END + 10, 77),  # after the licence ended
                _usage(2, STRANGER, START + 10, 77),  # someone else's licence
                _usage(3, STRANGER, START + 10, 78),  # a licence that does not exist
                _usage(4, STRANGER, START + 10, None),  # no licence at all
                _usage(5, LICENSEE, START + 10, None),  # a licensee of the registration
            ]
        )
        session.commit()
        flagged = {conflict.index: conflict.rule for conflict in usage_conflicts(session)}
    runtime.close()
    assert flagged == {1: "outside-term", 2: "not-licensee", 3: "no-licence", 4: "no-licence"}
