"""Every table of the ledger, imported in one place so that `Base.metadata` describes the whole core.

The rows the service's faces keep (API tokens, web sessions, drafts, shared rate-limit buckets) are the ledger's
too; only the review records live in `api/tables.py` on the same base, which the ledger never imports (the
migrations create every table as plain DDL).
"""

from __future__ import annotations

from ledger.access_tokens import ApiToken
from ledger.draft_pins import DraftPin
from ledger.drafts import Draft
from ledger.evidence import EvidenceRow
from ledger.evidence_anchoring import EvidenceCheckpointRow
from ledger.evidence_certificates import EvidenceCertificateRow
from ledger.index.tables import (
    AnchorRow,
    AuthorityRow,
    CertificateRow,
    ChainEvent,
    DataFileRow,
    EndorsementRow,
    IndexCursor,
    IndexedBlock,
    LicenceRow,
    LineageEdge,
    ManifestBlock,
    ManifestMiss,
    ManifestRecord,
    ManifestVersion,
    ObjectionRow,
    PartyRow,
    PendingTransferRow,
    RegistrationRow,
    RightRow,
    RoleRow,
)
from ledger.manifest.commitments import SaltRecord
from ledger.outbox import OutboxAttempt, OutboxWrite
from ledger.public_objections import PublicObjection
from ledger.rate_buckets import RateBucket
from ledger.transfer_offers import TransferOffer
from ledger.web_sessions import WebSession

__all__ = [
    "AnchorRow",
    "ApiToken",
    "AuthorityRow",
    "CertificateRow",
    "ChainEvent",
    "DataFileRow",
    "Draft",
    "DraftPin",
    "EndorsementRow",
    "EvidenceCertificateRow",
    "EvidenceCheckpointRow",
    "EvidenceRow",
    "IndexCursor",
    "IndexedBlock",
    "LicenceRow",
    "LineageEdge",
    "ManifestBlock",
    "ManifestMiss",
    "ManifestRecord",
    "ManifestVersion",
    "ObjectionRow",
    "OutboxAttempt",
    "OutboxWrite",
    "PartyRow",
    "PendingTransferRow",
    "PublicObjection",
    "RateBucket",
    "RegistrationRow",
    "RightRow",
    "RoleRow",
    "SaltRecord",
    "TransferOffer",
    "WebSession",
]
