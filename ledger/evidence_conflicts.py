"""Usage against licences: the usage entries of the evidence log that no live licence covers (issue 15).

A usage entry names the licence it claims (`licence_id`) or only the registration. Flagged, for a regulator:
- `no-licence`: the licence it names is not in the index, or it names none and the party is neither the
  registrant nor a licensee of the registration;
- `not-licensee`: the licence exists but was granted to another account;
- `outside-term`: the use is dated before the licence starts, after it ends, or the licence is revoked or not
  yet approved;
- `other-registration`: the licence is of another registration than the entry names.
Scope codes are compared only where the entry states one and the licence's scope is not public (the index holds
the scope's digest, not its codes): such entries are listed as `scope-unchecked` rather than passed silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.evidence import EvidenceRow
from ledger.index.tables import LicenceRow, RegistrationRow
from ledger.vocabulary import EvidenceEntryKind, LicenceStatus

USAGE_CONFLICTS_LIMIT = 500


@dataclass(frozen=True)
class UsageConflict:
    """A usage entry and the rule it breaks."""

    index: int
    party: str
    registration_id: int | None
    licence_id: int | None
    rule: str
    detail: str


def _licence_rule(entry: EvidenceRow, licence: LicenceRow) -> tuple[str, str] | None:
    if entry.registration_id is not None and licence.registration_id != entry.registration_id:
        return "other-registration", f"licence {licence.id} is of registration {licence.registration_id}"
    if licence.licensee.lower() != entry.party.lower():
        return "not-licensee", f"licence {licence.id} was granted to {licence.licensee}"
    at = int(entry.at.timestamp())
    if licence.status != LicenceStatus.GRANTED or not licence.starts_at <= at < licence.ends_at:
        return "outside-term", f"licence {licence.id} is {licence.status}, {licence.starts_at}..{licence.ends_at}"
    if entry.scope is not None and not licence.scope_public:
        return "scope-unchecked", f"scope {entry.scope} stated; licence {licence.id}'s scope is not public"
    return None


def _unlicensed(session: Session, entry: EvidenceRow) -> tuple[str, str] | None:
    registration = session.get(RegistrationRow, entry.registration_id) if entry.registration_id else None
    if registration is not None and registration.registrant.lower() == entry.party.lower():
        return None
    licensees = session.scalars(
        select(LicenceRow.licensee).where(LicenceRow.registration_id == entry.registration_id)
    ).all()
    if any(licensee.lower() == entry.party.lower() for licensee in licensees):
        return None
    return "no-licence", f"{entry.party} holds no licence of registration {entry.registration_id}"


def usage_conflicts(session: Session, limit: int = USAGE_CONFLICTS_LIMIT) -> list[UsageConflict]:
    """Usage entries no live licence of their party covers, in log order."""
    usage = session.scalars(
        select(EvidenceRow).where(EvidenceRow.kind == EvidenceEntryKind.USAGE.value).order_by(EvidenceRow.log_index)
    )
    found: list[UsageConflict] = []
    for entry in usage:
        if entry.licence_id is not None:
            licence = session.get(LicenceRow, str(entry.licence_id))
            broken = (
                ("no-licence", f"licence {entry.licence_id} is not in the index")
                if licence is None
                else _licence_rule(entry, licence)
            )
        else:
            broken = _unlicensed(session, entry)
        if broken is not None:
            found.append(UsageConflict(entry.log_index, entry.party, entry.registration_id, entry.licence_id, *broken))
            if len(found) >= limit:
                break
    return found
