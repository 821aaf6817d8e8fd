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

    uint16 private _authorityCount;
    mapping(uint16 authorityId => Authority) private _authorities;
    mapping(address account => uint16 authorityId) private _authorityIdOf;

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
        address previous = record.account;
        delete _authorityIdOf[previous];
        record.account = account;
        _authorityIdOf[account] = authorityId;
        emit AuthorityAccountChanged(authorityId, previous, account);
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

    function _checkPeriods(uint40 noticePeriod, uint40 reviewInterval) private pure {
        if (noticePeriod == 0 || reviewInterval == 0 || noticePeriod > MAX_PERIOD || reviewInterval > MAX_PERIOD) {
            revert InvalidPeriod(noticePeriod, reviewInterval);
        }
    }
}
