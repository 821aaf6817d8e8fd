// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title LogProof
/// @notice RFC 6962 / RFC 9162 transparency-log hashing and inclusion proofs (SHA-256), as the evidence log
/// (Tessera, C2SP tlog-tiles) builds its tree: leaves `sha256(0x00 ‖ entry)`, nodes `sha256(0x01 ‖ left ‖ right)`.
library LogProof {
    /// @notice The RFC 6962 hash of a leaf.
    function leafHash(bytes memory entry) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), entry));
    }

    /// @notice The RFC 6962 hash of an inner node.
    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /// @notice Whether `leaf` is at `index` in the tree of `size` whose root is `root` (RFC 9162 §2.1.3.2). A proof
    /// too short or too long fails: the walk must end exactly at the root's level.
    function verifyInclusion(uint256 index, uint256 size, bytes32 leaf, bytes32[] calldata proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        if (index >= size) return false;
        uint256 fn = index;
        uint256 sn = size - 1;
        bytes32 r = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return false;
            if (fn & 1 == 1 || fn == sn) {
                r = nodeHash(proof[i], r);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = nodeHash(r, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == root;
    }
}
