// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IRegistrations} from "./IRegistrations.sol";
import {IAuthorities} from "./IAuthorities.sol";
import {ILedgerAccess} from "./ILedgerAccess.sol";

/// @title IRegistry
/// @notice What the modules built on the registry (rights, endorsements) may ask of it and tell it: so they depend
/// on this interface, not on the registry's code.
interface IRegistry is IRegistrations, IAuthorities {
    /// @notice Roles and admitted parties of the ledger.
    function access() external view returns (ILedgerAccess);

    /// @notice Whether the ledger is paused (the emergency stop every module honours).
    function paused() external view returns (bool);

    /// @notice The status of a registration (None for an unknown id).
    function statusOf(uint256 registrationId) external view returns (Status);

    /// @notice What the rights module needs of a registration in one call; reverts for an unknown id.
    function rightsContext(uint256 registrationId) external view returns (RightsContext memory);

    /// @notice The rights module records that one of the registration's rights changed hands (see `Registrations`).
    /// @return tokenId the reissued certificate, 0 when none is reissued
    function recordTransfer(uint256 registrationId, uint8 rightBit, address holder, bool reissueCertificate)
        external
        returns (uint256 tokenId);
}
