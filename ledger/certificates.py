"""Certificate documents (登记证书): what a certificate states, as one raw IPFS block named on chain.

The chain assigns the certificate number at certification; the authority then publishes the document
that prints it, whose digest the certificate token's `tokenURI` names (`ipfs://<CID>`). The document says
what the certificate is evidence of, and that registration is evidence of rights, not conclusive title.
Its QR code carries the verification address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ledger.chain.contracts import Write
from ledger.chain.registry import publish_document
from ledger.encoding import from_hex
from ledger.index import queries
from ledger.index.tables import CertificateRow
from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.cid import raw_cid_of_digest
from ledger.replication import Pinset
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import CertificateType, Grade, Kind, Origin, Right

STATEMENT = (
    "本证书是数据产权登记的证明，不是终局的权属认定。 This certificate evidences a registration of data property "
    "rights; registration is evidence of rights, not conclusive title."
)


class CertifiedRight(BaseModel):
    model_config = ConfigDict(frozen=True)

    right: str
    holder: str


class CertificateDocument(BaseModel):
    """A certificate document (version 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal["drl.certificate/1"] = "drl.certificate/1"
    certificate_number: str
    certificate_type: Literal["property_registration", "evidence"]
    token_id: str
    registration_id: int
    authority_id: int
    chain_id: int
    registry: str
    kind: str
    origin: str
    grade: str
    holder: str
    rights: list[CertifiedRight]
    manifest_digest: str
    data_commitment: str
    issued_block: int
    verification_url: str
    statement: str = STATEMENT


class CertificateNotFoundError(LookupError):
    """No indexed certificate has this number."""


def certificate_document(
    session: Session, number: int, chain_id: int, registry: str, public_base_url: str
) -> tuple[CertificateDocument, CertificateRow]:
    """The document of the live certificate with this number, from the index."""
    candidates = [c for c in queries.certificates_by_number(session, number) if not c.retired]
    if not candidates:
        raise CertificateNotFoundError(f"no live certificate {number}")
    certificate = candidates[0]
    row = queries.registration(session, certificate.registration_id)
    assert row is not None
    rights = [CertifiedRight(right=Right.of(r.right), holder=r.holder) for r in queries.rights_of(session, row.id)]
    document = CertificateDocument(
        certificate_number=str(certificate.number),
        certificate_type=CertificateType.of(certificate.certificate_type).value,
        token_id=certificate.token_id,
        registration_id=row.id,
        authority_id=certificate.authority_id,
        chain_id=chain_id,
        registry=registry,
        kind=Kind.of(row.kind),
        origin=Origin.of(row.origin),
        grade=Grade.of(row.grade),
        holder=certificate.holder,
        rights=rights,
        manifest_digest=row.manifest_digest,
        data_commitment=row.data_commitment,
        issued_block=certificate.issued_block,
        verification_url=f"{public_base_url.rstrip('/')}/v1/certificates/{certificate.number}",
    )
    return document, certificate


def certificate_schema() -> dict[str, Any]:
    """The JSON Schema of a certificate document (docs/formats/schemas/certificate.schema.json)."""
    schema = CertificateDocument.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:drl:certificate:1"
    return schema


def document_block(document: CertificateDocument) -> bytes:
    """The raw block stored on IPFS: the document's canonical JSON."""
    return canonical_json(document)


@dataclass(frozen=True)
class Publication:
    """A certificate document pinned on the ledger's node, and the write that names it on chain."""

    cid: str
    token_id: str
    write: Write


def publication(session: Session, runtime: LedgerRuntime, number: int) -> Publication:
    """Builds the document of the live certificate `number` from the index and pins it; the write to send then
    names its digest on chain (`publishDocument`), so that `tokenURI` resolves to it."""
    deployment = runtime.deployment
    document, certificate = certificate_document(
        session, number, deployment.chain_id, deployment.registrations, runtime.settings.public_base_url
    )
    block = document_block(document)
    cid = runtime.ipfs.put_raw_block(block)
    write = publish_document(runtime.contracts, int(certificate.token_id), sha256(block))
    return Publication(cid, certificate.token_id, write)


def published_document(session: Session, ipfs: Pinset, number: int) -> bytes | None:
    """The document block the certificate `number` names on chain, re-hashed on the way; None if none is named."""
    named = [c.document_digest for c in queries.certificates_by_number(session, number) if c.document_digest]
    if not named:
        return None
    return ipfs.get_raw_block(raw_cid_of_digest(from_hex(named[-1])), offline=True)
