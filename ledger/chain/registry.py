"""The registry contract (`Registrations`): the signed application, and the writes and reads the faces use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.chain.contracts import Contracts, Write
from ledger.chain.typed_data import signable, typed_data
from ledger.encoding import text_digest, to_hex
from ledger.vocabulary import (
    REASONED_DECISIONS,
    REGISTRY_DECISIONS,
    Grade,
    Kind,
    Origin,
    ReviewDecision,
    Right,
    rights_mask,
)

REGISTRY = "Registrations"


@dataclass(frozen=True)
class Submission:
    """A registrant's application, as signed (EIP-712 `Submission`) and as passed to `submit`."""

    registrant: str
    authority_id: int
    kind: Kind
    origin: Origin
    grade: Grade
    personal_info: bool
    rights: frozenset[Right]
    manifest_digest: bytes
    data_commitment: bytes
    nonce: int
    deadline: int
    parents: tuple[int, ...] = field(default=())

    def message(self) -> dict[str, Any]:
        """The EIP-712 message."""
        return {
            "registrant": self.registrant,
            "authorityId": self.authority_id,
            "kind": self.kind.code,
            "origin": self.origin.code,
            "grade": self.grade.code,
            "personalInfo": self.personal_info,
            "rights": rights_mask(self.rights),
            "manifestDigest": self.manifest_digest,
            "dataCommitment": self.data_commitment,
            "parents": list(self.parents),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple of `IRegistrations.Submission`, in field order."""
        return tuple(self.message().values())

    def typed_data(self, chain_id: int, registry: str) -> dict[str, Any]:
        """The EIP-712 document the registrant's wallet signs, bytes as 0x-hex (JSON-ready)."""
        message = {key: to_hex(value) if isinstance(value, bytes) else value for key, value in self.message().items()}
        return typed_data("Submission", message, chain_id, registry)

    def sign(self, signer: LocalAccount, chain_id: int, registry: str) -> bytes:
        """The registrant's EIP-712 signature over this application."""
        return bytes(signer.sign_message(signable("Submission", self.message(), chain_id, registry)).signature)


class HolderAction(StrEnum):
    """What a holder signs after certification, by its path segment in the API."""

    CHANGE = "change"
    ANNUAL_REVIEW = "annual-review"
    CANCELLATION = "cancellation"

    @property
    def primary_type(self) -> str:
        """The EIP-712 type the holder signs."""
        return _HOLDER_ACTIONS[self][0]

    @property
    def function(self) -> str:
        """The registry function relaying it."""
        return _HOLDER_ACTIONS[self][1]

    @property
    def digest_fields(self) -> tuple[str, ...]:
        """The digests it names, in signing (and argument) order."""
        return _HOLDER_ACTIONS[self][2]


_HOLDER_ACTIONS: dict[HolderAction, tuple[str, str, tuple[str, ...]]] = {
    HolderAction.CHANGE: ("ChangeRequest", "requestChange", ("manifestDigest", "dataCommitment")),
    HolderAction.ANNUAL_REVIEW: ("AnnualReview", "fileAnnualReview", ("reportDigest",)),
    HolderAction.CANCELLATION: ("Cancellation", "cancel", ("reasonDigest",)),
}


def submit(contracts: Contracts, submission: Submission, signature: bytes) -> Write:
    """`submit(application, signature)`: relays a registrant's signed application."""
    return contracts.write(REGISTRY, "submit", submission.as_tuple(), signature)


def submitted_commitment(contracts: Contracts, data: bytes) -> bytes:
    """The data commitment of the application in `data`, a `submit` call."""
    _, arguments = contracts.decode(REGISTRY, data)
    application = next(iter(arguments.values()))
    if isinstance(application, dict):
        return bytes(application["dataCommitment"])
    return bytes(application[8])  # the field order of IRegistrations.Submission


def decide(contracts: Contracts, decision: ReviewDecision, registration_id: int, reason: str | None = None) -> Write:
    """An authority's or regulator's decision on a registration; a reason's sha256 goes on chain with it."""
    if decision not in REGISTRY_DECISIONS:
        raise ValueError(f"{decision} is not a registry decision")
    if decision in REASONED_DECISIONS:
        if reason is None:
            raise ValueError(f"{decision} needs a reason")
        return contracts.write(REGISTRY, decision.value, registration_id, text_digest(reason))
    return contracts.write(REGISTRY, decision.value, registration_id)


def holder_action(
    contracts: Contracts,
    action: HolderAction,
    registration_id: int,
    digests: Sequence[bytes],
    nonce: int,
    deadline: int,
    signature: bytes,
) -> Write:
    """A change, annual review or cancellation signed by the holder, relayed for them."""
    return contracts.write(REGISTRY, action.function, registration_id, *digests, nonce, deadline, signature)


def file_objection(contracts: Contracts, registration_id: int, evidence_digest: bytes) -> Write:
    """An objection registration (异议登记) with the digest of its evidence."""
    return contracts.write(REGISTRY, "fileObjection", registration_id, evidence_digest)


def resolve_objection(contracts: Contracts, objection_id: int, upheld: bool, decision: str) -> Write:
    """The authority upholds or dismisses an objection; the decision text's sha256 goes on chain."""
    return contracts.write(REGISTRY, "resolveObjection", objection_id, upheld, text_digest(decision))


def signer_nonce(contracts: Contracts, signer: str) -> int:
    """The registry's nonce of `signer`: the next registry signature of that account must carry it."""
    return int(contracts.call(REGISTRY, "nonces", signer))


def objection_registration(contracts: Contracts, objection_id: int) -> int:
    """The registration an objection is about (0 for an unknown objection)."""
    return int(contracts.call(REGISTRY, "objection", objection_id)[0])


def admit_party(contracts: Contracts, address: str, identity_commitment: bytes) -> Write:
    """Admits an identity-checked party (LedgerAccess)."""
    return contracts.write("LedgerAccess", "admitParty", address, identity_commitment)


def suspend_party(contracts: Contracts, address: str, reason: str) -> Write:
    """Suspends a party found dishonest (失信); the reason's sha256 goes on chain (LedgerAccess)."""
    return contracts.write("LedgerAccess", "suspendParty", address, text_digest(reason))


def publish_document(contracts: Contracts, token_id: int, document_digest: bytes) -> Write:
    """Names a certificate's document on chain, so that `tokenURI` resolves to it (Certificates)."""
    return contracts.write("Certificates", "publishDocument", token_id, document_digest)
