"""Rules of verification reports, on an index filled by hand (the chain's side is what the rows say).

- A file of a folder is confirmed only by a Merkle proof against the data commitment on chain, never the
  manifest's root (issue 11, item 0).
- A lineage reports each ancestor once and is bounded (issue 11, item 5).
- A verification runs a fixed number of statements per registration reported, however many certificates,
  rights, licences, events and evidence entries it has, and whatever the size of the evidence log (issue 13).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

import ledger.tables
from ledger.db import Base
from ledger.evidence import EvidenceRow
from ledger.evidence_anchoring import EvidenceCheckpointRow
from ledger.index.tables import (
    CertificateRow,
    ChainEvent,
    DataFileRow,
    EndorsementRow,
    LicenceRow,
    LineageEdge,
    ManifestRecord,
    ManifestVersion,
    PendingTransferRow,
    RegistrationRow,
    RightRow,
)
from ledger.manifest.data import commitment_root
from ledger.manifest.model import DataCommitment, FileDigest, RegistrantSignature, SignedManifest
from ledger.outbox import OutboxStatus, OutboxWrite
from ledger.verification import MAX_LINEAGE, registration_report, verify
from ledger.vocabulary import Status

from ..factories import make_manifest

REGISTRANT = "0x" + "ab" * 20
assert ledger.tables  # the tables register on Base when imported


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def _hex(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def _registration(
    session: Session, registration_id: int, on_chain: str, commitment: DataCommitment | None = None
) -> None:
    """A certified registration whose data commitment on chain is `on_chain`, its manifest listing `commitment`."""
    digest = _hex(f"manifest {registration_id}".encode())
    session.add(
        RegistrationRow(
            id=registration_id, registrant=REGISTRANT, authority_id=1, kind=0, origin=1, grade=0,
            personal_info=False, rights=1, status=Status.CERTIFIED.code, version=1, manifest_digest=digest,
            data_commitment=on_chain, submitted_block=1, submitted_tx="0x" + "00" * 32, submitted_at=0, updated_block=1,
        )
    )  # fmt: skip
    session.add(
        ManifestVersion(
            registration_id=registration_id, version=1, manifest_digest=digest, data_commitment=on_chain,
            block_number=1, tx_hash="0x" + "00" * 32,
        )
    )  # fmt: skip
    if commitment is None:
        return
    manifest = make_manifest(REGISTRANT, data_commitment=commitment)
    document = SignedManifest(
        manifest=manifest, signature=RegistrantSignature(signer=REGISTRANT, value="0x" + "00" * 65)
    )
    session.add(
        ManifestRecord(
            registration_id=registration_id, version=1, manifest_digest=digest, cid="b", valid=True,
            document=document.model_dump(mode="json", by_alias=True, exclude_none=True),
        )
    )  # fmt: skip
    for file in commitment.files:
        session.add(
            DataFileRow(registration_id=registration_id, version=1, path=file.path, sha256=file.sha256, size=file.size)
        )


def _folder(*names: str) -> DataCommitment:
    files = [FileDigest(path=name, size=len(name), sha256=_hex(name.encode())) for name in names]
    return DataCommitment(
        scheme="merkle/2", root=commitment_root("merkle/2", files), file_count=len(files), total_bytes=0, files=files
    )


def test_a_file_is_confirmed_only_against_the_data_commitment_on_chain(session: Session) -> None:
    honest = _folder("a.csv", "b.csv")
    claimed = _folder("never.csv", "c.csv")  # consistent in itself, but not what the chain holds
    _registration(session, 1, honest.root, honest)
    _registration(session, 2, honest.root, claimed)
    session.commit()

    (match,) = verify(session, _hex(b"a.csv")).matches
    assert match.registration_id == 1
    assert match.matched_file is not None
    assert match.matched_file.merkle_root == honest.root
    assert verify(session, _hex(b"never.csv")).matches == []


def test_a_manifest_listing_files_its_root_does_not_cover_is_refused() -> None:
    file = FileDigest(path="never.csv", size=1, sha256=_hex(b"never"))
    with pytest.raises(ValueError, match="do not produce the root"):
        DataCommitment(scheme="merkle/2", root="0x" + "22" * 32, file_count=1, total_bytes=1, files=[file])
    with pytest.raises(ValueError, match="do not produce the root"):
        DataCommitment(scheme="merkle/1", root="0x" + "22" * 32, file_count=1, total_bytes=1, files=[file])


def _layered_lineage(session: Session, levels: int, width: int) -> int:
    """`levels` generations of `width` registrations, each derived from every registration of the one above;
    returns the single registration at the bottom."""
    above: list[int] = []
    next_id = 1
    for _ in range(levels):
        layer = list(range(next_id, next_id + width))
        next_id += width
        for child in layer:
            _registration(session, child, _hex(str(child).encode()))
            session.add_all(LineageEdge(child_id=child, parent_id=parent) for parent in above)
        above = layer
    _registration(session, next_id, _hex(b"bottom"))
    session.add_all(LineageEdge(child_id=next_id, parent_id=parent) for parent in above)
    session.commit()
    return next_id


def test_a_diamond_lineage_reports_each_ancestor_once(session: Session) -> None:
    bottom = _layered_lineage(session, levels=4, width=3)
    report = registration_report(session, bottom)
    assert report is not None
    ancestors = [ancestor.registration_id for ancestor in report.lineage]
    assert sorted(ancestors) == list(range(1, 13))
    assert not report.lineage_truncated
    assert report.parents == [10, 11, 12]
    assert all(ancestor.lineage == [] for ancestor in report.lineage)


def test_a_lineage_larger_than_the_cap_is_truncated_and_says_so(session: Session) -> None:
    bottom = _layered_lineage(session, levels=30, width=3)
    report = registration_report(session, bottom)
    assert report is not None
    assert len(report.lineage) == MAX_LINEAGE
    assert len({ancestor.registration_id for ancestor in report.lineage}) == MAX_LINEAGE
    assert report.lineage_truncated


def _certified_with_everything(session: Session, registration_id: int, items: int, checkpoints: int) -> None:
    """A certified registration with `items` certificates, rights (at most three), licences, endorsements, events
    and evidence entries, and an evidence log anchored `checkpoints` times (every other anchoring mined)."""
    _registration(session, registration_id, _hex(f"data {registration_id}".encode()))
    account = "0x" + "cd" * 20
    for i in range(items):
        session.add_all(
            [
                CertificateRow(
                    token_id=f"{registration_id}-{i}", registration_id=registration_id, authority_id=1,
                    certificate_type=0, number=202501010000 + registration_id * 100 + i, holder=account,
                    document_digest=_hex(f"document {i}".encode()), retired=i > 0, issued_block=i,
                ),
                LicenceRow(
                    id=f"{registration_id}-{i}", registration_id=registration_id, right=1, licence_type=None,
                    licensee=account, licensor=REGISTRANT, scope_digest=_hex(b"scope"), scope_public=True,
                    starts_at=0, ends_at=10, sublicensable=False, status="granted", granted_block=i,
                ),
                EndorsementRow(
                    agency=account, report_digest=_hex(f"report {registration_id} {i}".encode()),
                    registration_id=registration_id, kind=0, withdrawn=False, block_number=i,
                ),
                ChainEvent(
                    block_number=i, block_hash=_hex(b"block"), timestamp=i, log_index=0, contract="Registrations",
                    tx_hash=_hex(f"tx {registration_id} {i}".encode()), name="RegistrationChanged",
                    scope=f"registration:{registration_id}", registration_id=registration_id, actor=account,
                    args={"registrationId": registration_id},
                ),
                EvidenceRow(
                    log_index=registration_id * 1000 + i, digest=_hex(f"evidence {registration_id} {i}".encode()),
                    leaf_hash=_hex(b"leaf"), party=account, kind="access", subject=_hex(b"subject"),
                    registration_id=registration_id, at=datetime(2026, 1, 1, tzinfo=UTC), entry="{}",
                    recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
                ),
            ]
        )  # fmt: skip
    for right in range(min(items, 3)):
        session.add(RightRow(registration_id=registration_id, right=right, holder=account, encumbrance="pledge"))
    session.add(
        PendingTransferRow(
            registration_id=registration_id, right=0, holder=account, new_holder=REGISTRANT, digest=_hex(b"offer"),
            lawful=False, requested_block=1,
        )
    )  # fmt: skip
    for size in range(1, checkpoints + 1):
        key = f"anchor {registration_id} {size}"
        session.add_all(
            [
                EvidenceCheckpointRow(
                    size=registration_id * 1000 + size * 2, root=_hex(key.encode()), origin="log", checkpoint="",
                    outbox_key=key, anchorer=account, queued_at=datetime(2026, 1, 1, tzinfo=UTC),
                ),
                OutboxWrite(
                    idempotency_key=key, purpose="anchor", sender=account, to=account, data=b"",
                    status=OutboxStatus.MINED if size % 2 else OutboxStatus.PENDING,
                ),
            ]
        )  # fmt: skip


def _statements_of_verification(session: Session, query: str) -> tuple[int, list[Any]]:
    """How many statements verifying `query` runs, and the report's matches."""
    statements: list[str] = []

    def count(*arguments: Any) -> None:
        statements.append(arguments[2])

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        session.expunge_all()  # nothing read before may spare a statement
        matches = verify(session, query).matches
    finally:
        event.remove(bind, "before_cursor_execute", count)
    return len(statements), matches


def test_a_verification_runs_as_many_statements_for_a_rich_registration_as_for_a_bare_one(session: Session) -> None:
    _registration(session, 1, _hex(b"bare"))
    _certified_with_everything(session, 2, items=1, checkpoints=1)
    _certified_with_everything(session, 3, items=9, checkpoints=40)
    session.commit()

    bare, (match,) = _statements_of_verification(session, _hex(b"bare"))
    small, _ = _statements_of_verification(session, _hex(b"data 2"))
    rich, (rich_match,) = _statements_of_verification(session, _hex(b"data 3"))
    unknown, matches = _statements_of_verification(session, _hex(b"nobody registered this"))

    assert matches == []
    assert unknown == 1
    assert bare == small == rich == 10
    assert match.evidence == []
    assert len(rich_match.certificates) == len(rich_match.licences) == len(rich_match.history) == 9
    assert len(rich_match.evidence) == 9
    # each entry names the smallest mined anchoring larger than its index (odd-numbered ones are mined)
    assert [(entry.index, entry.anchored_size) for entry in rich_match.evidence[-3:]] == [
        (3002, 3006),
        (3001, 3002),
        (3000, 3002),
    ]
