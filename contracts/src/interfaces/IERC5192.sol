// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IERC5192
/// @notice Minimal soulbound NFTs (ERC-5192): a token that cannot be transferred is "locked".
interface IERC5192 {
    /// @notice Emitted when the locking status is changed to locked.
    event Locked(uint256 tokenId);
    /// @notice Emitted when the locking status is changed to unlocked.
    event Unlocked(uint256 tokenId);

    /// @notice Returns the locking status of a token; reverts for a token that does not exist.
    function locked(uint256 tokenId) external view returns (bool);
}
