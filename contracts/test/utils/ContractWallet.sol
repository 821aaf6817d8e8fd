// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ContractWallet
/// @notice A minimal ERC-1271 wallet: it accepts a 65-byte ECDSA signature of its owner key over the hash.
/// @dev Stands in for a registrant that signs through a smart-contract account.
contract ContractWallet {
    bytes4 internal constant ERC1271_MAGIC_VALUE = 0x1626ba7e;
    bytes4 internal constant REFUSED = 0xffffffff;

    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return REFUSED;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == owner ? ERC1271_MAGIC_VALUE : REFUSED;
    }
}
