"""The evidence proof bundle `drl.evidence-bundle/1`: one entry, proven in an anchored checkpoint of the log.

Everything a verifier needs, trusting neither the service nor its database (docs/formats/tlog.md):
- the entry's bytes (the leaf) and its index;
- the log's verifier key and the anchored checkpoint (a signed note) with the entry's RFC 6962 inclusion proof;
- optionally an earlier anchored checkpoint and the consistency proof from it, so a verifier sees that nothing
  anchored earlier was removed or rewritten;
- where the anchors are: chain id, EvidenceAnchors address and the anchoring account.
Offline it checks signatures and proofs; against a node of the chain, that each checkpoint's root is anchored with
its size (`AnchorReader`, implemented outside this package: nothing here talks to a network).
"""

from __future__ import annotations

import hashlib
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from ledger.proofs import tlog
from ledger.proofs.tlog_note import Checkpoint, NoteError, VerifierKey, verify_checkpoint


class AnchoredCheckpoint(BaseModel):
    """A signed checkpoint of the log that is anchored on chain."""

    model_config = ConfigDict(extra="forbid")

    signed_note: str


class ConsistencyStep(BaseModel):
    """An earlier anchored checkpoint and the consistency proof from it to the bundle's checkpoint."""

    model_config = ConfigDict(extra="forbid")

    checkpoint: AnchoredCheckpoint
    proof: list[str]


class EvidenceBundle(BaseModel):
    """An evidence entry with its inclusion proof against an anchored checkpoint."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["drl.evidence-bundle/1"] = Field(default="drl.evidence-bundle/1", alias="schema")
    chain_id: int
    evidence_anchors: str
    anchorer: str
    log_key: str = Field(description="the log's note verifier key: name+hash+base64")
    entry: str = Field(description="the entry's exact bytes (drl.evidence/1 canonical JSON)")
    index: int = Field(ge=0)
    checkpoint: AnchoredCheckpoint
    inclusion_proof: list[str]
    consistency: ConsistencyStep | None = None


class AnchorReader(Protocol):
    """What the bundle check asks the chain: the size anchored for a root by an account (0 when none)."""

    def anchored_size(self, evidence_anchors: str, anchorer: str, root: bytes) -> int: ...


class EvidenceBundleError(Exception):
    """The evidence bundle does not check out; the message says which part."""


def _hashes(values: list[str]) -> list[bytes]:
    try:
        return [bytes.fromhex(value.removeprefix("0x")) for value in values]
    except ValueError as error:
        raise EvidenceBundleError("a proof node is not hex") from error


def check_offline(bundle: EvidenceBundle) -> tuple[Checkpoint, Checkpoint | None]:
    """Checks signatures and proofs; returns the checkpoint and the earlier one, still to be found anchored."""
    try:
        key = VerifierKey.parse(bundle.log_key)
        checkpoint = verify_checkpoint(bundle.checkpoint.signed_note, key)
        earlier = verify_checkpoint(bundle.consistency.checkpoint.signed_note, key) if bundle.consistency else None
    except NoteError as error:
        raise EvidenceBundleError(f"checkpoint: {error}") from error
    leaf = tlog.leaf_hash(bundle.entry.encode())
    try:
        tlog.verify_inclusion(bundle.index, checkpoint.size, leaf, _hashes(bundle.inclusion_proof), checkpoint.root)
        if bundle.consistency and earlier:
            proof = _hashes(bundle.consistency.proof)
            tlog.verify_consistency(earlier.size, checkpoint.size, proof, earlier.root, checkpoint.root)
    except tlog.ProofError as error:
        raise EvidenceBundleError(str(error)) from error
    return checkpoint, earlier


def verify_evidence_bundle(reader: AnchorReader, bundle: EvidenceBundle) -> Checkpoint:
    """Checks the bundle offline, then that each checkpoint is anchored on chain with its size."""
    checkpoint, earlier = check_offline(bundle)
    for anchored in (checkpoint, earlier):
        if anchored is None:
            continue
        size = reader.anchored_size(bundle.evidence_anchors, bundle.anchorer, anchored.root)
        if size != anchored.size:
            raise EvidenceBundleError(
                f"checkpoint of size {anchored.size} is not anchored by {bundle.anchorer} (chain says size {size})"
            )
    return checkpoint


def entry_digest(bundle: EvidenceBundle) -> str:
    """The entry's content identity, sha256 of its bytes."""
    return "0x" + hashlib.sha256(bundle.entry.encode()).hexdigest()
