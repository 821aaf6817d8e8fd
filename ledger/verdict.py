"""The verdict: the one answer a person reads first when they verify a file, a certificate or a registration.

A verification report can hold several registrations (the same file may be part of several) with their
histories, rights and lineage; a buyer first wants to know whether to trust what they hold. The verdict
picks the match that matters most and says it in one word: certified and current, certificate retired
(with the number of the certificate that replaced it), in public notice, under review, frozen, lapsed,
revoked, rejected, cancelled, or not registered. Pages and the API print the same verdict.

A pure function of the report: it reads nothing and can be checked against any report.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:  # the report's types; verification imports this module to add the verdict to its report
    from ledger.verification import RegistrationReport


class VerdictCode(StrEnum):
    """The possible verdicts, the most reassuring first (the order ranks matches)."""

    CERTIFIED = "certified"
    CERTIFICATE_RETIRED = "certificate_retired"
    PUBLIC_NOTICE = "public_notice"
    UNDER_REVIEW = "under_review"
    FROZEN = "frozen"
    LAPSED = "lapsed"
    REVOKED = "revoked"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    NOT_VERIFIED = "not_verified"
    NOT_REGISTERED = "not_registered"


class Verdict(BaseModel):
    """The verdict, the registration it is about, and the certificate to look at."""

    code: VerdictCode
    registration_id: int | None = None
    certificate_number: int | None = None
    current_certificate_number: int | None = None
    disputed: bool = False


STATUS_VERDICTS = {
    "certified": VerdictCode.CERTIFIED,
    "public_notice": VerdictCode.PUBLIC_NOTICE,
    "objected": VerdictCode.PUBLIC_NOTICE,
    "submitted": VerdictCode.UNDER_REVIEW,
    "under_review": VerdictCode.UNDER_REVIEW,
    "frozen": VerdictCode.FROZEN,
    "lapsed": VerdictCode.LAPSED,
    "revoked": VerdictCode.REVOKED,
    "rejected": VerdictCode.REJECTED,
    "cancelled": VerdictCode.CANCELLED,
}
RANK = {code: rank for rank, code in enumerate(VerdictCode)}


def _verdict_of_match(match: RegistrationReport, query_kind: str, query: str) -> Verdict:
    live = [c for c in match.certificates if not c.retired]
    current_number = live[-1].number if live else None
    code = STATUS_VERDICTS.get(match.status, VerdictCode.NOT_VERIFIED)
    if code is VerdictCode.CERTIFIED and (not match.manifest.signature_valid or not match.current):
        # A manifest that does not check out, or an older version of the data, is not what is certified now.
        code = VerdictCode.NOT_VERIFIED
    asked = int(query) if query_kind == "certificate" else None
    retired = asked is not None and all(c.retired for c in match.certificates if c.number == asked)
    if retired and code is VerdictCode.CERTIFIED:
        code = VerdictCode.CERTIFICATE_RETIRED
    return Verdict(
        code=code,
        registration_id=match.registration_id,
        certificate_number=asked if asked is not None else current_number,
        current_certificate_number=current_number,
        disputed=match.disputed,
    )


def verdict_of(matches: Sequence[RegistrationReport], query_kind: str, query: str) -> Verdict:
    """The verdict of a report's matches: that of the most reassuring match, or `not_registered`."""
    if not matches:
        return Verdict(code=VerdictCode.NOT_REGISTERED)
    verdicts = [_verdict_of_match(match, query_kind, query) for match in matches]
    return min(verdicts, key=lambda verdict: RANK[verdict.code])
