"""From events to current state: one handler per event, applied in chain order.

Every event belongs to one scope (a registration, a party, an authority, an anchor, a role grant),
and the state of a scope is the fold of its events. That is what makes a reorganisation cheap to
undo: the follower deletes the rewound events, clears the state of the scopes they touched and
replays the remaining events of those scopes only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Column, Dialect, Table, delete, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger.chain.ids import decode_certificate_token_id, decode_licence_id, registration_of_token
from ledger.db import Base
from ledger.index.tables import (
    AnchorRow,
    AuthorityRow,
    CertificateRow,
    ChainEvent,
    DataFileRow,
    EndorsementRow,
    LicenceRow,
    LineageEdge,
    ManifestRecord,
    ManifestVersion,
    ObjectionRow,
    PartyRow,
    PendingTransferRow,
    RegistrationRow,
    RightRow,
    RoleRow,
)
from ledger.vocabulary import Encumbrance, LicenceStatus, ObjectionStatus, PartyStatus, Right, Status


class EventFacts(Protocol):
    """What a handler reads of an event: a stored `ChainEvent`, or one the follower is about to store."""

    @property
    def block_number(self) -> int: ...
    @property
    def tx_hash(self) -> str: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def contract(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def registration_id(self) -> int | None: ...
    @property
    def args(self) -> dict[str, Any]: ...


Handler = Callable[[Session, EventFacts, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}

Rows = list[tuple[type[Base], dict[str, Any]]]
Creation = Callable[[EventFacts, dict[str, Any]], Rows]
CREATIONS: dict[str, Creation] = {}
"""Events that only create rows (they read nothing): consecutive ones become one multi-row insert per table."""

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Registers a handler for events `Contract.Event`."""

    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = handler
        return handler

    return register


def scope_of(contract: str, name: str, args: dict[str, Any]) -> tuple[str, int | None]:
    """The scope an event belongs to, and the registration it concerns (if any)."""
    if "registrationId" in args:
        registration_id = int(args["registrationId"])
        return f"registration:{registration_id}", registration_id
    if contract == "Certificates" and "tokenId" in args:
        registration_id = registration_of_token(int(args["tokenId"]))
        return f"registration:{registration_id}", registration_id
    if "authorityId" in args:
        return f"authority:{int(args['authorityId'])}", None
    if name in ("PartyAdmitted", "PartySuspended"):
        return f"party:{args['party']}", None
    if name == "RootAnchored":
        return f"anchor:{args['anchorer']}:{args['root']}", None
    if name in ("RoleGranted", "RoleRevoked"):
        return f"role:{args['role']}:{args['account']}", None
    return f"contract:{contract}", None


def apply(session: Session, event: EventFacts) -> None:
    """Applies one event to the state tables; events without a handler only join the audit trail."""
    apply_all(session, [event])


def apply_all(session: Session, events: Sequence[EventFacts]) -> None:
    """Applies events in chain order. The rows of consecutive creating events are inserted together, before the
    next event that reads state: the same state as applying one at a time, in a few statements instead of many."""
    pending: dict[type[Base], list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        key = f"{event.contract}.{event.name}"
        creation = CREATIONS.get(key)
        if creation is not None:
            for table, row in creation(event, event.args):
                pending[table].append(row)
            continue
        handler = HANDLERS.get(key)
        if handler is not None:
            _insert(session, pending)
            handler(session, event, event.args)
    _insert(session, pending)


def _insert(session: Session, pending: dict[type[Base], list[dict[str, Any]]]) -> None:
    for table, rows in pending.items():
        insert_rows(session, table, rows)
    pending.clear()


def insert_rows(session: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Inserts new rows (each with the same columns) in the session's transaction: on PostgreSQL by COPY, on SQLite
    as the driver's own executemany of tuples. SQLAlchemy's executemany builds every row's parameters through the
    compiled statement, and the ORM's bulk insert also prepares each row for the unit of work: append-only rows
    need neither, and they were most of the catch-up's CPU (issue 13). Few rows, or rows left to a callable
    default, go through a Core INSERT."""
    if not rows:
        return
    connection = session.connection()
    core_table = cast(Table, table.__table__)
    if len(rows) < BULK_MIN_ROWS or not _bulk_writable(core_table, rows[0]):
        connection.execute(insert(core_table), rows)
        return
    columns, values = bound_values(connection.dialect, core_table, rows)
    dbapi = connection.dialect.loaded_dbapi
    driver = connection.connection.driver_connection
    names = ", ".join(connection.dialect.identifier_preparer.quote(column.name) for column in columns)
    quoted_table = connection.dialect.identifier_preparer.format_table(core_table)
    on_postgresql = connection.dialect.name == "postgresql"
    if on_postgresql:
        statement = f"COPY {quoted_table} ({names}) FROM STDIN"
    else:
        places = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {quoted_table} ({names}) VALUES ({places})"  # noqa: S608 - the table's own names
    try:
        if on_postgresql:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in values:
                    copy.write_row(row)
        else:
            driver.executemany(statement, values)  # type: ignore[union-attr]
    except dbapi.Error as error:  # raised as SQLAlchemy raises the INSERT's: IntegrityError for a duplicate key
        raise DBAPIError.instance(statement, None, error, dbapi.Error) from error


BULK_MIN_ROWS = 50
"""Below this many rows a Core INSERT costs no more than preparing the driver's own bulk write."""


def _bulk_writable(table: Table, row: dict[str, Any]) -> bool:
    """Whether the driver can write these rows as the INSERT would: no column left out has a callable client
    default (the driver knows nothing of SQLAlchemy's defaults; constant ones are filled in by `bound_values`)."""
    return all(column.name in row or column.default is None or column.default.is_scalar for column in table.columns)


def bound_values(
    dialect: Dialect, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[list[Column[Any]], Iterator[list[Any]]]:
    """The columns to write and, row by row, the values an INSERT would bind: each column's bind processing (JSON
    serialised, booleans as the dialect stores them), and the constant defaults of the columns the rows leave out."""
    written = [column for column in table.columns if column.name in rows[0]]
    defaulted = [
        column
        for column in table.columns
        if column.name not in rows[0] and column.default is not None and column.default.is_scalar
    ]
    constants = [column.default.arg for column in defaulted]  # type: ignore[union-attr]
    columns = [*written, *defaulted]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    processed = [(place, process) for place, process in enumerate(processors) if process is not None]
    names = [column.name for column in written]

    def values() -> Iterator[list[Any]]:
        for row in rows:
            bound = [row[name] for name in names]
            bound.extend(constants)
            for place, process in processed:
                bound[place] = process(bound[place])
            yield bound

    return columns, values()


def clear_scope(session: Session, scope: str) -> None:
    """Deletes the state a scope's events built, before they are replayed."""
    kind, _, key = scope.partition(":")
    if kind == "registration":
        registration_id = int(key)
        session.execute(delete(RegistrationRow).where(RegistrationRow.id == registration_id))
        session.execute(delete(ManifestVersion).where(ManifestVersion.registration_id == registration_id))
        session.execute(delete(LineageEdge).where(LineageEdge.child_id == registration_id))
        session.execute(delete(ObjectionRow).where(ObjectionRow.registration_id == registration_id))
        session.execute(delete(CertificateRow).where(CertificateRow.registration_id == registration_id))
        session.execute(delete(ManifestRecord).where(ManifestRecord.registration_id == registration_id))
        session.execute(delete(DataFileRow).where(DataFileRow.registration_id == registration_id))
        for table in (RightRow, PendingTransferRow, LicenceRow, EndorsementRow):
            session.execute(delete(table).where(table.registration_id == registration_id))
    elif kind == "authority":
        session.execute(delete(AuthorityRow).where(AuthorityRow.id == int(key)))
    elif kind == "party":
        session.execute(delete(PartyRow).where(PartyRow.address == key))
    elif kind == "anchor":
        anchorer, _, root = key.partition(":")
        session.execute(delete(AnchorRow).where(AnchorRow.anchorer == anchorer, AnchorRow.root == root))
    elif kind == "role":
        role, _, account = key.partition(":")
        session.execute(delete(RoleRow).where(RoleRow.role == role, RoleRow.account == account))


def _registration(session: Session, event: EventFacts) -> RegistrationRow:
    assert event.registration_id is not None
    row = session.get(RegistrationRow, event.registration_id)
    if row is None:
        raise LookupError(f"{event.name} for unknown registration {event.registration_id}")
    row.updated_block = event.block_number
    return row


def _set_status(status: Status) -> Handler:
    def handler(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
        _registration(session, event).status = status.code

    return handler


# ---------------------------------------------------------------------------------------------- registrations


def _submitted(event: EventFacts, args: dict[str, Any]) -> Rows:
    registration_id = int(args["registrationId"])
    rows: Rows = [
        (
            RegistrationRow,
            {
                "id": registration_id,
                "registrant": args["registrant"],
                "authority_id": int(args["authorityId"]),
                "kind": int(args["kind"]),
                "origin": int(args["origin"]),
                "grade": int(args["grade"]),
                "personal_info": bool(args["personalInfo"]),
                "rights": int(args["rights"]),
                "status": Status.SUBMITTED.code,
                "version": 0,
                "manifest_digest": args["manifestDigest"],
                "data_commitment": args["dataCommitment"],
                "open_objections": 0,
                "submitted_block": event.block_number,
                "submitted_tx": event.tx_hash,
                "submitted_at": event.timestamp,
                "updated_block": event.block_number,
            },
        ),
        (
            ManifestVersion,
            {
                "registration_id": registration_id,
                "version": 1,
                "manifest_digest": args["manifestDigest"],
                "data_commitment": args["dataCommitment"],
                "block_number": event.block_number,
                "tx_hash": event.tx_hash,
            },
        ),
    ]
    rows += [
        (LineageEdge, {"child_id": registration_id, "parent_id": parent})
        for parent in dict.fromkeys(int(p) for p in args["parents"])
    ]
    return rows


CREATIONS["Registrations.RegistrationSubmitted"] = _submitted


HANDLERS["Registrations.RegistrationAccepted"] = _set_status(Status.UNDER_REVIEW)
HANDLERS["Registrations.RegistrationRejected"] = _set_status(Status.REJECTED)
HANDLERS["Registrations.RegistrationLapsed"] = _set_status(Status.LAPSED)
HANDLERS["Registrations.RegistrationFrozen"] = _set_status(Status.FROZEN)
HANDLERS["Registrations.RegistrationUnfrozen"] = _set_status(Status.CERTIFIED)
HANDLERS["Registrations.RegistrationRevoked"] = _set_status(Status.REVOKED)
HANDLERS["Registrations.RegistrationCancelled"] = _set_status(Status.CANCELLED)


@handles("Registrations.RegistrationPublished", "Registrations.NoticeResumed")
def _published(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.status = Status.PUBLIC_NOTICE.code
    row.notice_ends_at = int(args["noticeEndsAt"])


@handles("Registrations.RegistrationCertified")
def _certified(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.status = Status.CERTIFIED.code
    row.version = 1
    row.review_due_at = int(args["reviewDueAt"])
    row.certificate_number = int(args["certificateNumber"])
    row.certificate_token = str(args["tokenId"])
    for right in Right:
        if row.rights & right.bit and session.get(RightRow, (row.id, right.code)) is None:
            session.add(
                RightRow(registration_id=row.id, right=right.code, holder=row.registrant, encumbrance=Encumbrance.NONE)
            )


@handles("Registrations.ChangeRequested")
def _change_requested(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.pending_manifest_digest = args["manifestDigest"]
    row.pending_data_commitment = args["dataCommitment"]


@handles("Registrations.ChangeRejected")
def _change_rejected(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.pending_manifest_digest = None
    row.pending_data_commitment = None


@handles("Registrations.RegistrationChanged")
def _changed(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.version = int(args["version"])
    row.manifest_digest = args["manifestDigest"]
    row.data_commitment = row.pending_data_commitment or row.data_commitment
    row.pending_manifest_digest = None
    row.pending_data_commitment = None
    session.add(
        ManifestVersion(
            registration_id=row.id,
            version=row.version,
            manifest_digest=row.manifest_digest,
            data_commitment=row.data_commitment,
            block_number=event.block_number,
            tx_hash=event.tx_hash,
        )
    )


@handles("Registrations.AnnualReviewFiled", "Registrations.RegistrationRenewed")
def _reviewed(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.status = Status.CERTIFIED.code
    row.review_due_at = int(args["reviewDueAt"])


@handles("Registrations.ObjectionFiled")
def _objection_filed(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    if row.status == Status.PUBLIC_NOTICE.code:
        row.status = Status.OBJECTED.code
    row.open_objections += 1
    session.add(
        ObjectionRow(
            id=int(args["objectionId"]),
            registration_id=row.id,
            objector=args["objector"],
            evidence_digest=args["evidenceDigest"],
            status=ObjectionStatus.OPEN,
            filed_block=event.block_number,
        )
    )


@handles("Registrations.ObjectionWithdrawn", "Registrations.ObjectionResolved")
def _objection_closed(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    objection = session.get(ObjectionRow, int(args["objectionId"]))
    if objection is None:
        raise LookupError(f"unknown objection {args['objectionId']}")
    if event.name == "ObjectionWithdrawn":
        objection.status = ObjectionStatus.WITHDRAWN
    else:
        objection.status = ObjectionStatus.UPHELD if args["upheld"] else ObjectionStatus.DISMISSED
        objection.decision_digest = args["decisionDigest"]
    row.open_objections -= 1


# ---------------------------------------------------------------------------------------------- certificates


@handles("Certificates.Transfer")
def _certificate_moved(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    token_id = int(args["tokenId"])
    if args["from"] == ZERO_ADDRESS:
        minted = decode_certificate_token_id(token_id)
        session.add(
            CertificateRow(
                token_id=str(token_id),
                registration_id=minted.registration_id,
                authority_id=minted.authority_id,
                certificate_type=minted.certificate_type,
                number=minted.number,
                holder=args["to"],
                retired=False,
                issued_block=event.block_number,
            )
        )
        return
    certificate = session.get(CertificateRow, str(token_id))
    if certificate is None:
        raise LookupError(f"transfer of unknown certificate {token_id}")
    if args["to"] == ZERO_ADDRESS:
        certificate.retired = True
    else:
        certificate.holder = args["to"]


@handles("Certificates.CertificateDocumentPublished")
def _document_published(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    certificate = session.get(CertificateRow, str(int(args["tokenId"])))
    if certificate is None:
        raise LookupError(f"document for unknown certificate {args['tokenId']}")
    certificate.document_digest = args["documentDigest"]


# ---------------------------------------------------------------------------------------------- parties, authorities


@handles("LedgerAccess.PartyAdmitted")
def _party_admitted(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.merge(
        PartyRow(address=args["party"], status=PartyStatus.ADMITTED, identity_commitment=args["identityCommitment"])
    )


@handles("LedgerAccess.PartySuspended")
def _party_suspended(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    party = session.get(PartyRow, args["party"])
    if party is None:
        session.add(PartyRow(address=args["party"], status=PartyStatus.SUSPENDED, identity_commitment=None))
    else:
        party.status = PartyStatus.SUSPENDED


@handles("LedgerAccess.RoleGranted")
def _role_granted(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.merge(RoleRow(role=args["role"], account=args["account"]))


@handles("LedgerAccess.RoleRevoked")
def _role_revoked(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.execute(delete(RoleRow).where(RoleRow.role == args["role"], RoleRow.account == args["account"]))


@handles("Registrations.AuthorityRegistered")
def _authority_registered(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.add(AuthorityRow(id=int(args["authorityId"]), account=args["account"], code=args["code"]))


@handles("Registrations.AuthorityAccountChanged")
def _authority_rotated(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    authority = session.get(AuthorityRow, int(args["authorityId"]))
    if authority is None:
        raise LookupError(f"unknown authority {args['authorityId']}")
    authority.account = args["account"]


@handles("Registrations.AuthorityParametersChanged")
def _authority_parameters(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    authority = session.get(AuthorityRow, int(args["authorityId"]))
    if authority is None:
        raise LookupError(f"unknown authority {args['authorityId']}")
    authority.notice_period = int(args["noticePeriod"])
    authority.review_interval = int(args["reviewInterval"])


# ---------------------------------------------------------------------------------------------- anchors


@handles("EvidenceAnchors.RootAnchored")
def _anchored(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.add(
        AnchorRow(
            anchorer=args["anchorer"],
            root=args["root"],
            size=int(args["size"]),
            metadata_digest=args["metadataDigest"],
            block_number=event.block_number,
            tx_hash=event.tx_hash,
        )
    )


# ---------------------------------------------------------------------------------------------- rights


def _right(session: Session, event: EventFacts, args: dict[str, Any]) -> RightRow:
    right = session.get(RightRow, (int(args["registrationId"]), int(args["right"])))
    if right is None:
        raise LookupError(f"{event.name} for an unknown right {args['right']} of {args['registrationId']}")
    return right


@handles("Registrations.CertificateReissued")
def _reissued(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    row = _registration(session, event)
    row.certificate_number = int(args["certificateNumber"])
    row.certificate_token = str(args["tokenId"])


@handles("Rights.TransferRequested")
def _transfer_requested(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.merge(
        PendingTransferRow(
            registration_id=int(args["registrationId"]),
            right=int(args["right"]),
            holder=args["holder"],
            new_holder=args["newHolder"],
            digest=args["digest"],
            lawful=bool(args["lawful"]),
            authority_approved=False,
            regulator_approved=False,
            requested_block=event.block_number,
        )
    )


@handles("Rights.TransferApproved")
def _transfer_approved(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    pending = session.get(PendingTransferRow, (int(args["registrationId"]), int(args["right"])))
    if pending is None:
        return  # the approval that completed the transfer came after RightTransferred removed it
    if args["byRegulator"]:
        pending.regulator_approved = True
    else:
        pending.authority_approved = True


@handles("Rights.TransferRejected")
def _transfer_rejected(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.execute(
        delete(PendingTransferRow).where(
            PendingTransferRow.registration_id == int(args["registrationId"]),
            PendingTransferRow.right == int(args["right"]),
        )
    )


@handles("Rights.RightTransferred")
def _transferred(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    _right(session, event, args).holder = args["newHolder"]
    _transfer_rejected(session, event, args)


@handles("Rights.RightEncumbered")
def _encumbered(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    right = _right(session, event, args)
    right.encumbrance = Encumbrance.of(int(args["kind"]))
    right.creditor = args["creditor"]
    right.agreement_digest = args["agreementDigest"]


@handles("Rights.EncumbranceReleased")
def _released(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    right = _right(session, event, args)
    right.encumbrance, right.creditor, right.agreement_digest = Encumbrance.NONE, None, None


@handles("Rights.LicenceGranted")
def _licence_granted(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    licence_id = int(args["licenceId"])
    session.add(
        LicenceRow(
            id=str(licence_id),
            registration_id=int(args["registrationId"]),
            right=decode_licence_id(licence_id).right,
            licence_type=int(args["licenceType"]) if "licenceType" in args else None,
            licensee=args["licensee"],
            licensor=args["licensor"],
            scope_digest=args["scopeDigest"],
            scope_public=bool(args["scopePublic"]),
            starts_at=int(args["startsAt"]),
            ends_at=int(args["endsAt"]),
            sublicensable=bool(args["sublicensable"]),
            status=LicenceStatus.AWAITING_APPROVAL if args["awaitingApproval"] else LicenceStatus.GRANTED,
            granted_block=event.block_number,
        )
    )


@handles("Rights.LicenceApproved", "Rights.LicenceRevoked")
def _licence_changed(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    licence = session.get(LicenceRow, str(int(args["licenceId"])))
    if licence is None:
        raise LookupError(f"{event.name} for unknown licence {args['licenceId']}")
    licence.status = LicenceStatus.GRANTED if event.name == "LicenceApproved" else LicenceStatus.REVOKED


@handles("Endorsements.ReportEndorsed")
def _endorsed(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    session.merge(
        EndorsementRow(
            report_digest=args["reportDigest"],
            registration_id=int(args["registrationId"]),
            agency=args["agency"],
            kind=int(args["kind"]),
            withdrawn=False,
            block_number=event.block_number,
        )
    )


@handles("Endorsements.EndorsementWithdrawn")
def _endorsement_withdrawn(session: Session, event: EventFacts, args: dict[str, Any]) -> None:
    endorsement = session.get(EndorsementRow, (args["agency"], args["reportDigest"]))
    if endorsement is not None:
        endorsement.withdrawn = True


def events_of_scopes(session: Session, scopes: set[str]) -> list[ChainEvent]:
    """The remaining events of `scopes`, in chain order."""
    if not scopes:
        return []
    query = (
        select(ChainEvent)
        .where(ChainEvent.scope.in_(sorted(scopes)))
        .order_by(ChainEvent.block_number, ChainEvent.log_index)
    )
    return list(session.scalars(query))
