"""EIP-712 typed data of the registrant and holder actions: the one place that builds the ledger's signing domain.

The types mirror the type hashes in `contracts/src/Registrations.sol` and `contracts/src/Rights.sol`; both
contracts use the domain `DataRightsLedger` / `1`, each with its own address as the verifying contract. A test
signs each type here and has the contract recover the signer on a real chain.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.exceptions import BadSignature

DOMAIN_NAME = "DataRightsLedger"
DOMAIN_VERSION = "1"

SUBMISSION_TYPE = [
    {"name": "registrant", "type": "address"},
    {"name": "authorityId", "type": "uint16"},
    {"name": "kind", "type": "uint8"},
    {"name": "origin", "type": "uint8"},
    {"name": "grade", "type": "uint8"},
    {"name": "personalInfo", "type": "bool"},
    {"name": "rights", "type": "uint8"},
    {"name": "manifestDigest", "type": "bytes32"},
    {"name": "dataCommitment", "type": "bytes32"},
    {"name": "parents", "type": "uint256[]"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


def _registration_action(*digest_fields: str) -> list[dict[str, str]]:
    return [
        {"name": "registrationId", "type": "uint256"},
        *({"name": field, "type": "bytes32"} for field in digest_fields),
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]


RIGHT_TRANSFER_TYPE = [
    {"name": "registrationId", "type": "uint256"},
    {"name": "right", "type": "uint8"},
    {"name": "holder", "type": "address"},
    {"name": "newHolder", "type": "address"},
    {"name": "agreementDigest", "type": "bytes32"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

LICENCE_TYPE = [
    {"name": "registrationId", "type": "uint256"},
    {"name": "right", "type": "uint8"},
    {"name": "licensor", "type": "address"},
    {"name": "licensee", "type": "address"},
    {"name": "licenceType", "type": "uint8"},
    {"name": "scopeDigest", "type": "bytes32"},
    {"name": "startsAt", "type": "uint40"},
    {"name": "endsAt", "type": "uint40"},
    {"name": "sublicensable", "type": "bool"},
    {"name": "parentLicenceId", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

ENCUMBRANCE_TYPE = [
    {"name": "registrationId", "type": "uint256"},
    {"name": "right", "type": "uint8"},
    {"name": "kind", "type": "uint8"},
    {"name": "holder", "type": "address"},
    {"name": "creditor", "type": "address"},
    {"name": "agreementDigest", "type": "bytes32"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

RELEASE_TYPE = [
    {"name": "registrationId", "type": "uint256"},
    {"name": "right", "type": "uint8"},
    {"name": "creditor", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

LICENCE_REVOCATION_TYPE = [
    {"name": "licenceId", "type": "uint256"},
    {"name": "licensor", "type": "address"},
    {"name": "reasonDigest", "type": "bytes32"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

PRIMARY_TYPES: dict[str, list[dict[str, str]]] = {
    "Submission": SUBMISSION_TYPE,
    "Manifest": [{"name": "registrant", "type": "address"}, {"name": "manifestHash", "type": "bytes32"}],
    "ChangeRequest": _registration_action("manifestDigest", "dataCommitment"),
    "AnnualReview": _registration_action("reportDigest"),
    "Cancellation": _registration_action("reasonDigest"),
    "RightTransfer": RIGHT_TRANSFER_TYPE,
    "Licence": LICENCE_TYPE,
    "Encumbrance": ENCUMBRANCE_TYPE,
    "Release": RELEASE_TYPE,
    "LicenceRevocation": LICENCE_REVOCATION_TYPE,
}


def domain(chain_id: int, verifying_contract: str) -> dict[str, Any]:
    """The ledger's EIP-712 domain on one chain, for one of its contracts (the registry or the rights module)."""
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": verifying_contract,
    }


def typed_data(primary_type: str, message: dict[str, Any], chain_id: int, verifying_contract: str) -> dict[str, Any]:
    """The full EIP-712 document a wallet displays and signs (eth_signTypedData_v4)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            primary_type: PRIMARY_TYPES[primary_type],
        },
        "primaryType": primary_type,
        "domain": domain(chain_id, verifying_contract),
        "message": message,
    }


def signable(primary_type: str, message: dict[str, Any], chain_id: int, verifying_contract: str) -> SignableMessage:
    """The message to hand to `LocalAccount.sign_message`."""
    return encode_typed_data(full_message=typed_data(primary_type, message, chain_id, verifying_contract))


def signer_of(document: dict[str, Any], signature: bytes) -> str | None:
    """The account whose signature over the typed-data `document` this is; None for a malformed signature."""
    try:
        return str(Account.recover_message(encode_typed_data(full_message=document), signature=signature))
    except (ValueError, TypeError, BadSignature):  # v, r or s out of range: malformed, not a 500
        return None
