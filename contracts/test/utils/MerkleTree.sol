// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title MerkleTree
/// @notice Builds the batch trees the tests anchor: sorted-pair keccak256 nodes, level by level, an odd last node
/// carried up unchanged. Written from the definition, independent of the verifier under test.
library MerkleTree {
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @notice The root over `leaves` (the single leaf itself for a tree of one).
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length > 0, "empty tree");
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _parents(level);
        }
        return level[0];
    }

    /// @notice The inclusion proof of `leaves[index]`: its sibling at every level that has one.
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory) {
        require(index < leaves.length, "index out of range");
        bytes32[] memory path = new bytes32[](256);
        uint256 length;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) path[length++] = level[sibling];
            level = _parents(level);
            index /= 2;
        }
        bytes32[] memory trimmed = new bytes32[](length);
        for (uint256 i = 0; i < length; ++i) {
            trimmed[i] = path[i];
        }
        return trimmed;
    }

    function _parents(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < next.length; ++i) {
            uint256 left = 2 * i;
            next[i] = left + 1 < level.length ? hashPair(level[left], level[left + 1]) : level[left];
        }
    }
}
