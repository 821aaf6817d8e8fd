// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Cid
/// @notice The IPFS CIDv1 (codec raw, multihash sha2-256) of a 32-byte digest, as a base32 string.
/// @dev Documents the ledger references are stored as single raw IPFS blocks, so the sha256 digest kept on chain
/// is enough to rebuild their CID: 0x01 (CIDv1) 0x55 (raw) 0x12 (sha2-256) 0x20 (32 bytes) ‖ digest, encoded in
/// RFC 4648 base32 lower case without padding and prefixed with the multibase code `b`.
library Cid {
    bytes32 private constant ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    /// @notice `ipfs://` followed by the CID of the raw block whose sha256 is `digest`.
    function ipfsUri(bytes32 digest) internal pure returns (string memory) {
        return string.concat("ipfs://", rawCid(digest));
    }

    /// @notice The base32 CIDv1 string of the raw block whose sha256 is `digest`.
    function rawCid(bytes32 digest) internal pure returns (string memory) {
        bytes memory data = abi.encodePacked(bytes4(0x01551220), digest);
        bytes memory out = new bytes(59); // 'b' + ceil(36 * 8 / 5)
        out[0] = "b";
        uint256 buffer = 0;
        uint256 bits = 0;
        uint256 position = 1;
        for (uint256 i = 0; i < data.length; ++i) {
            buffer = (buffer << 8) | uint8(data[i]);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out[position++] = ALPHABET[(buffer >> bits) & 31];
            }
        }
        if (bits > 0) out[position] = ALPHABET[(buffer << (5 - bits)) & 31];
        return string(out);
    }
}
