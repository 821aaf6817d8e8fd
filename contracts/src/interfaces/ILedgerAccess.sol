// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ILedgerAccess
/// @notice Roles, registration authorities and admitted parties of the Data Rights Ledger.
/// @dev Every other ledger contract asks this one who may act. Parties are identity-checked off chain;
/// only a salted commitment to their identity documents is recorded here.
interface ILedgerAccess {
    /// @notice Admission state of a party (registrant, holder, licensee, pledgee, agency).
    enum PartyStatus {
        None,
        Admitted,
        Suspended
    }

    /// @notice A registration authority (a data exchange or registration centre).
    /// @param account the key that acts for the authority; rotatable without changing the authority's id
    /// @param code a short code naming the institution (e.g. its unified social credit code, hashed)
    /// @param noticePeriod length of the public-notice window of its registrations, in seconds
    /// @param reviewInterval interval between annual reviews of its certified registrations, in seconds
    struct Authority {
        address account;
        uint40 noticePeriod;
        uint40 reviewInterval;
        bytes32 code;
    }

    /// @notice An admitted party: its status and the salted commitment to its identity documents.
    struct Party {
        PartyStatus status;
        uint40 admittedAt;
        bytes32 identityCommitment;
    }

    /// @notice A new registration authority was registered.
    event AuthorityRegistered(uint16 indexed authorityId, address indexed account, bytes32 code);
    /// @notice An authority's acting key was rotated.
    event AuthorityAccountChanged(uint16 indexed authorityId, address indexed previous, address indexed account);
    /// @notice An authority changed the public-notice length or annual-review interval of its registrations.
    event AuthorityParametersChanged(uint16 indexed authorityId, uint40 noticePeriod, uint40 reviewInterval);
    /// @notice A party was admitted (or re-admitted) after an identity check.
    event PartyAdmitted(address indexed party, bytes32 identityCommitment);
    /// @notice A party was suspended (失信) and may start nothing new.
    event PartySuspended(address indexed party, bytes32 reasonDigest);

    /// @notice The authority id is not registered.
    error UnknownAuthority(uint16 authorityId);
    /// @notice The account already acts for an authority.
    error AccountAlreadyAuthority(address account);
    /// @notice The caller is not the acting account of the authority.
    error NotAuthorityAccount(uint16 authorityId, address caller);
    /// @notice A zero address or zero digest was given where one is required.
    error ZeroValue();
    /// @notice Authority parameters are out of range (zero, or longer than the allowed maximum).
    error InvalidPeriod(uint40 noticePeriod, uint40 reviewInterval);
    /// @notice No more authorities can be registered.
    error TooManyAuthorities();

    /// @notice Role of the registration authorities (granted when an authority is registered).
    function AUTHORITY_ROLE() external view returns (bytes32);
    /// @notice Role of the reviewers who accept or reject applications.
    function REVIEWER_ROLE() external view returns (bytes32);
    /// @notice Role of the regulators: freeze, unfreeze, revoke, suspend parties.
    function REGULATOR_ROLE() external view returns (bytes32);
    /// @notice Role of those who admit identity-checked parties.
    function PARTY_ADMIN_ROLE() external view returns (bytes32);
    /// @notice Role of those who may pause and unpause the ledger in an emergency.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Whether `account` has `role`.
    function hasRole(bytes32 role, address account) external view returns (bool);
    /// @notice The authority record of `authorityId`; reverts for an unknown id.
    function authority(uint16 authorityId) external view returns (Authority memory);
    /// @notice The acting account and periods of an authority in one storage read; reverts for an unknown id.
    function authorityTerms(uint16 authorityId)
        external
        view
        returns (address account, uint40 noticePeriod, uint40 reviewInterval);
    /// @notice The authority id `account` acts for, or 0 if none.
    function authorityIdOf(address account) external view returns (uint16);
    /// @notice The number of registered authorities (ids run from 1 to this number).
    function authorityCount() external view returns (uint16);
    /// @notice The party record of `account`.
    function party(address account) external view returns (Party memory);
    /// @notice Whether `account` is admitted and not suspended.
    function isAdmitted(address account) external view returns (bool);
}
