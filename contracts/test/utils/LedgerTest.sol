// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Vm} from "./Vm.sol";

/// @title LedgerTest
/// @notice The smallest base a forge test needs here: the cheatcodes, named actors and a bounded fuzz input.
abstract contract LedgerTest {
    /// @dev The address forge serves cheatcodes at: address(bytes20(keccak256("hevm cheat code"))).
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @notice Maps any `x` into [min, max], keeping values already inside unchanged so the fuzzer's edge cases
    /// (0, 1, max) still reach the bounds.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 span = max - min;
        if (span == type(uint256).max) return x;
        return min + (x % (span + 1));
    }

    /// @notice A labelled address derived from a name, with its private key.
    function actorWithKey(string memory name) internal returns (address account, uint256 key) {
        key = uint256(keccak256(bytes(name))) % SECP256K1_ORDER;
        account = vm.addr(key);
        vm.label(account, name);
    }

    /// @notice A labelled address derived from a name.
    function actor(string memory name) internal returns (address account) {
        (account,) = actorWithKey(name);
    }

    uint256 internal constant SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
}
