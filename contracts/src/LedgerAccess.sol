// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ILedgerAccess} from "./interfaces/ILedgerAccess.sol";
import {LedgerRoles} from "./libraries/LedgerRoles.sol";

/// @title LedgerAccess
/// @notice Who may do what on the Data Rights Ledger: roles, the registration authorities and their
/// parameters, and the admission of identity-checked parties.
/// @dev Several authorities coexist; each registration records the id of its own. An authority id stays
/// fixed while the key acting for it can be rotated, so a registration outlives its authority's keys.
contract LedgerAccess is AccessControl, ILedgerAccess {
    /// @inheritdoc ILedgerAccess
    bytes32 public constant AUTHORITY_ROLE = LedgerRoles.AUTHORITY;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant REVIEWER_ROLE = LedgerRoles.REVIEWER;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant REGULATOR_ROLE = LedgerRoles.REGULATOR;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant PARTY_ADMIN_ROLE = LedgerRoles.PARTY_ADMIN;
    /// @inheritdoc ILedgerAccess
    bytes32 public constant PAUSER_ROLE = LedgerRoles.PAUSER;

    /// @notice Upper bound of the notice period and review interval an authority may set (ten years).
    uint40 public constant MAX_PERIOD = 3650 days;

    uint16 private _authorityCount;
    mapping(uint16 authorityId => Authority) private _authorities;
    mapping(address account => uint16 authorityId) private _authorityIdOf;
    mapping(address account => Party) private _parties;

    /// @param admin the first administrator, who grants the other roles
    constructor(address admin) {
        if (admin == address(0)) revert ZeroValue();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Registers a new registration authority acting through `account`.
    /// @dev Grants AUTHORITY_ROLE to `account`. Ids start at 1; 0 means "no authority".
    /// @return authorityId the new authority's id
    function registerAuthority(address account, bytes32 code, uint40 noticePeriod, uint40 reviewInterval)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint16 authorityId)
    {
        if (account == address(0) || code == bytes32(0)) revert ZeroValue();
        if (_authorityIdOf[account] != 0) revert AccountAlreadyAuthority(account);
        _checkPeriods(noticePeriod, reviewInterval);
        if (_authorityCount == type(uint16).max) revert TooManyAuthorities();
        authorityId = ++_authorityCount;
        _authorities[authorityId] = Authority(account, noticePeriod, reviewInterval, code);
        _authorityIdOf[account] = authorityId;
        _grantRole(AUTHORITY_ROLE, account);
        emit AuthorityRegistered(authorityId, account, code);
        emit AuthorityParametersChanged(authorityId, noticePeriod, reviewInterval);
    }

    /// @notice Rotates the key acting for an authority; the old key loses AUTHORITY_ROLE.
    function changeAuthorityAccount(uint16 authorityId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Authority storage record = _existingAuthority(authorityId);
        if (account == address(0)) revert ZeroValue();
        if (_authorityIdOf[account] != 0) revert AccountAlreadyAuthority(account);
        address previous = record.account;
        delete _authorityIdOf[previous];
        _revokeRole(AUTHORITY_ROLE, previous);
        record.account = account;
        _authorityIdOf[account] = authorityId;
        _grantRole(AUTHORITY_ROLE, account);
        emit AuthorityAccountChanged(authorityId, previous, account);
    }

    /// @notice Sets the public-notice length and annual-review interval of the caller's own registrations.
    /// @dev Applies to notices opened and reviews filed from now on; running windows keep their end.
    function setAuthorityParameters(uint16 authorityId, uint40 noticePeriod, uint40 reviewInterval) external {
        Authority storage record = _existingAuthority(authorityId);
        if (record.account != msg.sender) revert NotAuthorityAccount(authorityId, msg.sender);
        _checkPeriods(noticePeriod, reviewInterval);
        record.noticePeriod = noticePeriod;
        record.reviewInterval = reviewInterval;
        emit AuthorityParametersChanged(authorityId, noticePeriod, reviewInterval);
    }

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
        _parties[account].status = PartyStatus.Suspended;
        emit PartySuspended(account, reasonDigest);
    }

    /// @inheritdoc ILedgerAccess
    function hasRole(bytes32 role, address account) public view override(AccessControl, ILedgerAccess) returns (bool) {
        return super.hasRole(role, account);
    }

    /// @inheritdoc ILedgerAccess
    function authority(uint16 authorityId) external view returns (Authority memory) {
        return _existingAuthority(authorityId);
    }

    /// @inheritdoc ILedgerAccess
    function authorityTerms(uint16 authorityId)
        external
        view
        returns (address account, uint40 noticePeriod, uint40 reviewInterval)
    {
        Authority storage record = _existingAuthority(authorityId);
        return (record.account, record.noticePeriod, record.reviewInterval);
    }

    /// @inheritdoc ILedgerAccess
    function authorityIdOf(address account) external view returns (uint16) {
        return _authorityIdOf[account];
    }

    /// @inheritdoc ILedgerAccess
    function authorityCount() external view returns (uint16) {
        return _authorityCount;
    }

    /// @inheritdoc ILedgerAccess
    function party(address account) external view returns (Party memory) {
        return _parties[account];
    }

    /// @inheritdoc ILedgerAccess
    function isAdmitted(address account) external view returns (bool) {
        return _parties[account].status == PartyStatus.Admitted;
    }

    function _existingAuthority(uint16 authorityId) private view returns (Authority storage record) {
        record = _authorities[authorityId];
        if (record.account == address(0)) revert UnknownAuthority(authorityId);
    }

    function _checkPeriods(uint40 noticePeriod, uint40 reviewInterval) private pure {
        if (noticePeriod == 0 || reviewInterval == 0 || noticePeriod > MAX_PERIOD || reviewInterval > MAX_PERIOD) {
            revert InvalidPeriod(noticePeriod, reviewInterval);
        }
    }
}
