"""The layouts of the numbers the contracts mint: certificate token ids, licence ids, certificate numbers.

Each layout is decoded here by a named function and nowhere else; docs/formats/ids.md specifies them and
docs/formats/vectors/ids.json holds vectors that pytest checks here and forge checks against the contracts.
- Certificate token id (`Certificates._encode`): registrationId << 96 | authorityId << 80 | type << 64 | number.
- Licence id (`Rights._licenceId`): registrationId << 48 | right << 40 | sublicensable << 32 |
  parentSequence << 16 | sequence.
- Certificate number (`CertificateNumbers.format`): yyyymmdd (China Standard Time) * 10000 + daily sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_U16 = (1 << 16) - 1
_U64 = (1 << 64) - 1
CST = timedelta(hours=8)
MAX_DAILY_SEQUENCE = 9999


@dataclass(frozen=True)
class CertificateTokenId:
    """What a certificate token id says: the registration, the issuing authority, the type and the number."""

    registration_id: int
    authority_id: int
    certificate_type: int
    number: int

    def encode(self) -> int:
        if self.authority_id > _U16 or self.certificate_type > 0xFF or self.number > _U64:
            raise ValueError("a field does not fit the token id layout")
        return (self.registration_id << 96) | (self.authority_id << 80) | (self.certificate_type << 64) | self.number


def decode_certificate_token_id(token_id: int) -> CertificateTokenId:
    """The fields of a certificate token id."""
    return CertificateTokenId(
        registration_id=token_id >> 96,
        authority_id=(token_id >> 80) & _U16,
        certificate_type=(token_id >> 64) & 0xFF,
        number=token_id & _U64,
    )


def registration_of_token(token_id: int) -> int:
    """The registration a certificate token belongs to."""
    return decode_certificate_token_id(token_id).registration_id


@dataclass(frozen=True)
class LicenceId:
    """What a licence id says: the registration and right licensed, whether the licence may be sub-licensed,
    the sequence of its parent licence (0 for none) and its own sequence (the right's nonce its grant raised)."""

    registration_id: int
    right: int
    sublicensable: bool
    parent_sequence: int
    sequence: int

    def encode(self) -> int:
        if self.right > 0xFF or self.parent_sequence > _U16 or self.sequence > _U16:
            raise ValueError("a field does not fit the licence id layout")
        return (
            (self.registration_id << 48)
            | (self.right << 40)
            | (int(self.sublicensable) << 32)
            | (self.parent_sequence << 16)
            | self.sequence
        )

    @property
    def parent(self) -> LicenceId | None:
        """The parent licence's id: same registration and right, sub-licensable, without a parent of its own."""
        if self.parent_sequence == 0:
            return None
        return LicenceId(self.registration_id, self.right, True, 0, self.parent_sequence)


def decode_licence_id(licence_id: int) -> LicenceId:
    """The fields of a licence id."""
    return LicenceId(
        registration_id=licence_id >> 48,
        right=(licence_id >> 40) & 0xFF,
        sublicensable=(licence_id >> 32) & 1 == 1,
        parent_sequence=(licence_id >> 16) & _U16,
        sequence=licence_id & _U16,
    )


@dataclass(frozen=True)
class CertificateNumber:
    """A human-readable certificate number: the day of issue in China Standard Time and that day's sequence."""

    day: date
    sequence: int

    def encode(self) -> int:
        if not 1 <= self.sequence <= MAX_DAILY_SEQUENCE:
            raise ValueError(f"a daily sequence runs from 1 to {MAX_DAILY_SEQUENCE}")
        return int(self.day.strftime("%Y%m%d")) * 10_000 + self.sequence


def decode_certificate_number(number: int) -> CertificateNumber:
    """The day and sequence of a certificate number (e.g. 202503010001: 1 March 2025, the first)."""
    day, sequence = divmod(number, 10_000)
    return CertificateNumber(datetime.strptime(str(day), "%Y%m%d").date(), sequence)


def issue_day(timestamp: int) -> date:
    """The day a block timestamp falls on in China Standard Time (`CertificateNumbers.dayOf`)."""
    return (datetime.fromtimestamp(timestamp, UTC) + CST).date()
