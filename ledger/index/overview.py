"""What the signed-in pages summarise from the index: the regulator's dashboard (registrations counted for its
charts, the registrations and parties it may act on, what awaits its approval, the conflicts), and what one party
registered, holds, is licensed or is pledged.

Counts are grouped in SQL (one query a chart), so a dashboard costs the same whatever the ledger's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ledger.index import queries
from ledger.index.tables import (
    ChainEvent,
    LicenceRow,
    ManifestRecord,
    PartyRow,
    PendingTransferRow,
    RegistrationRow,
    RightRow,
)
from ledger.vocabulary import Grade, Kind, LicenceStatus, Origin, PartyStatus, Status

DAY = 86_400
RECENT_DAYS = 30
LIST_LIMIT = 200


@dataclass(frozen=True)
class RegistrationCounts:
    """Registrations counted by day submitted (the last `RECENT_DAYS` with any), kind, status, origin, grade and
    industry (the industry code of the current manifest; None when it names none or is not read yet)."""

    per_day: list[tuple[int, int]]  # (unix day start, count), oldest first
    by_kind: dict[Kind, int]
    by_status: dict[Status, int]
    by_origin: dict[Origin, int]
    by_grade: dict[Grade, int]
    by_industry: dict[str | None, int]


def _grouped(session: Session, column: Any) -> list[tuple[Any, int]]:
    """(value, count) of the registrations grouped by `column`."""
    return [(value, int(n)) for value, n in session.execute(select(column, func.count()).group_by(column)).all()]


def _per_day(session: Session, day: Any, where: Any = None) -> list[tuple[int, int]]:
    """(unix day start, count) of the last `RECENT_DAYS` days with any, oldest first."""
    query = select(day, func.count()).group_by(day).order_by(day.desc()).limit(RECENT_DAYS)
    rows = session.execute(query if where is None else query.where(where)).all()
    return sorted((int(d) * DAY, int(n)) for d, n in rows)


def registration_counts(session: Session) -> RegistrationCounts:
    """The counts behind the regulator's registration charts."""
    industry = (
        select(ManifestRecord.industry, func.count())
        .join(
            RegistrationRow,
            (ManifestRecord.registration_id == RegistrationRow.id)
            & (ManifestRecord.manifest_digest == RegistrationRow.manifest_digest),
        )
        .group_by(ManifestRecord.industry)
    )
    return RegistrationCounts(
        per_day=_per_day(session, (RegistrationRow.submitted_at // DAY).label("day")),
        by_kind={Kind.of(k): n for k, n in _grouped(session, RegistrationRow.kind)},
        by_status={Status.of(s): n for s, n in _grouped(session, RegistrationRow.status)},
        by_origin={Origin.of(o): n for o, n in _grouped(session, RegistrationRow.origin)},
        by_grade={Grade.of(g): n for g, n in _grouped(session, RegistrationRow.grade)},
        by_industry={code: int(n) for code, n in session.execute(industry).all()},
    )


@dataclass(frozen=True)
class DealingCounts:
    """Licences registered and rights transferred per day (the last `RECENT_DAYS` with any), from the chain's
    events as indexed (a licence counts when registered, awaiting approval or not; a transfer when it moves)."""

    licences_per_day: list[tuple[int, int]]
    transfers_per_day: list[tuple[int, int]]


def dealing_counts(session: Session) -> DealingCounts:
    """The counts behind the regulator's charts of licences and transfers over time."""
    day = (ChainEvent.timestamp // DAY).label("day")
    return DealingCounts(
        licences_per_day=_per_day(session, day, ChainEvent.name == "LicenceGranted"),
        transfers_per_day=_per_day(session, day, ChainEvent.name == "RightTransferred"),
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
    dealings: DealingCounts
    conflicts: queries.Conflicts
    actionable: list[Listed]
    parties: list[PartyRow]
    awaiting: AwaitingRegulator


def regulator_overview(session: Session) -> RegulatorOverview:
    """The dashboard's charts, conflicts, the registrations it may freeze, unfreeze or revoke and the parties
    it may suspend, read in one call so that the page's route stays one ledger call."""
    return RegulatorOverview(
        counts=registration_counts(session),
        dealings=dealing_counts(session),
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
