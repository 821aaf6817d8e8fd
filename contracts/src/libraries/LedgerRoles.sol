// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title LedgerRoles
/// @notice The role identifiers of the Data Rights Ledger, shared by every contract that checks them.
library LedgerRoles {
    /// @notice OpenZeppelin AccessControl's default admin role.
    bytes32 internal constant ADMIN = 0x00;
    /// @notice Reviewers who accept or reject applications.
    bytes32 internal constant REVIEWER = keccak256("REVIEWER_ROLE");
    /// @notice Regulators: freeze, unfreeze, revoke, approve important-data deals, suspend parties.
    bytes32 internal constant REGULATOR = keccak256("REGULATOR_ROLE");
    /// @notice Those who admit identity-checked parties.
    bytes32 internal constant PARTY_ADMIN = keccak256("PARTY_ADMIN_ROLE");
    /// @notice Those who may pause and unpause the ledger in an emergency.
    bytes32 internal constant PAUSER = keccak256("PAUSER_ROLE");
    /// @notice Third-party agencies (law firms, assessment and valuation institutions) that endorse reports.
    bytes32 internal constant AGENCY = keccak256("AGENCY_ROLE");
}
