"""What the signed-in pages summarise from the index: the regulator's dashboard (registrations counted for its
charts, the registrations and parties it may act on, what awaits its approval, the conflicts), and what one party
registered, holds, is licensed or is pledged.

Counts are grouped in SQL (one query a chart), so a dashboard costs the same whatever the ledger's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ledger.index import queries
from ledger.index.tables import LicenceRow, ManifestRecord, PartyRow, PendingTransferRow, RegistrationRow, RightRow
from ledger.vocabulary import Grade, Kind, LicenceStatus, PartyStatus, Status

DAY = 86_400
RECENT_DAYS = 30
LIST_LIMIT = 200


@dataclass(frozen=True)
class RegistrationCounts:
    """Registrations counted three ways: by day submitted (the last `RECENT_DAYS` with any), kind and status."""

    per_day: list[tuple[int, int]]  # (unix day start, count), oldest first
    by_kind: dict[Kind, int]
    by_status: dict[Status, int]


def registration_counts(session: Session) -> RegistrationCounts:
    """The counts behind the regulator's charts."""
    day = (RegistrationRow.submitted_at // DAY).label("day")
    per_day = session.execute(select(day, func.count()).group_by(day).order_by(day.desc()).limit(RECENT_DAYS)).all()
    by_kind = session.execute(select(RegistrationRow.kind, func.count()).group_by(RegistrationRow.kind)).all()
    by_status = session.execute(select(RegistrationRow.status, func.count()).group_by(RegistrationRow.status)).all()
    return RegistrationCounts(
        per_day=sorted((int(d) * DAY, int(n)) for d, n in per_day),
        by_kind={Kind.of(k): int(n) for k, n in by_kind},
        by_status={Status.of(s): int(n) for s, n in by_status},
    )


@dataclass(frozen=True)
class Listed:
    """A registration as a list shows it: its row and its title (from the first manifest version)."""

    registration: RegistrationRow
    title: str | None


def _listed(session: Session, where: object, limit: int) -> list[Listed]:
    rows = session.execute(
        select(RegistrationRow, ManifestRecord.title)
        .outerjoin(
            ManifestRecord,
            (ManifestRecord.registration_id == RegistrationRow.id) & (ManifestRecord.version == 1),
        )
        .where(where)  # type: ignore[arg-type]
        .order_by(RegistrationRow.id.desc())
        .limit(limit)
    ).all()
    return [Listed(row, title) for row, title in rows]


def registrations_in(session: Session, statuses: Sequence[Status], limit: int = LIST_LIMIT) -> list[Listed]:
    """Registrations in any of `statuses`, newest first (what a regulator may freeze, unfreeze or revoke)."""
    return _listed(session, RegistrationRow.status.in_([s.code for s in statuses]), limit)


def parties(session: Session, limit: int = LIST_LIMIT) -> list[PartyRow]:
    """The admitted and suspended parties, admitted first (those a regulator may suspend), then by address."""
    suspended_last = PartyRow.status == PartyStatus.SUSPENDED.value
    return list(session.scalars(select(PartyRow).order_by(suspended_last, PartyRow.address).limit(limit)))


@dataclass(frozen=True)
class AwaitingRegulator:
    """What waits for a regulator's approval on chain. Registrations of important or core data need none (the
    contracts certify them as any other); their transfers and licences do (`Rights.regulatorApproveTransfer`,
    `Rights.regulatorApproveLicence`)."""

    transfers: list[PendingTransferRow]
    licences: list[LicenceRow]


def awaiting_regulator(session: Session, limit: int = LIST_LIMIT) -> AwaitingRegulator:
    """Pending transfers of data graded important or core that no regulator has approved yet, and licences
    awaiting approval, oldest first."""
    graded = select(RegistrationRow.id).where(RegistrationRow.grade != Grade.GENERAL.code)
    transfers = session.scalars(
        select(PendingTransferRow)
        .where(~PendingTransferRow.regulator_approved, PendingTransferRow.registration_id.in_(graded))
        .order_by(PendingTransferRow.registration_id, PendingTransferRow.right)
        .limit(limit)
    )
    licences = session.scalars(
        select(LicenceRow)
        .where(LicenceRow.status == LicenceStatus.AWAITING_APPROVAL.value)
        .order_by(LicenceRow.granted_block, LicenceRow.id)
        .limit(limit)
    )
    return AwaitingRegulator(list(transfers), list(licences))


@dataclass(frozen=True)
class RegulatorOverview:
    """Everything the regulator's dashboard shows besides its audit trail (which pages on its own)."""

    counts: RegistrationCounts
    conflicts: queries.Conflicts
    actionable: list[Listed]
    parties: list[PartyRow]
    awaiting: AwaitingRegulator


def regulator_overview(session: Session) -> RegulatorOverview:
    """The dashboard's charts, conflicts, the registrations it may freeze, unfreeze or revoke and the parties
    it may suspend, read in one call so that the page's route stays one ledger call."""
    return RegulatorOverview(
        counts=registration_counts(session),
        conflicts=queries.conflicts(session),
        actionable=registrations_in(session, [Status.CERTIFIED, Status.FROZEN, Status.LAPSED]),
        parties=parties(session),
        awaiting=awaiting_regulator(session),
    )


@dataclass(frozen=True)
class Holdings:
    """What one party has on the ledger: its registrations, the rights it holds, its licences (as licensee or
    licensor) and the rights pledged to it."""

    registrations: list[Listed]
    rights: list[RightRow]
    licences: list[LicenceRow]
    pledged_to_me: list[RightRow]


def holdings_of(session: Session, address: str, limit: int = LIST_LIMIT) -> Holdings:
    """The registrant portal's lists for `address` (checksummed, as the index stores it)."""
    return Holdings(
        registrations=_listed(session, RegistrationRow.registrant == address, limit),
        rights=list(session.scalars(select(RightRow).where(RightRow.holder == address).limit(limit))),
        licences=list(
            session.scalars(
                select(LicenceRow)
                .where(or_(LicenceRow.licensee == address, LicenceRow.licensor == address))
                .order_by(LicenceRow.granted_block.desc())
                .limit(limit)
            )
        ),
        pledged_to_me=list(session.scalars(select(RightRow).where(RightRow.creditor == address).limit(limit))),
    )
