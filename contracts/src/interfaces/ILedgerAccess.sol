// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ILedgerAccess
/// @notice Roles and admitted parties of the Data Rights Ledger.
/// @dev Every other ledger contract asks this one who may act. Parties are identity-checked off chain;
/// only a salted commitment to their identity documents is recorded here. Registration authorities are kept by
/// the registry itself (`IAuthorities`).
interface ILedgerAccess {
    /// @notice Admission state of a party (registrant, holder, licensee, pledgee, agency).
    enum PartyStatus {
        None,
        Admitted,
        Suspended
    }

    /// @notice An admitted party: its status and the salted commitment to its identity documents.
    struct Party {
        PartyStatus status;
        uint40 admittedAt;
        bytes32 identityCommitment;
    }

    /// @notice A party was admitted (or re-admitted) after an identity check.
    event PartyAdmitted(address indexed party, bytes32 identityCommitment);
    /// @notice A party was suspended (失信) and may start nothing new.
    event PartySuspended(address indexed party, bytes32 reasonDigest);

    /// @notice A zero address or zero digest was given where one is required.
    error ZeroValue();
    /// @notice Only a party once admitted can be suspended: a suspension of a stranger would record nothing true.
    error PartyNeverAdmitted(address account);

    /// @notice Role of the reviewers who accept or reject applications.
    function REVIEWER_ROLE() external view returns (bytes32);
    /// @notice Role of the regulators: freeze, unfreeze, revoke, suspend parties.
    function REGULATOR_ROLE() external view returns (bytes32);
    /// @notice Role of those who admit identity-checked parties.
    function PARTY_ADMIN_ROLE() external view returns (bytes32);
    /// @notice Role of those who may pause and unpause the ledger in an emergency.
    function PAUSER_ROLE() external view returns (bytes32);
    /// @notice Role of the third-party agencies (law firms, assessment and valuation institutions) whose report
    /// endorsements the ledger records; an agency must also be an admitted party.
    function AGENCY_ROLE() external view returns (bytes32);

    /// @notice Whether `account` has `role`.
    function hasRole(bytes32 role, address account) external view returns (bool);
    /// @notice The party record of `account`.
    function party(address account) external view returns (Party memory);
    /// @notice Whether `account` is admitted and not suspended.
    function isAdmitted(address account) external view returns (bool);
    /// @notice Whether each of two parties is admitted and not suspended: the two parties of a deal in one call.
    function admissionOf(address first, address second) external view returns (bool firstAdmitted, bool secondAdmitted);
}
