// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ICertificates} from "./interfaces/ICertificates.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IAuthorities} from "./interfaces/IAuthorities.sol";
import {CertificateNumbers} from "./libraries/CertificateNumbers.sol";
import {Cid} from "./libraries/Cid.sol";

/// @title Certificates
/// @notice Registration certificates (登记证书) as ERC-721 tokens locked to their holder (ERC-5192). The token id
/// encodes registration, authority, certificate type and number; `tokenURI` is `ipfs://<CID>` of the certificate
/// document, which the authority publishes once the chain has assigned the number it prints.
/// @dev Certificates are evidence of registration, not conclusive title; the certificate document says so.
contract Certificates is ERC721, ICertificates, IERC5192 {
    /// @notice The registry that created this token: the only issuer, and where authorities are looked up.
    IAuthorities public immutable registry;

    /// @dev Bit positions of a token id: `registrationId << 96 | authorityId << 80 | type << 64 | number`.
    uint256 private constant REGISTRATION_SHIFT = 96;
    uint256 private constant AUTHORITY_SHIFT = 80;
    uint256 private constant TYPE_SHIFT = 64;
    /// @dev A daily sequence is kept as `day << 32 | sequence`, per `authorityId << 8 | type`.
    uint64 private constant DAY_SHIFT = 32;
    uint256 private constant AUTHORITY_KEY_SHIFT = 8;

    /// @dev Per authority and certificate type: the day (yyyymmdd) of the last certificate and its sequence.
    mapping(uint256 authorityAndType => uint64 dayAndSequence) private _sequences;
    mapping(uint256 tokenId => bytes32 documentDigest) private _documents;

    /// @dev Created by the registry, which becomes the only issuer.
    constructor() ERC721("Data Rights Ledger Certificate", "DRLC") {
        registry = IAuthorities(msg.sender);
    }

    /// @inheritdoc ICertificates
    function issue(address holder, uint256 registrationId, uint16 authorityId, CertificateType certificateType)
        external
        returns (uint256 tokenId, uint64 number)
    {
        if (msg.sender != address(registry)) revert NotIssuer(msg.sender);
        number = _nextNumber(authorityId, certificateType);
        tokenId = _encode(registrationId, authorityId, certificateType, number);
        _mint(holder, tokenId);
        emit Locked(tokenId);
    }

    /// @inheritdoc ICertificates
    function retire(uint256 tokenId) external {
        if (msg.sender != address(registry)) revert NotIssuer(msg.sender);
        _burn(tokenId);
    }

    /// @notice The certificate's authority publishes the digest of the certificate document, once.
    /// @dev The document is stored as one raw IPFS block, so its digest is its CID.
    function publishDocument(uint256 tokenId, bytes32 documentDigest) external {
        _requireOwned(tokenId);
        (address authorityAccount,,) = registry.authorityTerms(_decode(tokenId).authorityId);
        if (msg.sender != authorityAccount) revert NotCertificateAuthority(tokenId, msg.sender);
        if (documentDigest == bytes32(0) || _documents[tokenId] != bytes32(0)) {
            revert DocumentAlreadyPublished(tokenId);
        }
        _documents[tokenId] = documentDigest;
        emit CertificateDocumentPublished(tokenId, documentDigest);
    }

    /// @notice The digest of the certificate document, zero until published.
    function documentOf(uint256 tokenId) external view returns (bytes32) {
        return _documents[tokenId];
    }

    /// @notice `ipfs://<CID of the certificate document>`, or the empty string until it is published.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        bytes32 digest = _documents[tokenId];
        return digest == bytes32(0) ? "" : Cid.ipfsUri(digest);
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @inheritdoc ICertificates
    function tokenIdOf(uint256 registrationId, uint16 authorityId, CertificateType certificateType, uint64 number)
        external
        pure
        returns (uint256)
    {
        return _encode(registrationId, authorityId, certificateType, number);
    }

    /// @inheritdoc ICertificates
    function certificate(uint256 tokenId) external pure returns (Certificate memory) {
        return _decode(tokenId);
    }

    /// @notice ERC-165: ERC-721, its metadata extension and ERC-5192.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Only minting and burning move a certificate: a holder cannot transfer it.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert CertificateLocked(tokenId);
        return super._update(to, tokenId, auth);
    }

    function _nextNumber(uint16 authorityId, CertificateType certificateType) private returns (uint64) {
        uint256 key = (uint256(authorityId) << AUTHORITY_KEY_SHIFT) | uint8(certificateType);
        uint32 today = CertificateNumbers.dayOf(block.timestamp);
        uint64 last = _sequences[key];
        // casting is safe: the high half of the packed value is a yyyymmdd day and the low half a sequence
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 sequence = uint32(last >> DAY_SHIFT) == today ? uint32(last) + 1 : 1;
        if (sequence > CertificateNumbers.MAX_SEQUENCE) revert CertificateSequenceExhausted(authorityId, today);
        _sequences[key] = (uint64(today) << DAY_SHIFT) | sequence;
        return CertificateNumbers.format(today, sequence);
    }

    function _encode(uint256 registrationId, uint16 authorityId, CertificateType certificateType, uint64 number)
        private
        pure
        returns (uint256)
    {
        return (registrationId << REGISTRATION_SHIFT) | (uint256(authorityId) << AUTHORITY_SHIFT)
            | (uint256(uint8(certificateType)) << TYPE_SHIFT) | number;
    }

    function _decode(uint256 tokenId) private pure returns (Certificate memory) {
        return Certificate({
            registrationId: tokenId >> REGISTRATION_SHIFT,
            // casting to uint16 is safe: bits 80-95 of a token id hold the authority id
            // forge-lint: disable-next-line(unsafe-typecast)
            authorityId: uint16(tokenId >> AUTHORITY_SHIFT),
            // casting to uint8 is safe: bits 64-71 of a token id hold the certificate type
            // forge-lint: disable-next-line(unsafe-typecast)
            certificateType: CertificateType(uint8(tokenId >> TYPE_SHIFT)),
            // casting to uint64 is safe: the low 64 bits of a token id are its number by construction
            // forge-lint: disable-next-line(unsafe-typecast)
            number: uint64(tokenId)
        });
    }
}
