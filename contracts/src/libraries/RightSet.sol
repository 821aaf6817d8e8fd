// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title RightSet
/// @notice The bits of a registration's rights set (`rights`, `transferredRights`): right `r` is bit `1 << r`, in
/// the order of `IRights.Right`.
library RightSet {
    /// @notice Data resource holding right (数据资源持有权).
    uint8 internal constant RESOURCE_HOLDING = 1;
    /// @notice Data processing and use right (数据加工使用权).
    uint8 internal constant PROCESSING_AND_USE = 2;
    /// @notice Data product operation right (数据产品经营权).
    uint8 internal constant PRODUCT_OPERATION = 4;
    /// @notice Every right a registration can claim.
    uint8 internal constant ALL = 7;
}
