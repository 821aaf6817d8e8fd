"""The rights module (`Rights`) and endorsements: the signed terms of transfers, licences, encumbrances, releases
and revocations as passed to `Rights`, and the writes and reads the faces use."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount

from ledger.chain.contracts import Contracts, Write
from ledger.chain.ids import decode_licence_id
from ledger.chain.typed_data import signable, typed_data
from ledger.encoding import text_digest, to_hex
from ledger.vocabulary import ChainEnum, Encumbrance, LicenceType, ReportKind, Right

RIGHTS = "Rights"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class _SignedTerms:
    """Terms whose fields, in order, are both the EIP-712 message and the ABI tuple of the Solidity struct."""

    PRIMARY_TYPE: ClassVar[str]

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (field names as in Solidity, enums as their Solidity values)."""
        return {
            _camel(key): value.code if isinstance(value, ChainEnum) else value for key, value in asdict(self).items()
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple of the Solidity struct, in field order."""
        return tuple(self.message().values())

    def typed_data(self, chain_id: int, rights: str) -> dict[str, Any]:
        """The EIP-712 document a wallet signs, bytes as 0x-hex (JSON-ready)."""
        message = {key: to_hex(value) if isinstance(value, bytes) else value for key, value in self.message().items()}
        return typed_data(self.PRIMARY_TYPE, message, chain_id, rights)

    def sign(self, signer: LocalAccount, chain_id: int, rights: str) -> bytes:
        """`signer`'s EIP-712 signature over these terms for the rights module at `rights`."""
        message = signable(self.PRIMARY_TYPE, self.message(), chain_id, rights)
        return bytes(signer.sign_message(message).signature)


@dataclass(frozen=True)
class TransferTerms(_SignedTerms):
    """A transfer of one right (`IRights.TransferTerms`), signed by the holder and by the new holder."""

    PRIMARY_TYPE: ClassVar[str] = "RightTransfer"

    registration_id: int
    right: Right
    holder: str
    new_holder: str
    agreement_digest: bytes
    nonce: int
    deadline: int


@dataclass(frozen=True)
class LicenceTerms(_SignedTerms):
    """A licence (`IRights.LicenceTerms`), signed by the licensor."""

    PRIMARY_TYPE: ClassVar[str] = "Licence"

    registration_id: int
    right: Right
    licensor: str
    licensee: str
    licence_type: LicenceType
    scope_digest: bytes
    starts_at: int
    ends_at: int
    sublicensable: bool
    parent_licence_id: int
    nonce: int
    deadline: int


@dataclass(frozen=True)
class EncumbranceTerms(_SignedTerms):
    """A pledge or trust (`IRights.EncumbranceTerms`), signed by the holder."""

    PRIMARY_TYPE: ClassVar[str] = "Encumbrance"

    registration_id: int
    right: Right
    kind: Encumbrance
    holder: str
    creditor: str
    agreement_digest: bytes
    nonce: int
    deadline: int


@dataclass(frozen=True)
class ReleaseTerms(_SignedTerms):
    """A release (`IRights.ReleaseTerms`), signed by the pledgee or trustee, for a creditor whose key the service
    does not hold; it carries the right's nonce, which the release raises."""

    PRIMARY_TYPE: ClassVar[str] = "Release"

    registration_id: int
    right: Right
    creditor: str
    nonce: int
    deadline: int


@dataclass(frozen=True)
class RevocationTerms(_SignedTerms):
    """A licence revocation (`IRights.RevocationTerms`), signed by the licensor; it carries the nonce the
    licensor's grants carry (`licensor_nonce_of`)."""

    PRIMARY_TYPE: ClassVar[str] = "LicenceRevocation"

    licence_id: int
    licensor: str
    reason_digest: bytes
    nonce: int
    deadline: int


def release_terms(
    contracts: Contracts, registration_id: int, right: Right, creditor: str, deadline: int
) -> ReleaseTerms:
    """The release `creditor` signs now: the right's current nonce and the given deadline."""
    return ReleaseTerms(registration_id, right, creditor, nonce_of(contracts, registration_id, right), deadline)


def revocation_terms(
    contracts: Contracts, licence_id: int, licensor: str, reason: str, deadline: int
) -> RevocationTerms:
    """The revocation `licensor` signs now, naming the digest of its written reason."""
    nonce = licensor_nonce_of(contracts, licence_id)
    return RevocationTerms(licence_id, licensor, text_digest(reason), nonce, deadline)


# ------------------------------------------------------------------------------------------------ writes


def request_transfer(
    contracts: Contracts, terms: TransferTerms, holder_signature: bytes, new_holder_signature: bytes
) -> Write:
    """A transfer registration signed by both holders; it waits for its approvals."""
    return contracts.write(RIGHTS, "requestTransfer", terms.as_tuple(), holder_signature, new_holder_signature)


def approve_transfer(contracts: Contracts, registration_id: int, right: Right) -> Write:
    """The registration's authority approves a pending transfer."""
    return contracts.write(RIGHTS, "approveTransfer", registration_id, right.code)


def regulator_approve_transfer(contracts: Contracts, registration_id: int, right: Right) -> Write:
    """A regulator approves a pending transfer of important or core data."""
    return contracts.write(RIGHTS, "regulatorApproveTransfer", registration_id, right.code)


def reject_transfer(contracts: Contracts, registration_id: int, right: Right, reason: str) -> Write:
    """The authority or a regulator refuses a pending transfer."""
    return contracts.write(RIGHTS, "rejectTransfer", registration_id, right.code, text_digest(reason))


def transfer_by_operation_of_law(
    contracts: Contracts, registration_id: int, right: Right, new_holder: str, evidence: str
) -> Write:
    """Transfer on a merger, division, dissolution or bankruptcy, on evidence, without the holder."""
    return contracts.write(
        RIGHTS, "transferByOperationOfLaw", registration_id, right.code, new_holder, text_digest(evidence)
    )


def grant_licence(contracts: Contracts, terms: LicenceTerms, signature: bytes) -> Write:
    """A licence registration (许可登记) signed by its licensor."""
    return contracts.write(RIGHTS, "grantLicence", terms.as_tuple(), signature)


def regulator_approve_licence(contracts: Contracts, licence_id: int) -> Write:
    """A regulator approves a licence of important or core data."""
    return contracts.write(RIGHTS, "regulatorApproveLicence", licence_id)


def revoke_licence(contracts: Contracts, licence_id: int, reason: str) -> Write:
    """The licensor or the authority revokes a licence."""
    return contracts.write(RIGHTS, "revokeLicence", licence_id, text_digest(reason))


def revoke_licence_by_signature(contracts: Contracts, terms: RevocationTerms, signature: bytes) -> Write:
    """The licensor's signed revocation, relayed: the relayer pays the gas, the event names the licensor."""
    return contracts.write(RIGHTS, "revokeLicenceBySignature", terms.as_tuple(), signature)


def encumber(contracts: Contracts, terms: EncumbranceTerms, signature: bytes) -> Write:
    """A pledge or trust signed by the holder."""
    return contracts.write(RIGHTS, "encumber", terms.as_tuple(), signature)


def release(contracts: Contracts, registration_id: int, right: Right) -> Write:
    """The pledgee or trustee releases the right."""
    return contracts.write(RIGHTS, "release", registration_id, right.code)


def release_by_signature(contracts: Contracts, terms: ReleaseTerms, signature: bytes) -> Write:
    """The pledgee's or trustee's signed release, relayed: the relayer pays the gas, the event names the creditor."""
    return contracts.write(RIGHTS, "releaseBySignature", terms.as_tuple(), signature)


def release_by_court_order(contracts: Contracts, registration_id: int, right: Right, evidence: str) -> Write:
    """The authority releases a pledge or trust on a court order."""
    return contracts.write(RIGHTS, "releaseByCourtOrder", registration_id, right.code, text_digest(evidence))


def endorse(contracts: Contracts, registration_id: int, kind: ReportKind, report_digest: bytes) -> Write:
    """An admitted agency vouches for the report with this digest (Endorsements)."""
    return contracts.write("Endorsements", "endorse", registration_id, kind.code, report_digest)


def withdraw_endorsement(contracts: Contracts, report_digest: bytes, reason: str) -> Write:
    """The agency withdraws its endorsement (Endorsements)."""
    return contracts.write("Endorsements", "withdraw", report_digest, text_digest(reason))


# ------------------------------------------------------------------------------------------------ reads


def holder_of(contracts: Contracts, registration_id: int, right: Right) -> str:
    """The current holder of a right, as the chain says."""
    return str(contracts.call(RIGHTS, "holderOf", registration_id, right.code))


def nonce_of(contracts: Contracts, registration_id: int, right: Right) -> int:
    """The right's nonce, which signed terms must carry (every change of the right raises it)."""
    return int(contracts.call(RIGHTS, "nonceOf", registration_id, right.code))


def sublicence_nonce_of(contracts: Contracts, parent_licence_id: int) -> int:
    """The nonce a sub-licence of `parent_licence_id` must carry: its parent licence's own, so that a sub-licence
    leaves the holder's pending signatures alone."""
    return int(contracts.call(RIGHTS, "sublicenceNonceOf", parent_licence_id))


def licensor_nonce_of(contracts: Contracts, licence_id: int) -> int:
    """The nonce a signed revocation of the licence carries, the one its licensor's grants carry: the right's for a
    licence of the holder, the parent's sub-licence nonce for a sub-licence."""
    fields = decode_licence_id(licence_id)
    if fields.parent is not None:
        return sublicence_nonce_of(contracts, fields.parent.encode())
    return nonce_of(contracts, fields.registration_id, Right.of(fields.right))


def may_process(contracts: Contracts, registration_id: int, account: str) -> bool:
    """Whether the chain lets `account` derive from the registration now (`Rights.mayProcess`: the processing
    right's holder, or the licensee of the licence in force its lineage index holds)."""
    return bool(contracts.call(RIGHTS, "mayProcess", registration_id, account))


def is_licence_current(contracts: Contracts, licence_id: int) -> bool:
    """Whether a licence is in force now, as the chain says."""
    return bool(contracts.call(RIGHTS, "isLicenceCurrent", licence_id))


def record_lineage(contracts: Contracts, licence_id: int) -> Write:
    """Points the licensee's lineage index at this processing licence in force (anyone may send it)."""
    return contracts.write(RIGHTS, "recordLineage", licence_id)
