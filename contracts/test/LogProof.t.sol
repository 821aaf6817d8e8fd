// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {LedgerTest} from "./utils/LedgerTest.sol";
import {EvidenceAnchors} from "../src/EvidenceAnchors.sol";
import {LogProof} from "../src/libraries/LogProof.sol";

/// @dev Reads the vector file the Python verifier checks too (docs/formats/vectors/tlog.json).
interface TlogVectorReader {
    function readFile(string calldata path) external view returns (string memory);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonBytes32Array(string calldata json, string calldata key) external pure returns (bytes32[] memory);
}

/// @notice RFC 6962 inclusion proofs of the evidence log verify on chain against anchored checkpoints: the
/// transparency-dev/merkle vectors, and every proof of fuzzed trees built here by RFC 6962's own recursion.
contract LogProofTest is LedgerTest {
    TlogVectorReader internal constant files = TlogVectorReader(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    EvidenceAnchors internal anchors;
    address internal anchorer;

    function setUp() public {
        anchors = new EvidenceAnchors();
        anchorer = actor("anchorer");
    }

    /// @dev MTH(D[start:end]) over leaf hashes (RFC 6962 §2.1).
    function _root(bytes32[] memory leaves, uint256 start, uint256 end) internal pure returns (bytes32) {
        if (end - start == 1) return leaves[start];
        uint256 k = _split(end - start);
        return LogProof.nodeHash(_root(leaves, start, start + k), _root(leaves, start + k, end));
    }

    function _split(uint256 n) internal pure returns (uint256 k) {
        k = 1;
        while (k << 1 < n) k <<= 1;
    }

    /// @dev PATH(m, D[start:end]) (RFC 6962 §2.1.1), bottom first.
    function _path(bytes32[] memory leaves, uint256 m, uint256 start, uint256 end)
        internal
        pure
        returns (bytes32[] memory)
    {
        if (end - start == 1) return new bytes32[](0);
        uint256 k = _split(end - start);
        bytes32[] memory sub;
        bytes32 sibling;
        if (m < k) {
            sub = _path(leaves, m, start, start + k);
            sibling = _root(leaves, start + k, end);
        } else {
            sub = _path(leaves, m - k, start + k, end);
            sibling = _root(leaves, start, start + k);
        }
        bytes32[] memory out = new bytes32[](sub.length + 1);
        for (uint256 i = 0; i < sub.length; ++i) {
            out[i] = sub[i];
        }
        out[sub.length] = sibling;
        return out;
    }

    function _leaves(uint256 seed, uint256 size) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            leaves[i] = LogProof.leafHash(abi.encodePacked(seed, i));
        }
    }

    function _anchor(bytes32 root, uint256 size) internal {
        bytes32 origin = sha256("test.drl.local/evidence"); // before the prank: the precompile call would take it
        vm.prank(anchorer);
        anchors.anchor(root, SafeCast.toUint64(size), origin);
    }

    function test_reference_vectors_of_transparency_dev_merkle_verify_against_anchored_roots() public {
        string memory json = files.readFile("docs/formats/vectors/tlog.json");
        uint256 count = files.parseJsonUint(json, ".inclusion_count");
        for (uint256 v = 0; v < count; ++v) {
            string memory key = string.concat(".inclusion[", vm.toString(v), "]");
            uint256 size = files.parseJsonUint(json, string.concat(key, ".size"));
            uint256 index = files.parseJsonUint(json, string.concat(key, ".index"));
            bytes32 root = files.parseJsonBytes32(json, string.concat(key, ".root"));
            bytes32 leaf = files.parseJsonBytes32(json, string.concat(key, ".leaf_hash"));
            bytes32[] memory proof = files.parseJsonBytes32Array(json, string.concat(key, ".proof"));
            if (anchors.anchorOf(anchorer, root).anchoredAt == 0) _anchor(root, size);
            vm.assertTrue(anchors.verifyLogInclusion(anchorer, root, SafeCast.toUint64(index), leaf, proof), "vector");
        }
    }

    function testFuzz_every_entry_of_an_anchored_checkpoint_is_proven_and_a_tampered_proof_is_not(
        uint256 seed,
        uint8 rawSize,
        uint8 rawIndex
    ) public {
        uint256 size = bound(rawSize, 1, 70);
        uint256 index = bound(rawIndex, 0, size - 1);
        bytes32[] memory leaves = _leaves(seed, size);
        bytes32 root = _root(leaves, 0, size);
        _anchor(root, size);
        bytes32[] memory proof = _path(leaves, index, 0, size);
        vm.assertTrue(
            anchors.verifyLogInclusion(anchorer, root, SafeCast.toUint64(index), leaves[index], proof), "included"
        );
        if (size > 1) {
            uint64 other = SafeCast.toUint64((index + 1) % size);
            vm.assertFalse(anchors.verifyLogInclusion(anchorer, root, other, leaves[index], proof), "other index");
            proof[0] = bytes32(uint256(proof[0]) ^ 1);
            vm.assertFalse(
                anchors.verifyLogInclusion(anchorer, root, SafeCast.toUint64(index), leaves[index], proof), "tampered"
            );
        }
        vm.assertFalse(
            anchors.verifyLogInclusion(anchorer, root, SafeCast.toUint64(size), leaves[index], proof), "past the end"
        );
    }

    function test_a_proof_against_a_root_nobody_anchored_is_refused() public view {
        bytes32[] memory leaves = _leaves(7, 5);
        bytes32 root = _root(leaves, 0, 5);
        vm.assertFalse(anchors.verifyLogInclusion(anchorer, root, 2, leaves[2], _path(leaves, 2, 0, 5)), "unanchored");
    }

    function test_a_proof_padded_with_an_extra_node_is_refused() public {
        bytes32[] memory leaves = _leaves(9, 6);
        bytes32 root = _root(leaves, 0, 6);
        _anchor(root, 6);
        bytes32[] memory proof = _path(leaves, 1, 0, 6);
        bytes32[] memory padded = new bytes32[](proof.length + 1);
        for (uint256 i = 0; i < proof.length; ++i) {
            padded[i] = proof[i];
        }
        vm.assertTrue(anchors.verifyLogInclusion(anchorer, root, 1, leaves[1], proof), "exact");
        vm.assertFalse(anchors.verifyLogInclusion(anchorer, root, 1, leaves[1], padded), "padded");
    }
}
