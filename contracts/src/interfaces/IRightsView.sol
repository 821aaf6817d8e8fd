// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IRightsView
/// @notice What the registry asks of the rights module (transfers, licences, pledges) once it is connected.
/// @dev Until a rights module is connected, the registrant of a certified registration holds every right it claimed.
interface IRightsView {
    /// @notice The holder who signs for the registration as a whole (change, annual review, cancellation).
    function primaryHolder(uint256 registrationId) external view returns (address);

    /// @notice Whether `account` may derive new data from the registration: it holds the processing and use
    /// right, or a current licence of it.
    function mayProcess(uint256 registrationId, address account) external view returns (bool);

    /// @notice Whether the registration may be cancelled now: no right pledged, in trust or being transferred, and no
    /// right held by
    /// anyone but the primary holder (who signs the cancellation).
    function isUnencumbered(uint256 registrationId) external view returns (bool);
}
