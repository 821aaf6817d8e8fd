// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerErrors} from "./ILedgerErrors.sol";

/// @title IEndorsements
/// @notice Types, events and errors of report endorsements: an admitted third-party agency (law firm, assessment or
/// valuation institution) vouches on chain for the report it issued about a registration.
interface IEndorsements is ILedgerErrors {
    /// @notice What the endorsed report is.
    enum ReportKind {
        Compliance, // 合规意见
        Quality, // 质量评估
        Valuation // 价值评估
    }

    /// @notice An endorsement, kept under the digest of the report it vouches for.
    /// @param registrationId the registration the report is about
    /// @param agency the agency that endorsed it (the signer of the endorsing transaction)
    /// @param kind what the report is
    /// @param withdrawn whether the agency has withdrawn it
    struct Endorsement {
        uint64 registrationId;
        address agency;
        ReportKind kind;
        bool withdrawn;
    }

    /// @notice An agency endorsed the report with digest `reportDigest` about a registration.
    event ReportEndorsed(
        bytes32 indexed reportDigest, uint256 indexed registrationId, address indexed agency, ReportKind kind
    );
    /// @notice The agency withdrew its endorsement.
    event EndorsementWithdrawn(
        bytes32 indexed reportDigest, uint256 indexed registrationId, address indexed agency, bytes32 reasonDigest
    );

    /// @notice The registration does not exist, or was rejected, revoked or cancelled.
    error RegistrationNotEndorsable(uint256 registrationId);
    /// @notice The report has already been endorsed (a report is endorsed once, by its agency).
    error ReportAlreadyEndorsed(bytes32 reportDigest);
    /// @notice No endorsement of this report is in force by the caller.
    error NotEndorsedByCaller(bytes32 reportDigest, address caller);
}
