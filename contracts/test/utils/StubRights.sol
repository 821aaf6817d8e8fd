// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IRightsView} from "../../src/interfaces/IRightsView.sol";

/// @title StubRights
/// @notice A rights module whose answers the test sets, to check how the registry defers to a connected one.
contract StubRights is IRightsView {
    mapping(uint256 registrationId => address) public holders;
    mapping(uint256 registrationId => mapping(address account => bool)) public processors;
    mapping(uint256 registrationId => bool) public encumbered;

    function setHolder(uint256 registrationId, address holder) external {
        holders[registrationId] = holder;
    }

    function setProcessor(uint256 registrationId, address account, bool allowed) external {
        processors[registrationId][account] = allowed;
    }

    function setEncumbered(uint256 registrationId, bool value) external {
        encumbered[registrationId] = value;
    }

    function primaryHolder(uint256 registrationId) external view returns (address) {
        return holders[registrationId];
    }

    function mayProcess(uint256 registrationId, address account) external view returns (bool) {
        return processors[registrationId][account];
    }

    function isUnencumbered(uint256 registrationId) external view returns (bool) {
        return !encumbered[registrationId];
    }
}
