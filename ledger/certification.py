"""Certification in one step: the authority certifies a registration and publishes its certificate document.

The chain assigns the certificate number when it certifies, and the document prints that number, so the two
writes cannot be one transaction; this function makes them one action: certify (waiting until it is mined and
indexed, so the number is known), then pin the document and name its digest on chain. Each write has its own
outbox key derived from the caller's, so repeating the action after a failure resumes it where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.certificates import publication
from ledger.chain import registry
from ledger.index import queries
from ledger.index.freshness import wait_until_indexed
from ledger.outbox import WriteResult
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import ReviewDecision
from ledger.writes import send

INDEX_WAIT_SECONDS = 30.0


class CertificateNotIndexedError(RuntimeError):
    """The certification is mined but the index has not read it in time: publish the document later."""


@dataclass(frozen=True)
class Certification:
    """A certified registration, its certificate's number, and the published document."""

    certified: WriteResult
    certificate_number: int
    document_cid: str
    published: WriteResult


def certify_and_publish(
    session: Session, runtime: LedgerRuntime, registration_id: int, *, sender: str, key: str
) -> Certification:
    """Certifies `registration_id` from `sender`, then publishes its certificate document; both are final when it
    returns. Raises ContractRefusedError (either write refused), NoCustodyKeyError, or CertificateNotIndexedError."""
    certify = registry.decide(runtime.contracts, ReviewDecision.CERTIFY, registration_id)
    certified = send(runtime, certify, sender=sender, key=f"{key}:certify", wait=True)
    if certified.block_number is None or not wait_until_indexed(
        runtime.sessions, certified.block_number, INDEX_WAIT_SECONDS
    ):
        raise CertificateNotIndexedError(f"registration {registration_id} is certified; the index has not read it yet")
    session.expire_all()  # the index moved on in other sessions since this one last read
    row = queries.registration(session, registration_id)
    if row is None or row.certificate_number is None:
        raise CertificateNotIndexedError(f"registration {registration_id} has no certificate number in the index")
    published = publication(session, runtime, row.certificate_number)
    document = send(runtime, published.write, sender=sender, key=f"{key}:document", wait=True)
    if document.block_number is not None:  # the page that follows reads the document through the index
        wait_until_indexed(runtime.sessions, document.block_number, INDEX_WAIT_SECONDS)
    return Certification(certified, row.certificate_number, published.cid, document)
