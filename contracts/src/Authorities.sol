// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAuthorities} from "./interfaces/IAuthorities.sol";

/// @title Authorities
/// @notice The registration authorities of a registry and their parameters, kept beside the registrations they
/// handle so that every authority check of the lifecycle is one local storage read.
/// @dev Abstract: the inheriting registry decides who administers authorities through `_checkAdmin`.
abstract contract Authorities is IAuthorities {
    /// @notice Upper bound of the notice period and review interval an authority may set (ten years).
    uint40 public constant MAX_PERIOD = 3650 days;
    /// @notice How long a new acting account of an authority waits, announced, before it can take over: time for the
    /// authority, its regulators and the public to see a change they did not expect, and for the admin to cancel it.
    uint40 public constant AUTHORITY_ACCOUNT_DELAY = 7 days;

    uint16 private _authorityCount;
    uint40 private _minimumNoticePeriod;
    mapping(uint16 authorityId => Authority) private _authorities;
    mapping(address account => uint16 authorityId) private _authorityIdOf;
    mapping(uint16 authorityId => PendingAccount) private _pendingAccounts;

    /// @inheritdoc IAuthorities
    function registerAuthority(address account, bytes32 code, uint40 noticePeriod, uint40 reviewInterval)
        external
        returns (uint16 authorityId)
    {
        _checkAdmin();
        if (account == address(0) || code == bytes32(0)) revert InvalidAuthority();
        if (_authorityIdOf[account] != 0) revert AccountAlreadyAuthority(account);
        _checkPeriods(noticePeriod, reviewInterval);
        if (_authorityCount == type(uint16).max) revert TooManyAuthorities();
        authorityId = ++_authorityCount;
        _authorities[authorityId] = Authority(account, noticePeriod, reviewInterval, code);
        _authorityIdOf[account] = authorityId;
        emit AuthorityRegistered(authorityId, account, code);
        emit AuthorityParametersChanged(authorityId, noticePeriod, reviewInterval);
    }

    /// @inheritdoc IAuthorities
    function changeAuthorityAccount(uint16 authorityId, address account) external {
        _checkAdmin();
        Authority storage record = _existingAuthority(authorityId);
        if (account == address(0)) revert InvalidAuthority();
        if (_authorityIdOf[account] != 0) revert AccountAlreadyAuthority(account);
        uint40 effectiveAt = uint40(block.timestamp) + AUTHORITY_ACCOUNT_DELAY;
        _pendingAccounts[authorityId] = PendingAccount(account, effectiveAt);
        emit AuthorityAccountChangeProposed(authorityId, record.account, account, effectiveAt);
    }

    /// @inheritdoc IAuthorities
    function acceptAuthorityAccount(uint16 authorityId) external {
        PendingAccount memory pending = _pendingAccounts[authorityId];
        if (pending.account == address(0)) revert NoAuthorityAccountChange(authorityId);
        if (msg.sender != pending.account) revert NotAuthorityAccount(authorityId, msg.sender);
        if (block.timestamp < pending.effectiveAt) {
            revert AuthorityAccountChangeNotDue(authorityId, pending.effectiveAt);
        }
        if (_authorityIdOf[pending.account] != 0) revert AccountAlreadyAuthority(pending.account);
        delete _pendingAccounts[authorityId];
        Authority storage record = _authorities[authorityId];
        address previous = record.account;
        delete _authorityIdOf[previous];
        record.account = pending.account;
        _authorityIdOf[pending.account] = authorityId;
        emit AuthorityAccountChanged(authorityId, previous, pending.account);
    }

    /// @inheritdoc IAuthorities
    function cancelAuthorityAccountChange(uint16 authorityId) external {
        _checkAdmin();
        address proposed = _pendingAccounts[authorityId].account;
        if (proposed == address(0)) revert NoAuthorityAccountChange(authorityId);
        delete _pendingAccounts[authorityId];
        emit AuthorityAccountChangeCancelled(authorityId, proposed);
    }

    /// @inheritdoc IAuthorities
    function setMinimumNoticePeriod(uint40 minimum) external {
        _checkAdmin();
        if (minimum == 0 || minimum > MAX_PERIOD) revert InvalidPeriod(minimum, 0);
        _minimumNoticePeriod = minimum;
        emit MinimumNoticePeriodSet(minimum);
    }

    /// @inheritdoc IAuthorities
    function setAuthorityParameters(uint16 authorityId, uint40 noticePeriod, uint40 reviewInterval) external {
        Authority storage record = _existingAuthority(authorityId);
        if (record.account != msg.sender) revert NotAuthorityAccount(authorityId, msg.sender);
        _checkPeriods(noticePeriod, reviewInterval);
        record.noticePeriod = noticePeriod;
        record.reviewInterval = reviewInterval;
        emit AuthorityParametersChanged(authorityId, noticePeriod, reviewInterval);
    }

    /// @inheritdoc IAuthorities
    function authority(uint16 authorityId) external view returns (Authority memory) {
        return _existingAuthority(authorityId);
    }

    /// @inheritdoc IAuthorities
    function authorityTerms(uint16 authorityId)
        public
        view
        returns (address account, uint40 noticePeriod, uint40 reviewInterval)
    {
        Authority storage record = _existingAuthority(authorityId);
        return (record.account, record.noticePeriod, record.reviewInterval);
    }

    /// @inheritdoc IAuthorities
    function pendingAuthorityAccount(uint16 authorityId) external view returns (PendingAccount memory) {
        return _pendingAccounts[authorityId];
    }

    /// @inheritdoc IAuthorities
    function minimumNoticePeriod() external view returns (uint40) {
        return _minimumNoticePeriod;
    }

    /// @inheritdoc IAuthorities
    function authorityIdOf(address account) external view returns (uint16) {
        return _authorityIdOf[account];
    }

    /// @inheritdoc IAuthorities
    function authorityCount() external view returns (uint16) {
        return _authorityCount;
    }

    /// @dev Reverts unless the caller may administer authorities.
    function _checkAdmin() internal view virtual;

    function _existingAuthority(uint16 authorityId) private view returns (Authority storage record) {
        record = _authorities[authorityId];
        if (record.account == address(0)) revert UnknownAuthority(authorityId);
    }

    /// @dev The notice period an authority's registrations get: its own, but never less than the admin's minimum,
    /// even if the minimum rose after the authority set its period.
    function _noticePeriodOf(uint40 noticePeriod) internal view returns (uint40) {
        uint40 minimum = _minimumNoticePeriod;
        return noticePeriod < minimum ? minimum : noticePeriod;
    }

    function _checkPeriods(uint40 noticePeriod, uint40 reviewInterval) private view {
        if (noticePeriod == 0 || reviewInterval == 0 || noticePeriod > MAX_PERIOD || reviewInterval > MAX_PERIOD) {
            revert InvalidPeriod(noticePeriod, reviewInterval);
        }
        uint40 minimum = _minimumNoticePeriod;
        if (noticePeriod < minimum) revert NoticeBelowMinimum(noticePeriod, minimum);
    }
}
