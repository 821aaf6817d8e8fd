// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ICertificates
/// @notice Registration certificates as locked (ERC-5192) ERC-721 tokens.
/// @dev A token id encodes its certificate: registration id, authority id, certificate type and number, so the
/// certificate is readable from the id alone and minting writes no extra storage. Issuing and retiring emit the
/// ERC-721 `Transfer` (and ERC-5192 `Locked`); the registry's own events say why.
interface ICertificates {
    /// @notice The two kinds of certificate issued in practice.
    enum CertificateType {
        PropertyRegistration,
        Evidence
    }

    /// @notice The fields a token id encodes.
    struct Certificate {
        uint256 registrationId;
        uint16 authorityId;
        CertificateType certificateType;
        uint64 number;
    }

    /// @notice The certificate document (its CID's digest) was published for a token.
    event CertificateDocumentPublished(uint256 indexed tokenId, bytes32 documentDigest);

    /// @notice Only the registry that created this token may issue or retire certificates.
    error NotIssuer(address caller);
    /// @notice Certificates are locked to their holder (ERC-5192).
    error CertificateLocked(uint256 tokenId);
    /// @notice The authority issued 9,999 certificates of this type today; the sequence has four digits.
    error CertificateSequenceExhausted(uint16 authorityId, uint32 day);
    /// @notice The caller is not the acting account of the certificate's authority.
    error NotCertificateAuthority(uint256 tokenId, address caller);
    /// @notice The certificate document was already published, or the digest is zero.
    error DocumentAlreadyPublished(uint256 tokenId);

    /// @notice Issues a certificate of `certificateType` for a registration to `holder`, numbering it from
    /// the chain's clock: `yyyymmdd` (China Standard Time) followed by a four-digit daily sequence.
    function issue(address holder, uint256 registrationId, uint16 authorityId, CertificateType certificateType)
        external
        returns (uint256 tokenId, uint64 number);

    /// @notice Retires a certificate (burns it) when the registration's certificate is reissued.
    function retire(uint256 tokenId) external;

    /// @notice The token id of a certificate, from its fields.
    function tokenIdOf(uint256 registrationId, uint16 authorityId, CertificateType certificateType, uint64 number)
        external
        pure
        returns (uint256);

    /// @notice The fields a token id encodes.
    function certificate(uint256 tokenId) external pure returns (Certificate memory);
}
