"""Every table of the ledger, imported in one place so that `Base.metadata` describes the whole core.

The service's own tables (tokens, drafts, review records) live in `api/tables.py` on the same base;
the ledger never imports them (the migrations create them as plain DDL).
"""

from __future__ import annotations

from ledger.draft_pins import DraftPin
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
from ledger.transfer_offers import TransferOffer

__all__ = [
    "AnchorRow",
    "AuthorityRow",
    "CertificateRow",
    "ChainEvent",
    "DataFileRow",
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
    "ManifestRecord",
    "ManifestVersion",
    "ObjectionRow",
    "OutboxAttempt",
    "OutboxWrite",
    "PartyRow",
    "PendingTransferRow",
    "PublicObjection",
    "RegistrationRow",
    "RightRow",
    "RoleRow",
    "SaltRecord",
    "TransferOffer",
]
