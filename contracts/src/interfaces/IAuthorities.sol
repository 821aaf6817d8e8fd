// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerErrors} from "./ILedgerErrors.sol";

/// @title IAuthorities
/// @notice The registration authorities (data exchanges, registration centres) of the registry.
/// @dev Several authorities coexist; each registration records the id of its own. An authority's id stays fixed
/// while the key acting for it can be rotated, so registrations outlive their authority's keys. Each authority sets
/// the public-notice length and the annual-review interval of its registrations.
interface IAuthorities is ILedgerErrors {
    /// @notice An authority record.
    /// @param account the key that acts for the authority
    /// @param noticePeriod length of the public-notice window of its registrations, in seconds
    /// @param reviewInterval interval between annual reviews of its certified registrations, in seconds
    /// @param code a short code naming the institution (e.g. the hash of its unified social credit code)
    struct Authority {
        address account;
        uint40 noticePeriod;
        uint40 reviewInterval;
        bytes32 code;
    }

    /// @notice A new acting account proposed by the administrator, which may take over from `effectiveAt`.
    /// @param account the proposed account
    /// @param effectiveAt when it may accept
    struct PendingAccount {
        address account;
        uint40 effectiveAt;
    }

    /// @notice A new registration authority was registered.
    event AuthorityRegistered(uint16 indexed authorityId, address indexed account, bytes32 code);
    /// @notice The administrator proposed a new acting key for an authority; it can take over from `effectiveAt`.
    event AuthorityAccountChangeProposed(
        uint16 indexed authorityId, address indexed account, address indexed proposed, uint40 effectiveAt
    );
    /// @notice The administrator withdrew a proposed acting key before it took over.
    event AuthorityAccountChangeCancelled(uint16 indexed authorityId, address indexed proposed);
    /// @notice The administrator set the shortest public notice any authority's registrations get.
    event MinimumNoticePeriodSet(uint40 minimum);
    /// @notice An authority's acting key was rotated.
    event AuthorityAccountChanged(uint16 indexed authorityId, address indexed previous, address indexed account);
    /// @notice An authority changed the public-notice length or annual-review interval of its registrations.
    event AuthorityParametersChanged(uint16 indexed authorityId, uint40 noticePeriod, uint40 reviewInterval);

    /// @notice The authority id is not registered.
    error UnknownAuthority(uint16 authorityId);
    /// @notice The account already acts for an authority.
    error AccountAlreadyAuthority(address account);
    /// @notice Authority parameters are out of range (zero, or longer than the allowed maximum).
    error InvalidPeriod(uint40 noticePeriod, uint40 reviewInterval);
    /// @notice A zero account or code was given.
    error InvalidAuthority();
    /// @notice No more authorities can be registered.
    error TooManyAuthorities();
    /// @notice No acting key is proposed for the authority.
    error NoAuthorityAccountChange(uint16 authorityId);
    /// @notice The proposed acting key cannot take over before `effectiveAt`.
    error AuthorityAccountChangeNotDue(uint16 authorityId, uint40 effectiveAt);
    /// @notice The notice period is below the administrator's minimum.
    error NoticeBelowMinimum(uint40 noticePeriod, uint40 minimum);

    /// @notice The administrator registers an authority acting through `account`; ids start at 1.
    function registerAuthority(address account, bytes32 code, uint40 noticePeriod, uint40 reviewInterval)
        external
        returns (uint16 authorityId);

    /// @notice The administrator proposes a new key to act for an authority; it takes over only when it accepts,
    /// `AUTHORITY_ACCOUNT_DELAY` after the announcement, unless the administrator cancels it meanwhile.
    function changeAuthorityAccount(uint16 authorityId, address account) external;

    /// @notice The proposed key takes over the authority, once the delay has passed.
    function acceptAuthorityAccount(uint16 authorityId) external;

    /// @notice The administrator withdraws a proposed key before it takes over.
    function cancelAuthorityAccountChange(uint16 authorityId) external;

    /// @notice The administrator sets the shortest public notice (in seconds) of every authority's registrations;
    /// no authority can set less, and one that set less before gets the minimum.
    function setMinimumNoticePeriod(uint40 minimum) external;

    /// @notice The key proposed to act for an authority, and from when it may accept (zero when none).
    function pendingAuthorityAccount(uint16 authorityId) external view returns (PendingAccount memory);

    /// @notice The shortest public notice the administrator allows, in seconds (0 until set).
    function minimumNoticePeriod() external view returns (uint40);

    /// @notice An authority sets the public-notice length and annual-review interval of its registrations; running
    /// windows keep their end.
    function setAuthorityParameters(uint16 authorityId, uint40 noticePeriod, uint40 reviewInterval) external;

    /// @notice The authority record; reverts for an unknown id.
    function authority(uint16 authorityId) external view returns (Authority memory);

    /// @notice The acting account and periods of an authority, in one storage read; reverts for an unknown id.
    function authorityTerms(uint16 authorityId)
        external
        view
        returns (address account, uint40 noticePeriod, uint40 reviewInterval);

    /// @notice The id of the authority `account` acts for, or 0.
    function authorityIdOf(address account) external view returns (uint16);

    /// @notice How many authorities are registered; ids run from 1 to this number.
    function authorityCount() external view returns (uint16);
}
