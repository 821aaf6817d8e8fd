"""Read queries over the index (and the outbox's record of refused writes). Nothing here reads the chain's
logs: the follower already did. The faces (API, CLI) read through these functions and run no SQL of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Row, Select, bindparam, case, func, null, or_, select, union_all
from sqlalchemy.orm import Session, aliased, sessionmaker

from ledger.index.tables import (
    CertificateRow,
    ChainEvent,
    DataFileRow,
    EndorsementRow,
    LicenceRow,
    LineageEdge,
    ManifestMiss,
    ManifestRecord,
    ManifestVersion,
    PendingTransferRow,
    RegistrationRow,
    RightRow,
)
from ledger.outbox import OutboxStatus, OutboxWrite
from ledger.vocabulary import EXCLUSIVE_LICENCES, Grade, Kind, LicenceStatus, Origin, Right, Status


@dataclass(frozen=True)
class IndexTotals:
    """How much the index holds: what `drl index rebuild` reports."""

    registrations: int
    manifest_versions: int
    manifests_recorded: int
    manifests_not_retrievable: int = 0  # no node had them when last asked (ledger.index.manifests retries them)


def index_totals(session: Session) -> IndexTotals:
    """The registrations, manifest versions and manifest records in the index, and the manifests not retrievable
    yet."""
    missed = (
        select(func.count())
        .select_from(ManifestMiss)
        .join(
            ManifestVersion,
            (ManifestVersion.registration_id == ManifestMiss.registration_id)
            & (ManifestVersion.version == ManifestMiss.version)
            & (ManifestVersion.manifest_digest == ManifestMiss.manifest_digest),
        )
    )
    return IndexTotals(
        registrations=session.scalar(select(func.count()).select_from(RegistrationRow)) or 0,
        manifest_versions=session.scalar(select(func.count()).select_from(ManifestVersion)) or 0,
        manifests_recorded=session.scalar(select(func.count()).select_from(ManifestRecord)) or 0,
        manifests_not_retrievable=session.scalar(missed) or 0,
    )


def registration(session: Session, registration_id: int) -> RegistrationRow | None:
    """The current state of a registration."""
    return session.get(RegistrationRow, registration_id)


THE_REGISTRATION: BindParameter[int] = bindparam("registration_id")
"""The registration a statement built once is about: `{"registration_id": id}` in its parameters."""

_BY_DATA_HASH = union_all(
    select(
        ManifestVersion.registration_id, ManifestVersion.version, null().cast(DataFileRow.path.type).label("path")
    ).where(ManifestVersion.data_commitment == bindparam("digest")),
    select(DataFileRow.registration_id, DataFileRow.version, DataFileRow.path).where(
        DataFileRow.sha256 == bindparam("digest")
    ),
)
"""Both lookups by data hash in one statement (each an index search), built once: building a statement costs
SQLAlchemy more CPU than running it (issue 13; the statements below that a verification runs are built once too)."""


def registrations_by_data_hash(session: Session, sha256_hex: str) -> list[tuple[int, int, str | None]]:
    """(registration, version, file path) of every manifest version whose data is, or includes, this hash; a
    version whose whole commitment is the hash has no path."""
    found: dict[tuple[int, int], str | None] = {}
    for registration_id, version, path in session.execute(_BY_DATA_HASH, {"digest": sha256_hex.lower()}):
        if path is None:  # the whole commitment: the chain's own value, before any file of it
            found[(registration_id, version)] = None
        else:
            found.setdefault((registration_id, version), path)
    return sorted((r, v, p) for (r, v), p in found.items())


def registrations_by_manifest(session: Session, digest_hex: str) -> list[int]:
    """Registrations that ever pointed at this manifest digest."""
    rows = session.scalars(
        select(ManifestVersion.registration_id).where(ManifestVersion.manifest_digest == digest_hex.lower())
    )
    return sorted(set(rows))


def certificates_by_number(session: Session, number: int) -> Sequence[CertificateRow]:
    """Certificates with this number (unique per authority and certificate type)."""
    return session.scalars(select(CertificateRow).where(CertificateRow.number == number)).all()


_CERTIFICATES_OF = (
    select(CertificateRow)
    .where(CertificateRow.registration_id == THE_REGISTRATION)
    .order_by(CertificateRow.issued_block)
)


def certificates_of(session: Session, registration_id: int) -> Sequence[CertificateRow]:
    return session.scalars(_CERTIFICATES_OF, {"registration_id": registration_id}).all()


_HISTORY = (
    select(ChainEvent)
    .where(ChainEvent.registration_id == THE_REGISTRATION)
    .order_by(ChainEvent.block_number, ChainEvent.log_index)
)


def history(session: Session, registration_id: int) -> Sequence[ChainEvent]:
    """Every event of a registration, in chain order."""
    return session.scalars(_HISTORY, {"registration_id": registration_id}).all()


_PARENTS = select(LineageEdge.parent_id).where(LineageEdge.child_id == THE_REGISTRATION)


def parents(session: Session, registration_id: int) -> list[int]:
    return sorted(session.scalars(_PARENTS, {"registration_id": registration_id}))


def children(session: Session, registration_id: int) -> list[int]:
    return sorted(session.scalars(select(LineageEdge.child_id).where(LineageEdge.parent_id == registration_id)))


def manifest_record(session: Session, registration_id: int, version: int) -> ManifestRecord | None:
    return session.get(ManifestRecord, (registration_id, version))


def data_file(session: Session, registration_id: int, version: int, path: str) -> DataFileRow | None:
    return session.get(DataFileRow, (registration_id, version, path))


def manifest_version(session: Session, registration_id: int, version: int) -> ManifestVersion | None:
    return session.get(ManifestVersion, (registration_id, version))


def current_manifest_version(session: Session, registration_id: int) -> int:
    """The version of the current manifest (1 before certification)."""
    row = session.get(RegistrationRow, registration_id)
    return max(row.version, 1) if row else 1


CURRENT_VERSION = case((RegistrationRow.version > 1, RegistrationRow.version), else_=1)
"""The version of a registration's current manifest, in SQL: as `current_manifest_version` (1 before certification)."""


def _registration_with_manifest() -> Select[*tuple[Any, ...]]:
    version, record = aliased(ManifestVersion), aliased(ManifestRecord)
    registration = RegistrationRow
    return (
        select(
            registration.id,
            registration.status,
            registration.version,
            registration.registrant,
            registration.authority_id,
            registration.kind,
            registration.origin,
            registration.grade,
            registration.personal_info,
            registration.data_commitment,
            registration.open_objections,
            CURRENT_VERSION.label("current_version"),
            version.manifest_digest.label("version_digest"),
            record.version.label("record_version"),
            record.cid.label("record_cid"),
            record.manifest_digest.label("record_digest"),
            record.valid.label("record_valid"),
            record.problem.label("record_problem"),
            record.title.label("record_title"),
        )
        .outerjoin(version, (version.registration_id == registration.id) & (version.version == CURRENT_VERSION))
        .outerjoin(record, (record.registration_id == registration.id) & (record.version == CURRENT_VERSION))
        .where(registration.id == THE_REGISTRATION)
    )


_REGISTRATION_WITH_MANIFEST = _registration_with_manifest()


def registration_with_manifest(session: Session, registration_id: int) -> Row[*tuple[Any, ...]] | None:
    """A registration's state with its current manifest version: the digest on chain (`version_digest`) and, once
    retrieved from IPFS, what the index recorded of the manifest (`record_*`; `record_version` is null before).

    One statement where three lookups by primary key were, and without the manifest's document, which a
    verification does not show (a folder's manifest lists every file).
    """
    return session.execute(_REGISTRATION_WITH_MANIFEST, {"registration_id": registration_id}).one_or_none()


def search_text(session: Session, text: str, limit: int = 50) -> list[int]:
    """Registrations whose current manifest's title or description contains `text`."""
    pattern = f"%{text}%"
    rows = session.scalars(
        select(ManifestRecord.registration_id)
        .where(or_(ManifestRecord.title.ilike(pattern), ManifestRecord.description.ilike(pattern)))
        .limit(limit)
    )
    return sorted(set(rows))


_RIGHTS_OF = select(RightRow).where(RightRow.registration_id == THE_REGISTRATION).order_by(RightRow.right)


def rights_of(session: Session, registration_id: int) -> Sequence[RightRow]:
    return session.scalars(_RIGHTS_OF, {"registration_id": registration_id}).all()


_LICENCES_OF = (
    select(LicenceRow).where(LicenceRow.registration_id == THE_REGISTRATION).order_by(LicenceRow.granted_block)
)


def licences_of(session: Session, registration_id: int) -> Sequence[LicenceRow]:
    return session.scalars(_LICENCES_OF, {"registration_id": registration_id}).all()


_PENDING_TRANSFERS_OF = select(PendingTransferRow).where(PendingTransferRow.registration_id == THE_REGISTRATION)


def pending_transfers_of(session: Session, registration_id: int) -> Sequence[PendingTransferRow]:
    return session.scalars(_PENDING_TRANSFERS_OF, {"registration_id": registration_id}).all()


_ENDORSEMENTS_OF = (
    select(EndorsementRow)
    .where(EndorsementRow.registration_id == THE_REGISTRATION)
    .order_by(EndorsementRow.block_number)
)


def endorsements_of(session: Session, registration_id: int) -> Sequence[EndorsementRow]:
    return session.scalars(_ENDORSEMENTS_OF, {"registration_id": registration_id}).all()


def holders_of(session: Session, registration_ids: Sequence[int]) -> dict[int, dict[Right, str]]:
    """The current holder of each right of each registration (transferred rights included), in one query."""
    holders: dict[int, dict[Right, str]] = {registration_id: {} for registration_id in registration_ids}
    rows = session.execute(
        select(RightRow.registration_id, RightRow.right, RightRow.holder).where(
            RightRow.registration_id.in_(list(registration_ids))
        )
    ).all()
    for registration_id, right, holder in rows:
        holders[registration_id][Right.of(right)] = holder
    return holders


# ------------------------------------------------------------------------------------------------ catalogue


@dataclass(frozen=True)
class CatalogueFilter:
    """What a catalogue (or notice) listing is narrowed to; None means any."""

    category: str | None = None
    industry: str | None = None  # a GB/T 4754 code: it and the codes below it
    kind: Kind | None = None
    grade: Grade | None = None
    origin: Origin | None = None
    holder: str | None = None  # a current holder of any of the three rights
    text: str | None = None  # in the title or the description


@dataclass(frozen=True)
class CatalogueEntry:
    """A registration as listed: its row, its current manifest's record, and the holder of each right."""

    registration: RegistrationRow
    record: ManifestRecord | None
    holders: dict[Right, str]


def catalogue(
    session: Session, statuses: Sequence[Status], where: CatalogueFilter, offset: int, limit: int
) -> tuple[list[CatalogueEntry], int]:
    """One page of the registrations in `statuses` matching `where`, in id order, and how many match in all."""
    query = (
        select(RegistrationRow, ManifestRecord)
        .outerjoin(
            ManifestRecord,
            (ManifestRecord.registration_id == RegistrationRow.id)
            & (ManifestRecord.version == case((RegistrationRow.version > 1, RegistrationRow.version), else_=1)),
        )
        .where(RegistrationRow.status.in_([status.code for status in statuses]))
    )
    if where.category:
        query = query.where(ManifestRecord.category == where.category)
    if where.industry:
        # GB/T 4754 codes nest: a section (G) takes in its divisions (G54) and their groups and classes (G541, G5411)
        query = query.where(ManifestRecord.industry.startswith(where.industry, autoescape=True))
    if where.kind is not None:
        query = query.where(RegistrationRow.kind == where.kind.code)
    if where.grade is not None:
        query = query.where(RegistrationRow.grade == where.grade.code)
    if where.origin is not None:
        query = query.where(RegistrationRow.origin == where.origin.code)
    if where.holder:
        held = select(RightRow.registration_id).where(RightRow.holder == where.holder)
        query = query.where(RegistrationRow.id.in_(held))
    if where.text:
        pattern = f"%{where.text}%"
        query = query.where(ManifestRecord.title.ilike(pattern) | ManifestRecord.description.ilike(pattern))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(RegistrationRow.id).offset(offset).limit(limit)).all()
    holders = holders_of(session, [row.id for row, _ in rows])
    return [CatalogueEntry(row, record, holders[row.id]) for row, record in rows], total


# ------------------------------------------------------------------------------------------------ review queue


@dataclass(frozen=True)
class Application:
    """An application waiting for review, with its manifest's record and the same data registered elsewhere."""

    registration: RegistrationRow
    record: ManifestRecord | None
    same_data_elsewhere: list[int]


REVIEW_QUEUE_LIMIT = 500


def review_queue(session: Session, limit: int = REVIEW_QUEUE_LIMIT) -> list[Application]:
    """Submitted and under-review applications in id order, each with the other registrations of its data (whole,
    or a file of theirs), read in three queries whatever the queue's length."""
    rows = session.execute(
        select(RegistrationRow, ManifestRecord)
        .outerjoin(
            ManifestRecord,
            (ManifestRecord.registration_id == RegistrationRow.id) & (ManifestRecord.version == 1),
        )
        .where(RegistrationRow.status.in_([Status.SUBMITTED.code, Status.UNDER_REVIEW.code]))
        .order_by(RegistrationRow.id)
        .limit(limit)
    ).all()
    commitments = {row.data_commitment for row, _ in rows}
    holders: dict[str, set[int]] = {commitment: set() for commitment in commitments}
    for registration_id, digest in session.execute(
        select(ManifestVersion.registration_id, ManifestVersion.data_commitment).where(
            ManifestVersion.data_commitment.in_(commitments)
        )
    ):
        holders[digest].add(registration_id)
    for registration_id, digest in session.execute(
        select(DataFileRow.registration_id, DataFileRow.sha256).where(DataFileRow.sha256.in_(commitments))
    ):
        holders[digest].add(registration_id)
    return [Application(row, record, sorted(holders[row.data_commitment] - {row.id})) for row, record in rows]


def registrations_of_data(session: Session, registrant: str, data_commitment: str) -> list[RegistrationRow]:
    """The registrations `registrant` made of this data commitment, in id order."""
    return list(
        session.scalars(
            select(RegistrationRow)
            .where(
                RegistrationRow.registrant == registrant,
                RegistrationRow.data_commitment == data_commitment.lower(),
            )
            .order_by(RegistrationRow.id)
        )
    )


def queued_submissions(session: Session, registrant: str) -> list[bytes]:
    """The call data of submissions signed by `registrant` still queued or pending in the outbox."""
    return list(
        session.scalars(
            select(OutboxWrite.data).where(
                OutboxWrite.purpose == "submit",
                OutboxWrite.signer == registrant,
                OutboxWrite.status.in_([OutboxStatus.QUEUED, OutboxStatus.PENDING]),
            )
        )
    )


# ------------------------------------------------------------------------------------------------ audit


@dataclass(frozen=True)
class AuditFilter:
    """Which events of the audit trail: by registrant, registration, event name and time range (unix seconds,
    `since` included, `until` excluded, by the timestamp of the event's block)."""

    registrant: str | None = None
    registration: int | None = None
    kind: str | None = None
    since: int | None = None
    until: int | None = None


def _audit_query(where: AuditFilter) -> Select[ChainEvent]:
    query = select(ChainEvent)
    if where.registration is not None:
        query = query.where(ChainEvent.registration_id == where.registration)
    if where.registrant is not None:
        owned = select(RegistrationRow.id).where(RegistrationRow.registrant == where.registrant)
        query = query.where(ChainEvent.registration_id.in_(owned) | (ChainEvent.actor == where.registrant))
    if where.kind is not None:
        query = query.where(ChainEvent.name == where.kind)
    if where.since is not None:
        query = query.where(ChainEvent.timestamp >= where.since)
    if where.until is not None:
        query = query.where(ChainEvent.timestamp < where.until)
    return query


def audit_events(session: Session, where: AuditFilter, offset: int, limit: int) -> tuple[Sequence[ChainEvent], int]:
    """One page of matching events in chain order, and how many match in all."""
    query = _audit_query(where)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(
        query.order_by(ChainEvent.block_number, ChainEvent.log_index).offset(offset).limit(limit)
    ).all()
    return events, total


EXPORT_BATCH = 2_000


def audit_batches(
    sessions: sessionmaker[Session], where: AuditFilter, batch: int = EXPORT_BATCH
) -> Iterator[Sequence[ChainEvent]]:
    """Every matching event in chain order, in batches read by keyset (each in its own short session), so an
    export of any size streams in constant memory."""
    after = (-1, -1)
    while True:
        with sessions() as session:
            events = session.scalars(
                _audit_query(where)
                .where(
                    (ChainEvent.block_number > after[0])
                    | ((ChainEvent.block_number == after[0]) & (ChainEvent.log_index > after[1]))
                )
                .order_by(ChainEvent.block_number, ChainEvent.log_index)
                .limit(batch)
            ).all()
        if not events:
            return
        yield events
        after = (events[-1].block_number, events[-1].log_index)


# ------------------------------------------------------------------------------------------------ conflicts

CONFLICTS_LIMIT = 200


@dataclass(frozen=True)
class SameData:
    """One data commitment claimed by more than one registrant: (registration id, registrant) of each claim."""

    data_commitment: str
    registrations: list[tuple[int, str]]


def same_data_different_registrants(session: Session, limit: int = CONFLICTS_LIMIT) -> list[SameData]:
    """Data commitments registered by more than one registrant, with every registration of each (one query)."""
    contested = (
        select(RegistrationRow.data_commitment)
        .group_by(RegistrationRow.data_commitment)
        .having(func.count(func.distinct(RegistrationRow.registrant)) > 1)
        .limit(limit)
    )
    rows = session.execute(
        select(RegistrationRow.data_commitment, RegistrationRow.id, RegistrationRow.registrant)
        .where(RegistrationRow.data_commitment.in_(contested))
        .order_by(RegistrationRow.data_commitment, RegistrationRow.id)
    ).all()
    claims: dict[str, list[tuple[int, str]]] = {}
    for commitment, registration_id, registrant in rows:
        claims.setdefault(commitment, []).append((registration_id, registrant))
    return [SameData(commitment, registrations) for commitment, registrations in claims.items()]


def overlapping_licences(session: Session, limit: int = CONFLICTS_LIMIT) -> list[tuple[LicenceRow, LicenceRow]]:
    """Live licences of one right overlapping in time where one is exclusive or sole (the contract refuses
    these; the check stands guard over the index and any other deployment)."""
    first, second = aliased(LicenceRow), aliased(LicenceRow)
    exclusive = [licence_type.code for licence_type in EXCLUSIVE_LICENCES]
    pairs = session.execute(
        select(first, second)
        .join(second, (first.registration_id == second.registration_id) & (first.right == second.right))
        .where(
            first.id < second.id,
            first.status != LicenceStatus.REVOKED,
            second.status != LicenceStatus.REVOKED,
            first.starts_at < second.ends_at,
            second.starts_at < first.ends_at,
            first.licence_type.in_(exclusive) | second.licence_type.in_(exclusive),
        )
        .limit(limit)
    ).all()
    return [(a, b) for a, b in pairs]


def refused_writes(session: Session, limit: int = CONFLICTS_LIMIT) -> Sequence[OutboxWrite]:
    """Writes the contracts refused, newest first: at the service's dry run, at the worker's, or mined reverted."""
    return session.scalars(
        select(OutboxWrite)
        .where(OutboxWrite.status.in_([OutboxStatus.REFUSED, OutboxStatus.REVERTED]))
        .order_by(OutboxWrite.id.desc())
        .limit(limit)
    ).all()


def registration_of_manifest(session: Session, manifest_digest: str) -> int | None:
    """The registration a manifest became (the latest, if several pointed at it), once indexed."""
    found = registrations_by_manifest(session, manifest_digest)
    return found[-1] if found else None


@dataclass(frozen=True)
class Conflicts:
    """What a regulator should look at (DESIGN §5)."""

    same_data: list[SameData]
    overlapping_licences: list[tuple[LicenceRow, LicenceRow]]
    refused_writes: Sequence[OutboxWrite]


def conflicts(session: Session, limit: int = CONFLICTS_LIMIT) -> Conflicts:
    """The same data claimed by different registrants, overlapping exclusive licences, and refused writes."""
    return Conflicts(
        same_data_different_registrants(session, limit),
        overlapping_licences(session, limit),
        refused_writes(session, limit),
    )


@dataclass(frozen=True)
class Lineage:
    """The derivation graph around a registration: its nodes and (child, parent) edges."""

    nodes: list[RegistrationRow]
    edges: list[tuple[int, int]]


MAX_LINEAGE_NODES = 1000


def lineage(session: Session, registration_id: int, limit: int = MAX_LINEAGE_NODES) -> Lineage | None:
    """The ancestors and descendants of a registration (up to `limit` nodes); None for an unknown registration."""
    if registration(session, registration_id) is None:
        return None
    nodes: dict[int, RegistrationRow] = {}
    edges: set[tuple[int, int]] = set()
    frontier = [registration_id]
    while frontier and len(nodes) < limit:
        current = frontier.pop()
        if current in nodes:
            continue
        row = registration(session, current)
        if row is None:
            continue
        nodes[current] = row
        for parent in parents(session, current):
            edges.add((current, parent))
            frontier.append(parent)
        for child in children(session, current):
            edges.add((child, current))
            frontier.append(child)
    return Lineage([nodes[n] for n in sorted(nodes)], sorted(edges))


MAX_TREE_FILES = 10_000


def file_trees(session: Session, registration_ids: Sequence[int]) -> dict[int, list[dict[str, str | int]]]:
    """The files of each registration's current version, {path, sha256, size} by path (a registration whose
    folder listed none, or more than MAX_TREE_FILES, has none): what a buyer's folder is compared with."""
    trees: dict[int, list[dict[str, str | int]]] = {}
    for registration_id in registration_ids:
        version = current_manifest_version(session, registration_id)
        rows = session.scalars(
            select(DataFileRow)
            .where(DataFileRow.registration_id == registration_id, DataFileRow.version == version)
            .order_by(DataFileRow.path)
            .limit(MAX_TREE_FILES + 1)
        ).all()
        if 0 < len(rows) <= MAX_TREE_FILES:
            trees[registration_id] = [{"path": r.path, "sha256": r.sha256, "size": r.size} for r in rows]
    return trees
