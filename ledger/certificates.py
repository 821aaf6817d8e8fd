"""Certificate documents (登记证书): what a certificate states, as one raw IPFS block named on chain.

The chain assigns the certificate number at certification; the authority then publishes the document
that prints it, whose digest the certificate token's `tokenURI` names (`ipfs://<CID>`). The document says
what the certificate is evidence of, and that registration is evidence of rights, not conclusive title.
Its QR code carries the verification address.

Version 2 (`drl.certificate/2`) adds what a person reads on the paper certificate: the data's name, the
authority's name, the issue time, and the sha256 and CID of the PDF as issued (pinned with the document), so a
printed certificate can be matched to the record. Version 1 documents stay readable and checkable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ledger.chain.contracts import Write
from ledger.chain.registry import publish_document
from ledger.encoding import from_hex
from ledger.index import queries
from ledger.index.tables import CertificateRow
from ledger.manifest.canonical import canonical_json, parse_canonical, sha256
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


CERTIFICATE_VERSION = "drl.certificate/2"
LEGACY_CERTIFICATE_VERSION = "drl.certificate/1"


class CertificateDocumentV1(BaseModel):
    """A certificate document of version 1 (still read and checked; new documents are version 2)."""

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


class CertificateDocument(CertificateDocumentV1):
    """A certificate document (version 2): version 1's members and what the paper certificate prints."""

    schema_version: Literal["drl.certificate/2"] = "drl.certificate/2"  # type: ignore[assignment]
    data_name: str
    authority_name: str
    issued_at: str = Field(description="RFC 3339 UTC time of the certification block")
    pdf_sha256: str | None = Field(default=None, description="sha256 of the PDF as issued (0x hex)")
    pdf_cid: str | None = Field(default=None, description="UnixFS CID of the PDF as issued (pinned)")


def parse_certificate_document(block: bytes) -> CertificateDocument | CertificateDocumentV1:
    """A stored document block of either version, refused unless canonical (so its digest is unambiguous)."""
    version = CERTIFICATE_VERSION if b'"schema_version":"drl.certificate/2"' in block else LEGACY_CERTIFICATE_VERSION
    model = CertificateDocument if version == CERTIFICATE_VERSION else CertificateDocumentV1
    return parse_canonical(model, block)


class CertificateNotFoundError(LookupError):
    """No indexed certificate has this number."""


def _issued_at(session: Session, registration_id: int) -> str:
    """The time of the registration's last certification, RFC 3339 in UTC."""
    certified = [e for e in queries.history(session, registration_id) if e.name == "RegistrationCertified"]
    if not certified:
        raise CertificateNotFoundError(f"registration {registration_id} has no certification event indexed")
    return datetime.fromtimestamp(certified[-1].timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def authority_name(names: dict[int, str], authority_id: int) -> str:
    """The registering authority's name as printed (the configured one, else its number)."""
    return names.get(authority_id) or f"登记机构 #{authority_id} Registration authority #{authority_id}"


def certificate_document(
    session: Session,
    number: int,
    chain_id: int,
    registry: str,
    public_base_url: str,
    authority_names: dict[int, str] | None = None,
) -> tuple[CertificateDocument, CertificateRow]:
    """The document of the live certificate with this number, from the index (without the PDF's hash)."""
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
        data_name=_data_name(session, row.id),
        authority_name=authority_name(authority_names or {}, certificate.authority_id),
        issued_at=_issued_at(session, row.id),
    )
    return document, certificate


def _data_name(session: Session, registration_id: int) -> str:
    record = queries.manifest_record(
        session, registration_id, queries.current_manifest_version(session, registration_id)
    )
    return (record.title if record else None) or f"reg:{registration_id}"


def certificate_schema(version: str = CERTIFICATE_VERSION) -> dict[str, Any]:
    """The JSON Schema of a certificate document (docs/formats/schemas/certificate.schema.json; version 1's is
    certificate-1.schema.json)."""
    model = CertificateDocument if version == CERTIFICATE_VERSION else CertificateDocumentV1
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:drl:certificate:{version.rsplit('/', 1)[1]}"
    return schema


def document_block(document: CertificateDocument | CertificateDocumentV1) -> bytes:
    """The raw block stored on IPFS: the document's canonical JSON."""
    return canonical_json(document)


@dataclass(frozen=True)
class Publication:
    """A certificate document pinned on the ledger's node, and the write that names it on chain."""

    cid: str
    token_id: str
    write: Write


def publication(
    session: Session, runtime: LedgerRuntime, number: int, print_pdf: Callable[[int], bytes] | None = None
) -> Publication:
    """Builds the document of the live certificate `number` from the index and pins it; the write to send then
    names its digest on chain (`publishDocument`), so that `tokenURI` resolves to it. With `print_pdf` (the face's
    renderer of the certificate's PDF, given the number), the PDF as issued is pinned too and the document names
    its sha256 and CID."""
    deployment = runtime.deployment
    settings = runtime.settings
    document, certificate = certificate_document(
        session,
        number,
        deployment.chain_id,
        deployment.registrations,
        settings.public_base_url,
        settings.authority_names,
    )
    if print_pdf is not None:
        pdf = print_pdf(number)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"certificate-{number}.pdf"
            path.write_bytes(pdf)
            cid = runtime.ipfs.add_file(path)
        document = document.model_copy(update={"pdf_sha256": "0x" + sha256(pdf).hex(), "pdf_cid": cid})
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
