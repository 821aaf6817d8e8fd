"""Evidence certificates of log entries (`drl.evidence-certificate/1`): the document, and checking a copy of it.

The document (docs/formats/evidence-certificate.md) names each certified entry (index, RFC 6962 leaf hash) and
the anchored checkpoint that includes them all. `verify_evidence_certificate` re-derives what it states from
sources that are not the issuing service, trusting neither it nor its database:
- offline: the checkpoint's signed note verifies under the log key, and its origin, size and root are the ones
  the document states;
- against any copy of the log (`LogSource`: its entries and tiles): each entry's bytes hash to the stated leaf
  hash and are included in the checkpoint, and the log's newest checkpoint is consistent with it (nothing was
  rewritten since);
- against any node of the chain (`ChainAnchors`): the root is anchored with its size by the anchorer, in the
  stated transaction and block;
- with the issuing answer (`IssuedCopy`): the document's sha256 is the one the authority logged at `log_index`,
  which covers every member, the statement too.
The first member that differs is named. Nothing here talks to a network: the sources are implemented outside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from ledger.manifest.canonical import canonical_json, parse_canonical, sha256
from ledger.proofs import tlog
from ledger.proofs.tlog_note import Checkpoint, NoteError, VerifierKey, verify_checkpoint

EVIDENCE_CERTIFICATE_VERSION: Literal["drl.evidence-certificate/1"] = "drl.evidence-certificate/1"
MAX_CERTIFIED_ENTRIES = 1000
EVIDENCE_STATEMENT = (
    "本证书证明所列条目已记入存证日志，且包含它们的检查点已锚定于链上；不是权属认定。 This certificate evidences "
    "that the listed entries were recorded in the evidence log and that a checkpoint including them is anchored "
    "on chain; it is not a finding of rights."
)


class CertifiedEntry(BaseModel):
    """An entry the certificate names: its place in the log and the RFC 6962 leaf hash the tree commits to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    leaf_hash: str


class CertifiedCheckpoint(BaseModel):
    """The anchored checkpoint that includes every certified entry, and the transaction that anchored it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: str
    size: int = Field(ge=1)
    root: str = Field(description="the tree root (0x hex), as anchored")
    signed_note: str = Field(description="the checkpoint as the log signed it (C2SP signed note)")
    anchoring_transaction: str
    anchoring_block: int


class EvidenceCertificateDocument(BaseModel):
    """An evidence certificate of log entries (docs/formats/evidence-certificate.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal["drl.evidence-certificate/1"] = EVIDENCE_CERTIFICATE_VERSION
    certificate_number: str
    certificate_type: Literal["evidence"] = "evidence"
    issued_by: str = Field(description="the authority's account that issued it")
    issued_at: str = Field(description="RFC 3339 UTC time of issue")
    chain_id: int
    evidence_anchors: str
    anchorer: str
    log_key: str = Field(description="the log's note verifier key")
    entries: list[CertifiedEntry] = Field(min_length=1, max_length=MAX_CERTIFIED_ENTRIES)
    checkpoint: CertifiedCheckpoint
    statement: str = EVIDENCE_STATEMENT


def parse_evidence_certificate(block: bytes) -> EvidenceCertificateDocument:
    """A stored document block, refused unless canonical (so its digest is unambiguous)."""
    return parse_canonical(EvidenceCertificateDocument, block)


def evidence_certificate_schema() -> dict[str, Any]:
    """The JSON Schema of the document (docs/formats/schemas/evidence-certificate.schema.json)."""
    schema = EvidenceCertificateDocument.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:drl:evidence-certificate:1"
    return schema


class LogSource(Protocol):
    """Any copy of the evidence log: entries and proofs built from its tiles (`ledger.evidence_log.EvidenceLog`)."""

    def checkpoint(self) -> Checkpoint: ...

    def entries(self, start: int, end: int, newest_size: int | None = None) -> list[bytes]: ...

    def inclusion_proof(self, index: int, size: int, newest_size: int | None = None) -> list[bytes]: ...

    def consistency_proof(self, size1: int, size2: int, newest_size: int | None = None) -> list[bytes]: ...


@dataclass(frozen=True)
class AnchoringTransaction:
    """A transaction as a node reports it: its block, whether it succeeded, and the contract it called."""

    block_number: int
    succeeded: bool
    to: str


class ChainAnchors(Protocol):
    """What the check asks a node of the chain."""

    def chain_id(self) -> int: ...

    def anchored_size(self, evidence_anchors: str, anchorer: str, root: bytes) -> int: ...

    def transaction(self, tx_hash: str) -> AnchoringTransaction | None: ...


@dataclass(frozen=True)
class IssuedCopy:
    """The issuing service's answer around the document: the entry that logged the document's sha256."""

    document_digest: str
    log_index: int


class EvidenceCertificateCheckError(Exception):
    """The document does not check out; the message names the member that differs."""


@dataclass(frozen=True)
class EvidenceCertificateCheck:
    """What was checked of a genuine document, and against what."""

    number: str
    entries: int
    origin: str
    size: int
    against_log: bool
    against_chain: bool
    digest_logged: bool


def _differs(member: str, stated: Any, derived: Any, source: str) -> EvidenceCertificateCheckError:
    return EvidenceCertificateCheckError(f"{member}: the document says {stated}, {source} says {derived}")


def _check_checkpoint(document: EvidenceCertificateDocument) -> Checkpoint:
    """The signed note verified under the log key, and the document's origin, size and root equal to it."""
    try:
        key = VerifierKey.parse(document.log_key)
    except NoteError as error:
        raise EvidenceCertificateCheckError(f"log_key: {error}") from error
    try:
        checkpoint = verify_checkpoint(document.checkpoint.signed_note, key)
    except NoteError as error:
        raise EvidenceCertificateCheckError(f"checkpoint.signed_note: {error}") from error
    stated = document.checkpoint
    for member, value, signed in (
        ("origin", stated.origin, checkpoint.origin),
        ("size", stated.size, checkpoint.size),
        ("root", stated.root, "0x" + checkpoint.root.hex()),
    ):
        if value != signed:
            raise _differs(f"checkpoint.{member}", value, signed, "the signed note")
    for position, entry in enumerate(document.entries):
        if entry.index >= checkpoint.size:
            raise _differs(f"entries[{position}].index", entry.index, f"a size of {checkpoint.size}", "the checkpoint")
    return checkpoint


def _check_log(document: EvidenceCertificateDocument, checkpoint: Checkpoint, log: LogSource) -> None:
    """Each entry's bytes hash to its stated leaf hash and are included; the log has not rewritten the checkpoint."""
    newest = log.checkpoint()
    try:
        if newest.size < checkpoint.size:
            raise tlog.ProofError(f"the log is at size {newest.size}, smaller than the certified {checkpoint.size}")
        proof = log.consistency_proof(checkpoint.size, newest.size, newest.size)
        tlog.verify_consistency(checkpoint.size, newest.size, proof, checkpoint.root, newest.root)
    except tlog.ProofError as error:
        raise EvidenceCertificateCheckError(f"checkpoint: the log does not extend it: {error}") from error
    bundles: dict[int, list[bytes]] = {}
    for position, entry in enumerate(document.entries):
        first = entry.index - entry.index % tlog.TILE_WIDTH
        if first not in bundles:
            bundles[first] = log.entries(first, min(first + tlog.TILE_WIDTH, newest.size), newest.size)
        leaf = "0x" + tlog.leaf_hash(bundles[first][entry.index - first]).hex()
        if leaf != entry.leaf_hash:
            raise _differs(f"entries[{position}].leaf_hash (index {entry.index})", entry.leaf_hash, leaf, "the log")
        try:
            proof = log.inclusion_proof(entry.index, checkpoint.size, newest.size)
            tlog.verify_inclusion(entry.index, checkpoint.size, bytes.fromhex(leaf[2:]), proof, checkpoint.root)
        except tlog.ProofError as error:
            raise EvidenceCertificateCheckError(f"entries[{position}] (index {entry.index}): {error}") from error


def _check_chain(document: EvidenceCertificateDocument, checkpoint: Checkpoint, chain: ChainAnchors) -> None:
    """The root anchored with its size by the anchorer, in the stated transaction and block."""
    if chain.chain_id() != document.chain_id:
        raise _differs("chain_id", document.chain_id, chain.chain_id(), "the node")
    size = chain.anchored_size(document.evidence_anchors, document.anchorer, checkpoint.root)
    if size != checkpoint.size:
        source = f"the chain (anchors of {document.anchorer})"
        raise _differs(
            "checkpoint.root", f"{document.checkpoint.root} anchored at size {checkpoint.size}", size, source
        )
    stated = document.checkpoint
    transaction = chain.transaction(stated.anchoring_transaction)
    if transaction is None or not transaction.succeeded:
        raise EvidenceCertificateCheckError(
            f"checkpoint.anchoring_transaction: {stated.anchoring_transaction} is no successful transaction"
        )
    if transaction.to.lower() != document.evidence_anchors.lower():
        raise _differs("evidence_anchors", document.evidence_anchors, transaction.to, "the anchoring transaction")
    if transaction.block_number != stated.anchoring_block:
        raise _differs("checkpoint.anchoring_block", stated.anchoring_block, transaction.block_number, "the chain")


def _check_logged_digest(
    document: EvidenceCertificateDocument, issued: IssuedCopy, log: LogSource, newest_size: int
) -> None:
    """The document's sha256 is the subject the authority logged at `log_index` (covers every member)."""
    digest = "0x" + sha256(canonical_json(document)).hex()
    if digest != issued.document_digest:
        raise EvidenceCertificateCheckError(
            f"the document's sha256 is {digest}, not the issued {issued.document_digest}: a member was changed"
        )
    if issued.log_index >= newest_size:
        raise EvidenceCertificateCheckError(f"log_index: {issued.log_index} is beyond the log's size {newest_size}")
    [logged] = log.entries(issued.log_index, issued.log_index + 1, newest_size)
    entry = parse_logged_entry(logged)
    if entry.get("subject") != digest or entry.get("party") != document.issued_by:
        raise EvidenceCertificateCheckError(
            f"the document (sha256 {digest}) is not the one {document.issued_by} logged at index {issued.log_index}: "
            "a member was changed"
        )


def parse_logged_entry(leaf: bytes) -> dict[str, Any]:
    """An evidence entry's members (drl.evidence/1), as read from the log."""

    try:
        parsed = json.loads(leaf)
    except ValueError as error:
        raise EvidenceCertificateCheckError("the logged entry is not JSON") from error
    if not isinstance(parsed, dict):
        raise EvidenceCertificateCheckError("the logged entry is not an object")
    return parsed


def verify_evidence_certificate(
    document: EvidenceCertificateDocument,
    log: LogSource | None = None,
    chain: ChainAnchors | None = None,
    issued: IssuedCopy | None = None,
) -> EvidenceCertificateCheck:
    """Checks a copy of the document (see the module) against whichever sources are given; raises
    EvidenceCertificateCheckError naming the first member that differs."""
    checkpoint = _check_checkpoint(document)
    if log is not None:
        _check_log(document, checkpoint, log)
    if chain is not None:
        _check_chain(document, checkpoint, chain)
    if log is not None and issued is not None:  # last: it covers every member but names none
        _check_logged_digest(document, issued, log, log.checkpoint().size)
    return EvidenceCertificateCheck(
        number=document.certificate_number,
        entries=len(document.entries),
        origin=checkpoint.origin,
        size=checkpoint.size,
        against_log=log is not None,
        against_chain=chain is not None,
        digest_logged=log is not None and issued is not None,
    )
