// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ILedgerAccess} from "./interfaces/ILedgerAccess.sol";
import {LedgerRoles} from "./libraries/LedgerRoles.sol";

/// @title LedgerAccess
/// @notice Who may do what on the Data Rights Ledger: roles, and the admission of identity-checked parties.
/// @dev The administrator role follows OpenZeppelin's `AccessControlDefaultAdminRules`: one holder at a time, moved
/// in two steps (the new admin accepts) after a delay announced on chain, and the delay itself changed only with a
/// delay. Put the admin behind a multisig (a Safe) or a `TimelockController` (docs/contracts.md).
contract LedgerAccess is AccessControlDefaultAdminRules, ILedgerAccess {
    /// @inheritdoc ILedgerAccess
    bytes32 public constant REVIEWER_ROLE = LedgerRoles.REVIEWER;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant REGULATOR_ROLE = LedgerRoles.REGULATOR;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant PARTY_ADMIN_ROLE = LedgerRoles.PARTY_ADMIN;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant PAUSER_ROLE = LedgerRoles.PAUSER;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant AGENCY_ROLE = LedgerRoles.AGENCY;

    mapping(address account => Party) private _parties;

    /// @param adminDelay how long, in seconds, a transfer of the administrator role waits after it is begun
    /// @param admin the first administrator, who grants the other roles
    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {}

    /// @notice Admits `account` as an identity-checked party, or re-admits a suspended one.
    /// @param identityCommitment salted hash of the identity documents checked off chain
    function admitParty(address account, bytes32 identityCommitment) external onlyRole(PARTY_ADMIN_ROLE) {
        if (account == address(0) || identityCommitment == bytes32(0)) revert ZeroValue();
        _parties[account] = Party(PartyStatus.Admitted, uint40(block.timestamp), identityCommitment);
        emit PartyAdmitted(account, identityCommitment);
    }

    /// @notice Suspends a party found dishonest (失信): it can start nothing new until re-admitted.
    /// @param reasonDigest hash of the decision document
    function suspendParty(address account, bytes32 reasonDigest) external onlyRole(REGULATOR_ROLE) {
        if (reasonDigest == bytes32(0)) revert ZeroValue();
        Party storage suspended = _parties[account];
        if (suspended.status == PartyStatus.None) revert PartyNeverAdmitted(account);
        suspended.status = PartyStatus.Suspended;
        emit PartySuspended(account, reasonDigest);
    }

    /// @inheritdoc ILedgerAccess
    function hasRole(bytes32 role, address account)
        public
        view
        override(AccessControl, IAccessControl, ILedgerAccess)
        returns (bool)
    {
        return super.hasRole(role, account);
    }

    /// @inheritdoc ILedgerAccess
    function party(address account) external view returns (Party memory) {
        return _parties[account];
    }

    /// @inheritdoc ILedgerAccess
    function isAdmitted(address account) external view returns (bool) {
        return _parties[account].status == PartyStatus.Admitted;
    }

    /// @inheritdoc ILedgerAccess
    function admissionOf(address first, address second)
        external
        view
        returns (bool firstAdmitted, bool secondAdmitted)
    {
        return (_parties[first].status == PartyStatus.Admitted, _parties[second].status == PartyStatus.Admitted);
    }
}
