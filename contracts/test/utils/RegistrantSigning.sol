// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {LedgerTest} from "./LedgerTest.sol";
import {IRegistrations} from "../../src/interfaces/IRegistrations.sol";

/// @title RegistrantSigning
/// @notice The registrant's EIP-712 messages, hashed from their type strings rather than through the registry's
/// own digest views, so that a hashing mistake in the registry shows up as a refused signature.
abstract contract RegistrantSigning is LedgerTest {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant SUBMISSION_TYPEHASH = keccak256(
        "Submission(address registrant,uint16 authorityId,uint8 kind,uint8 origin,uint8 grade,bool personalInfo,"
        "uint8 rights,bytes32 manifestDigest,bytes32 dataCommitment,uint256[] parents,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant CHANGE_TYPEHASH = keccak256(
        "ChangeRequest(uint256 registrationId,bytes32 manifestDigest,bytes32 dataCommitment,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant ANNUAL_REVIEW_TYPEHASH =
        keccak256("AnnualReview(uint256 registrationId,bytes32 reportDigest,uint256 nonce,uint256 deadline)");
    bytes32 internal constant CANCELLATION_TYPEHASH =
        keccak256("Cancellation(uint256 registrationId,bytes32 reasonDigest,uint256 nonce,uint256 deadline)");

    function domainSeparatorOf(address registry, uint256 chainId_) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("DataRightsLedger"), keccak256("1"), chainId_, registry));
    }

    function typedDigest(address registry, uint256 chainId_, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", domainSeparatorOf(registry, chainId_), structHash));
    }

    function submissionStructHash(IRegistrations.Submission memory a) internal pure returns (bytes32) {
        // Two static encodings concatenated are the one encoding of all the fields; split only for the stack.
        return keccak256(
            bytes.concat(
                abi.encode(
                    SUBMISSION_TYPEHASH,
                    a.registrant,
                    a.authorityId,
                    uint8(a.kind),
                    uint8(a.origin),
                    uint8(a.grade),
                    a.personalInfo
                ),
                abi.encode(
                    a.rights,
                    a.manifestDigest,
                    a.dataCommitment,
                    keccak256(abi.encodePacked(a.parents)),
                    a.nonce,
                    a.deadline
                )
            )
        );
    }

    function signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice The struct hash of a change request: the new manifest and the commitment to the changed data.
    function changeRequestStructHash(
        uint256 registrationId,
        bytes32 manifestDigest,
        bytes32 dataCommitment,
        uint256 nonce,
        uint256 deadline
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(CHANGE_TYPEHASH, registrationId, manifestDigest, dataCommitment, nonce, deadline));
    }

    /// @notice The struct hash of an annual review or a cancellation: both share one shape and differ by their
    /// type hash.
    function holderActionStructHash(
        bytes32 typehash,
        uint256 registrationId,
        bytes32 digest,
        uint256 nonce,
        uint256 deadline
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(typehash, registrationId, digest, nonce, deadline));
    }
}
