// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {RegistrantSigning} from "./RegistrantSigning.sol";
import {IRights} from "../../src/interfaces/IRights.sol";

/// @title RightsSigning
/// @notice The rights module's EIP-712 messages, hashed field by field from their type strings rather than through
/// the contract, so that a hashing mistake in the contract shows up as a refused signature.
abstract contract RightsSigning is RegistrantSigning {
    bytes32 internal constant RIGHT_TRANSFER_TYPEHASH = keccak256(
        "RightTransfer(uint256 registrationId,uint8 right,address holder,address newHolder,bytes32 agreementDigest,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant LICENCE_TYPEHASH = keccak256(
        "Licence(uint256 registrationId,uint8 right,address licensor,address licensee,uint8 licenceType,"
        "bytes32 scopeDigest,uint40 startsAt,uint40 endsAt,bool sublicensable,uint256 parentLicenceId,uint256 nonce,"
        "uint256 deadline)"
    );
    bytes32 internal constant ENCUMBRANCE_TYPEHASH = keccak256(
        "Encumbrance(uint256 registrationId,uint8 right,uint8 kind,address holder,address creditor,"
        "bytes32 agreementDigest,uint256 nonce,uint256 deadline)"
    );

    bytes32 internal constant RELEASE_TYPEHASH =
        keccak256("Release(uint256 registrationId,uint8 right,address creditor,uint256 nonce,uint256 deadline)");
    bytes32 internal constant REVOCATION_TYPEHASH = keccak256(
        "LicenceRevocation(uint256 licenceId,address licensor,bytes32 reasonDigest,uint256 nonce,uint256 deadline)"
    );

    function releaseStructHash(IRights.ReleaseTerms memory t) internal pure returns (bytes32) {
        return
            keccak256(abi.encode(RELEASE_TYPEHASH, t.registrationId, uint8(t.right), t.creditor, t.nonce, t.deadline));
    }

    function revocationStructHash(IRights.RevocationTerms memory t) internal pure returns (bytes32) {
        return keccak256(abi.encode(REVOCATION_TYPEHASH, t.licenceId, t.licensor, t.reasonDigest, t.nonce, t.deadline));
    }

    function transferStructHash(IRights.TransferTerms memory t) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                RIGHT_TRANSFER_TYPEHASH,
                t.registrationId,
                uint8(t.right),
                t.holder,
                t.newHolder,
                t.agreementDigest,
                t.nonce,
                t.deadline
            )
        );
    }

    function licenceStructHash(IRights.LicenceTerms memory t) internal pure returns (bytes32) {
        // Two static encodings concatenated are the one encoding of all the fields; split only for the stack.
        return keccak256(
            bytes.concat(
                abi.encode(
                    LICENCE_TYPEHASH, t.registrationId, uint8(t.right), t.licensor, t.licensee, uint8(t.licenceType)
                ),
                abi.encode(t.scopeDigest, t.startsAt, t.endsAt, t.sublicensable, t.parentLicenceId, t.nonce, t.deadline)
            )
        );
    }

    function encumbranceStructHash(IRights.EncumbranceTerms memory t) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                ENCUMBRANCE_TYPEHASH,
                t.registrationId,
                uint8(t.right),
                uint8(t.kind),
                t.holder,
                t.creditor,
                t.agreementDigest,
                t.nonce,
                t.deadline
            )
        );
    }
}
