// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IEvidenceAnchors} from "./interfaces/IEvidenceAnchors.sol";
import {LogProof} from "./libraries/LogProof.sol";

/// @title EvidenceAnchors
/// @notice Anchors Merkle roots of evidence batches, so that millions of entries cost one transaction and each
/// entry is proven by its inclusion proof.
/// @dev Anchoring is open to any account and records who anchored: a verifier decides whose anchors count (an
/// admitted party, an authority). Anchors are kept per anchorer, so nobody can pre-empt another's root; each
/// anchorer anchors a root once, and that anchor fixes its time. The tree is
/// OpenZeppelin-compatible: sorted pairs, and leaves hashed twice over a domain tag so no inner node can pass
/// for a leaf. The evidence log's checkpoints are anchored the same way (root, tree size, sha256 of the log's
/// origin) and proven by RFC 6962 inclusion proofs (`verifyLogInclusion`).
contract EvidenceAnchors is IEvidenceAnchors {
    /// @notice Domain tag of leaves, so a leaf of this ledger can never be confused with another tree's.
    bytes32 public constant LEAF_DOMAIN = keccak256("DataRightsLedger.EvidenceAnchors.leaf.v1");

    mapping(address anchorer => mapping(bytes32 root => Anchor)) private _anchors;

    /// @inheritdoc IEvidenceAnchors
    function anchor(bytes32 root, uint64 size, bytes32 metadataDigest) external {
        if (root == bytes32(0) || size == 0) revert EmptyBatch();
        Anchor storage record = _anchors[msg.sender][root];
        if (record.anchoredAt != 0) revert RootAlreadyAnchored(msg.sender, root);
        record.size = size;
        record.anchoredAt = uint40(block.timestamp);
        emit RootAnchored(root, msg.sender, size, metadataDigest);
    }

    /// @inheritdoc IEvidenceAnchors
    function anchorOf(address anchorer, bytes32 root) external view returns (Anchor memory) {
        return _anchors[anchorer][root];
    }

    /// @inheritdoc IEvidenceAnchors
    function verifyInclusion(address anchorer, bytes32 root, bytes32 entry, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        if (_anchors[anchorer][root].anchoredAt == 0) return false;
        return MerkleProof.verifyCalldata(proof, root, leafOf(entry));
    }

    /// @inheritdoc IEvidenceAnchors
    function verifyLogInclusion(
        address anchorer,
        bytes32 root,
        uint64 index,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        uint64 size = _anchors[anchorer][root].size;
        if (size == 0) return false;
        return LogProof.verifyInclusion(index, size, leafHash, proof, root);
    }

    /// @inheritdoc IEvidenceAnchors
    function leafOf(bytes32 entry) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(LEAF_DOMAIN, entry))));
    }
}
