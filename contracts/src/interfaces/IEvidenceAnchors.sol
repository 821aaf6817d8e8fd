// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IEvidenceAnchors
/// @notice Batch anchors: one transaction records the Merkle root of many evidence entries.
interface IEvidenceAnchors {
    /// @notice One anchored root: how many entries the tree holds and when it was anchored.
    struct Anchor {
        uint64 size;
        uint40 anchoredAt;
    }

    /// @notice A Merkle root of `size` entries was anchored; `metadataDigest` hashes the batch's description.
    event RootAnchored(bytes32 indexed root, address indexed anchorer, uint64 size, bytes32 metadataDigest);

    /// @notice The anchorer already anchored this root.
    error RootAlreadyAnchored(address anchorer, bytes32 root);
    /// @notice A zero root or an empty batch.
    error EmptyBatch();

    /// @notice Anchors the Merkle root of a batch of `size` entries.
    function anchor(bytes32 root, uint64 size, bytes32 metadataDigest) external;

    /// @notice The anchor of `root` by `anchorer` (zero fields when it never anchored it).
    function anchorOf(address anchorer, bytes32 root) external view returns (Anchor memory);

    /// @notice Whether `anchorer` anchored `root` and `entry` is in its tree, by the entry's inclusion proof.
    function verifyInclusion(address anchorer, bytes32 root, bytes32 entry, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice Whether `anchorer` anchored the log checkpoint `root` and the RFC 6962 leaf `leafHash` is at `index`
    /// in its tree (of the anchored size), by an RFC 9162 inclusion proof: the evidence log's entries.
    function verifyLogInclusion(
        address anchorer,
        bytes32 root,
        uint64 index,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The leaf of an entry: domain-separated, double-hashed as in OpenZeppelin's StandardMerkleTree.
    function leafOf(bytes32 entry) external pure returns (bytes32);
}
