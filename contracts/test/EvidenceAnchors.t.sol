// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {EvidenceAnchors} from "../src/EvidenceAnchors.sol";
import {IEvidenceAnchors} from "../src/interfaces/IEvidenceAnchors.sol";

/// @notice Batch anchors: one root per batch and anchorer, and inclusion proofs of its entries.
contract EvidenceAnchorsTest is LedgerTest {
    uint256 internal constant START = 1740758400;

    EvidenceAnchors internal anchors;
    address internal anchorer;
    address internal otherAnchorer;

    function setUp() public {
        vm.warp(START);
        anchors = new EvidenceAnchors();
        anchorer = actor("anchorer");
        otherAnchorer = actor("otherAnchorer");
    }

    // =========================================================================================================
    // Anchoring
    // =========================================================================================================

    function test_anchor_records_size_and_time_for_its_anchorer() public {
        bytes32 root = keccak256("root");
        bytes32 metadata = keccak256("batch description");
        vm.expectEmit(true, true, true, true, address(anchors));
        emit IEvidenceAnchors.RootAnchored(root, anchorer, 1000, metadata);
        vm.prank(anchorer);
        anchors.anchor(root, 1000, metadata);

        IEvidenceAnchors.Anchor memory a = anchors.anchorOf(anchorer, root);
        vm.assertEq(a.size, 1000, "size");
        vm.assertEq(a.anchoredAt, START, "time");
        IEvidenceAnchors.Anchor memory none = anchors.anchorOf(otherAnchorer, root);
        vm.assertEq(none.anchoredAt, 0, "not the other anchorer's");
    }

    function test_anchoring_the_same_root_twice_by_one_anchorer_is_refused() public {
        bytes32 root = keccak256("root");
        vm.prank(anchorer);
        anchors.anchor(root, 10, bytes32(0));
        vm.warp(START + 1 days);
        vm.expectRevert(abi.encodeWithSelector(IEvidenceAnchors.RootAlreadyAnchored.selector, anchorer, root));
        vm.prank(anchorer);
        anchors.anchor(root, 10, bytes32(0));
        vm.assertEq(anchors.anchorOf(anchorer, root).anchoredAt, START, "first anchoring time kept");
    }

    function test_another_anchorer_may_anchor_the_same_root_with_its_own_time() public {
        bytes32 root = keccak256("root");
        vm.prank(anchorer);
        anchors.anchor(root, 10, bytes32(0));
        vm.warp(START + 1 hours);
        vm.prank(otherAnchorer);
        anchors.anchor(root, 12, bytes32(0));
        vm.assertEq(anchors.anchorOf(anchorer, root).anchoredAt, START, "first anchorer's time");
        vm.assertEq(anchors.anchorOf(otherAnchorer, root).anchoredAt, START + 1 hours, "second anchorer's time");
        vm.assertEq(anchors.anchorOf(otherAnchorer, root).size, 12, "second anchorer's size");
    }

    function test_anchoring_a_zero_root_or_an_empty_batch_is_refused() public {
        vm.expectRevert(IEvidenceAnchors.EmptyBatch.selector);
        vm.prank(anchorer);
        anchors.anchor(bytes32(0), 1, bytes32(0));
        vm.expectRevert(IEvidenceAnchors.EmptyBatch.selector);
        vm.prank(anchorer);
        anchors.anchor(keccak256("root"), 0, bytes32(0));
    }

    // =========================================================================================================
    // Leaves and inclusion proofs
    // =========================================================================================================

    function test_leaf_is_the_domain_tagged_double_hash_of_the_entry() public view {
        bytes32 entry = keccak256("entry");
        bytes32 domain = keccak256("DataRightsLedger.EvidenceAnchors.leaf.v1");
        vm.assertEq(anchors.LEAF_DOMAIN(), domain, "domain tag");
        vm.assertEq(anchors.leafOf(entry), keccak256(bytes.concat(keccak256(abi.encode(domain, entry)))), "leaf");
    }

    function test_every_entry_of_trees_of_1_2_3_4_and_7_entries_is_proven() public {
        uint64[5] memory sizes = [uint64(1), 2, 3, 4, 7];
        for (uint256 t = 0; t < sizes.length; ++t) {
            bytes32[] memory entries = _entries(sizes[t], t);
            bytes32[] memory leaves = _leaves(entries);
            bytes32 root = MerkleTree.root(leaves);
            vm.prank(anchorer);
            anchors.anchor(root, sizes[t], bytes32(0));
            for (uint256 i = 0; i < entries.length; ++i) {
                bytes32[] memory proof = MerkleTree.proof(leaves, i);
                string memory label = string.concat("tree ", vm.toString(sizes[t]), " entry ", vm.toString(i));
                vm.assertTrue(anchors.verifyInclusion(anchorer, root, entries[i], proof), label);
            }
        }
    }

    function test_single_entry_tree_root_is_its_leaf_with_an_empty_proof() public {
        bytes32 entry = keccak256("only entry");
        bytes32 root = _leaf(entry);
        vm.prank(anchorer);
        anchors.anchor(root, 1, bytes32(0));
        vm.assertTrue(anchors.verifyInclusion(anchorer, root, entry, new bytes32[](0)), "single entry");
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, root, new bytes32[](0)), "the root is not an entry");
    }

    function test_wrong_entry_or_tampered_proof_is_not_proven() public {
        bytes32[] memory entries = _entries(7, 99);
        bytes32[] memory leaves = _leaves(entries);
        bytes32 root = MerkleTree.root(leaves);
        vm.prank(anchorer);
        anchors.anchor(root, 7, bytes32(0));

        bytes32[] memory proof = MerkleTree.proof(leaves, 3);
        vm.assertTrue(anchors.verifyInclusion(anchorer, root, entries[3], proof), "valid");
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, keccak256("not in the batch"), proof), "wrong entry");
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, entries[4], proof), "another entry's slot");
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, leaves[3], proof), "a leaf is not an entry");

        bytes32[] memory tampered = MerkleTree.proof(leaves, 3);
        tampered[1] = keccak256("tampered");
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, entries[3], tampered), "tampered proof");
        bytes32[] memory shortened = new bytes32[](proof.length - 1);
        for (uint256 i = 0; i < shortened.length; ++i) {
            shortened[i] = proof[i];
        }
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, entries[3], shortened), "shortened proof");
    }

    function test_inner_node_cannot_pass_for_an_entry() public {
        bytes32[] memory entries = _entries(4, 5);
        bytes32[] memory leaves = _leaves(entries);
        bytes32 root = MerkleTree.root(leaves);
        vm.prank(anchorer);
        anchors.anchor(root, 4, bytes32(0));
        bytes32 innerLeft = MerkleTree.hashPair(leaves[0], leaves[1]);
        bytes32 innerRight = MerkleTree.hashPair(leaves[2], leaves[3]);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = innerRight;
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, innerLeft, proof), "inner node as entry");
    }

    function test_proof_against_an_unanchored_root_or_another_anchorer_is_not_proven() public {
        bytes32[] memory entries = _entries(4, 1);
        bytes32[] memory leaves = _leaves(entries);
        bytes32 root = MerkleTree.root(leaves);
        bytes32[] memory proof = MerkleTree.proof(leaves, 2);
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, entries[2], proof), "not anchored yet");
        vm.prank(anchorer);
        anchors.anchor(root, 4, bytes32(0));
        vm.assertTrue(anchors.verifyInclusion(anchorer, root, entries[2], proof), "anchored");
        vm.assertFalse(anchors.verifyInclusion(otherAnchorer, root, entries[2], proof), "not the other's anchor");
    }

    function testFuzz_every_entry_of_a_random_batch_is_proven(uint256 seed, uint256 size, uint256 index) public {
        size = bound(size, 1, 40);
        index = bound(index, 0, size - 1);
        bytes32[] memory entries = _entries(size, seed);
        bytes32[] memory leaves = _leaves(entries);
        bytes32 root = MerkleTree.root(leaves);
        vm.prank(anchorer);
        // casting to uint64 is safe: size is bounded to 40
        // forge-lint: disable-next-line(unsafe-typecast)
        anchors.anchor(root, uint64(size), bytes32(0));
        bytes32[] memory proof = MerkleTree.proof(leaves, index);
        vm.assertTrue(anchors.verifyInclusion(anchorer, root, entries[index], proof), "member");
        bytes32 outsider = keccak256(abi.encode(seed, "outsider"));
        vm.assertFalse(anchors.verifyInclusion(anchorer, root, outsider, proof), "outsider");
    }

    function _entries(uint256 size, uint256 seed) internal pure returns (bytes32[] memory entries) {
        entries = new bytes32[](size);
        for (uint256 i = 0; i < size; ++i) {
            entries[i] = keccak256(abi.encode("evidence entry", seed, i));
        }
    }

    function _leaves(bytes32[] memory entries) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](entries.length);
        for (uint256 i = 0; i < entries.length; ++i) {
            leaves[i] = _leaf(entries[i]);
        }
    }

    /// @dev The leaf rule of DESIGN.md §6, written out here rather than read from the contract.
    function _leaf(bytes32 entry) internal pure returns (bytes32) {
        bytes32 domain = keccak256("DataRightsLedger.EvidenceAnchors.leaf.v1");
        return keccak256(bytes.concat(keccak256(abi.encode(domain, entry))));
    }
}
