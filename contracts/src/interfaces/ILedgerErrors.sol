// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ILedgerErrors
/// @notice The errors every ledger contract shares, declared once. A refusal for want of authority names what was
/// missing: the role, the authority the caller does not act for, or the position (objector, creditor, licensor)
/// the caller does not hold.
interface ILedgerErrors {
    /// @notice The caller does not hold `role` (a LedgerAccess role; 0x00 is the administrator's).
    error MissingRole(address caller, bytes32 role);
    /// @notice The caller is not the acting account of the authority.
    error NotAuthorityAccount(uint16 authorityId, address caller);
    /// @notice The caller neither acts for the authority nor holds `role`, either of which the action accepts.
    error NotAuthorityNorRole(uint16 authorityId, bytes32 role, address caller);
    /// @notice The party is not admitted, or is suspended.
    error PartyNotAdmitted(address party);
    /// @notice The signature does not recover to (or is not accepted by) the expected signer.
    error InvalidSignature(address signer);
    /// @notice The signed request's deadline has passed.
    error SignatureExpired(uint256 deadline);
    /// @notice The ledger is paused (the registry's emergency stop).
    error LedgerPaused();
    /// @notice A digest that must be given is zero.
    error MissingDigest();
    /// @notice An objection stands against the registration: its rights cannot be transferred by agreement, nor can it
    /// be cancelled.
    error RegistrationDisputed(uint256 registrationId);
}
