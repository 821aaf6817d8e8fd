// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {Vm} from "./utils/Vm.sol";
import {Certificates} from "../src/Certificates.sol";
import {Registrations} from "../src/Registrations.sol";
import {IAuthorities} from "../src/interfaces/IAuthorities.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {IERC5192} from "../src/interfaces/IERC5192.sol";
import {CertificateNumbers} from "../src/libraries/CertificateNumbers.sol";
import {Cid} from "../src/libraries/Cid.sol";

/// @notice Certificates: locked tokens, their numbers (yyyymmdd in China Standard Time + a daily sequence per
/// authority and type), and the CID of the certificate document.
contract CertificatesTest is LedgerFixture {
    /// @dev sha256 of the empty string, and the CIDv1 (raw, sha2-256) of that block as IPFS itself prints it.
    bytes32 internal constant EMPTY_SHA256 = 0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;
    string internal constant EMPTY_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    ICertificates.CertificateType internal constant PROPERTY = ICertificates.CertificateType.PropertyRegistration;
    ICertificates.CertificateType internal constant EVIDENCE = ICertificates.CertificateType.Evidence;

    /// @dev Issues as the registry (its address pranked), so numbering can be driven without the lifecycle.
    function _issue(uint16 authorityId_, ICertificates.CertificateType certificateType)
        internal
        returns (uint256 tokenId, uint64 number)
    {
        return _issueFor(1, authorityId_, certificateType);
    }

    function _issueFor(uint256 registrationId, uint16 authorityId_, ICertificates.CertificateType certificateType)
        internal
        returns (uint256 tokenId, uint64 number)
    {
        vm.prank(address(registrations));
        return certificates.issue(alice, registrationId, authorityId_, certificateType);
    }

    function _retire(uint256 tokenId) internal {
        vm.prank(address(registrations));
        certificates.retire(tokenId);
    }

    // =========================================================================================================
    // Locked tokens (ERC-5192)
    // =========================================================================================================

    function test_certificate_cannot_be_transferred_by_its_holder() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        bytes memory locked = abi.encodeWithSelector(ICertificates.CertificateLocked.selector, tokenId);

        vm.expectRevert(locked);
        vm.prank(alice);
        certificates.transferFrom(alice, bob, tokenId);
        vm.expectRevert(locked);
        vm.prank(alice);
        certificates.safeTransferFrom(alice, bob, tokenId);
        vm.expectRevert(locked);
        vm.prank(alice);
        certificates.safeTransferFrom(alice, bob, tokenId, "");
        vm.assertEq(certificates.ownerOf(tokenId), alice, "still the holder's");
    }

    function test_certificate_cannot_be_transferred_by_an_approved_operator() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        vm.startPrank(alice);
        certificates.approve(bob, tokenId);
        certificates.setApprovalForAll(bob, true);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ICertificates.CertificateLocked.selector, tokenId));
        vm.prank(bob);
        certificates.transferFrom(alice, bob, tokenId);
        vm.assertEq(certificates.ownerOf(tokenId), alice, "still the holder's");
    }

    /// @dev Issuing emits the ERC-721 Transfer and the ERC-5192 Locked, and nothing else: the registry's own event
    /// says why the certificate was issued.
    function test_issued_certificate_is_locked_from_its_mint() public {
        uint256 tokenId = certificates.tokenIdOf(7, authorityId, PROPERTY, 202503010001);
        vm.recordLogs();
        (uint256 issued, uint64 number) = _issueFor(7, authorityId, PROPERTY);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        vm.assertEq(logs.length, 2, "two events");
        vm.assertEq(logs[0].emitter, address(certificates), "Transfer emitter");
        vm.assertEq(logs[0].topics[0], IERC721.Transfer.selector, "Transfer first");
        vm.assertEq(logs[0].topics[1], bytes32(0), "minted");
        vm.assertEq(logs[0].topics[2], bytes32(uint256(uint160(alice))), "to the holder");
        vm.assertEq(logs[0].topics[3], bytes32(tokenId), "Transfer token");
        vm.assertEq(logs[1].emitter, address(certificates), "Locked emitter");
        vm.assertEq(logs[1].topics[0], IERC5192.Locked.selector, "Locked second");
        vm.assertEq(abi.decode(logs[1].data, (uint256)), tokenId, "Locked token");
        vm.assertEq(issued, tokenId, "token id");
        vm.assertEq(number, 202503010001, "number");
        vm.assertTrue(certificates.locked(tokenId), "locked");
        vm.assertEq(certificates.balanceOf(alice), 1, "balance");
    }

    function test_locked_of_a_certificate_that_does_not_exist_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 123));
        certificates.locked(123);
    }

    function test_supports_erc721_its_metadata_and_erc5192() public view {
        vm.assertEq(type(IERC5192).interfaceId, bytes4(0xb45a3c0e), "ERC-5192 id");
        vm.assertTrue(certificates.supportsInterface(0x01ffc9a7), "ERC-165");
        vm.assertTrue(certificates.supportsInterface(0x80ac58cd), "ERC-721");
        vm.assertTrue(certificates.supportsInterface(0x5b5e139f), "ERC-721 metadata");
        vm.assertTrue(certificates.supportsInterface(0xb45a3c0e), "ERC-5192");
        vm.assertFalse(certificates.supportsInterface(0xffffffff), "not 0xffffffff");
    }

    // =========================================================================================================
    // The issuer: the registry that created the token
    // =========================================================================================================

    function test_token_is_created_by_its_registry_which_is_its_issuer() public {
        vm.assertEq(address(certificates.registry()), address(registrations), "the creating registry");
        vm.assertEq(address(registrations.certificates()), address(certificates), "the registry's token");

        Registrations otherRegistry = new Registrations(access);
        Certificates otherToken = Certificates(address(otherRegistry.certificates()));
        vm.assertTrue(address(otherToken) != address(certificates), "each registry creates its own token");
        vm.assertEq(address(otherToken.registry()), address(otherRegistry), "issued by the other registry only");
    }

    function test_issue_and_retire_by_anyone_but_the_registry_are_refused() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        Registrations otherRegistry = new Registrations(access);
        address[] memory callers = new address[](7);
        callers[0] = admin;
        callers[1] = authority;
        callers[2] = regulator;
        callers[3] = alice;
        callers[4] = stranger;
        callers[5] = address(otherRegistry);
        callers[6] = address(otherRegistry.certificates());
        for (uint256 i = 0; i < callers.length; ++i) {
            bytes memory refused = abi.encodeWithSelector(ICertificates.NotIssuer.selector, callers[i]);
            vm.expectRevert(refused);
            vm.prank(callers[i]);
            certificates.issue(alice, 1, authorityId, PROPERTY);
            vm.expectRevert(refused);
            vm.prank(callers[i]);
            certificates.retire(tokenId);
        }
        vm.assertEq(certificates.ownerOf(tokenId), alice, "not retired");
        vm.assertEq(certificates.balanceOf(alice), 1, "nothing issued");
    }

    /// @dev The issuer is immutable: there is no function left to add or swap one, even for the administrator.
    function test_no_one_can_add_or_change_an_issuer() public {
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeWithSignature("setIssuer(address,bool)", admin, true);
        calls[1] = abi.encodeWithSignature("setIssuer(address,bool)", address(this), true);
        calls[2] = abi.encodeWithSignature("isIssuer(address)", address(registrations));
        for (uint256 i = 0; i < calls.length; ++i) {
            vm.prank(admin);
            (bool ok,) = address(certificates).call(calls[i]);
            vm.assertFalse(ok, "no issuer administration");
        }
        vm.expectRevert(abi.encodeWithSelector(ICertificates.NotIssuer.selector, admin));
        vm.prank(admin);
        certificates.issue(alice, 1, authorityId, PROPERTY);
    }

    function test_certificate_minted_by_the_lifecycle_is_issued_by_the_registry() public {
        uint256 id = inNotice(aliceKey);
        vm.warp(noticeEndsAt(id));
        vm.expectEmit(true, true, true, true, address(certificates));
        emit IERC721.Transfer(address(0), alice, certificates.tokenIdOf(id, authorityId, PROPERTY, 202503310001));
        vm.prank(authority);
        uint256 tokenId = registrations.certify(id);
        vm.assertEq(certificates.ownerOf(tokenId), alice, "the registrant holds it");
    }

    function test_retired_certificate_is_burned() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        vm.expectEmit(true, true, true, true, address(certificates));
        emit IERC721.Transfer(alice, address(0), tokenId);
        _retire(tokenId);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, tokenId));
        certificates.ownerOf(tokenId);
        vm.assertEq(certificates.balanceOf(alice), 0, "balance");
    }

    // =========================================================================================================
    // Certificate documents and tokenURI
    // =========================================================================================================

    function test_token_uri_is_empty_until_the_document_is_published() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        vm.assertEq(certificates.tokenURI(tokenId), "", "empty before publication");
        vm.assertEq(certificates.documentOf(tokenId), bytes32(0), "no document");
    }

    function test_token_uri_is_the_ipfs_cid_of_the_published_document() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        bytes32 digest = sha256("");
        vm.assertEq(digest, EMPTY_SHA256, "sha256 of the empty string");
        vm.expectEmit(true, true, true, true, address(certificates));
        emit ICertificates.CertificateDocumentPublished(tokenId, digest);
        vm.prank(authority);
        certificates.publishDocument(tokenId, digest);
        vm.assertEq(certificates.documentOf(tokenId), digest, "document");
        vm.assertEq(certificates.tokenURI(tokenId), string.concat("ipfs://", EMPTY_CID), "tokenURI");
    }

    function test_certificate_of_a_certified_registration_gets_its_document_uri() public {
        uint256 id = certified(aliceKey);
        uint256 tokenId =
            certificates.tokenIdOf(id, authorityId, PROPERTY, registrations.registration(id).certificateNumber);
        vm.assertEq(certificates.tokenURI(tokenId), "", "empty before publication");
        vm.prank(authority);
        certificates.publishDocument(tokenId, EMPTY_SHA256);
        vm.assertEq(certificates.tokenURI(tokenId), string.concat("ipfs://", EMPTY_CID), "tokenURI");
    }

    function test_document_is_published_once_and_never_as_zero() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        bytes memory refused = abi.encodeWithSelector(ICertificates.DocumentAlreadyPublished.selector, tokenId);
        vm.expectRevert(refused);
        vm.prank(authority);
        certificates.publishDocument(tokenId, bytes32(0));

        vm.prank(authority);
        certificates.publishDocument(tokenId, EMPTY_SHA256);
        vm.expectRevert(refused);
        vm.prank(authority);
        certificates.publishDocument(tokenId, keccak256("another document"));
        vm.assertEq(certificates.documentOf(tokenId), EMPTY_SHA256, "first document kept");
    }

    function test_document_is_published_only_by_the_certificate_authority() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        address[] memory callers = new address[](5);
        callers[0] = otherAuthority;
        callers[1] = admin;
        callers[2] = regulator;
        callers[3] = alice;
        callers[4] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICertificates.NotCertificateAuthority.selector, tokenId, callers[i]));
            vm.prank(callers[i]);
            certificates.publishDocument(tokenId, EMPTY_SHA256);
        }
    }

    function test_document_after_an_authority_key_rotation_is_published_by_the_new_key() public {
        (uint256 tokenId,) = _issue(authorityId, PROPERTY);
        address newKey = actor("authority:new-key");
        rotateAuthority(authorityId, newKey);
        vm.expectRevert(abi.encodeWithSelector(ICertificates.NotCertificateAuthority.selector, tokenId, authority));
        vm.prank(authority);
        certificates.publishDocument(tokenId, EMPTY_SHA256);
        vm.prank(newKey);
        certificates.publishDocument(tokenId, EMPTY_SHA256);
        vm.assertEq(certificates.documentOf(tokenId), EMPTY_SHA256, "published by the new key");
    }

    /// @dev The certificate's authority is looked up in the registry that issued it.
    function test_document_of_a_certificate_naming_an_unknown_authority_is_refused() public {
        (uint256 tokenId,) = _issue(99, PROPERTY);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 99));
        vm.prank(authority);
        certificates.publishDocument(tokenId, EMPTY_SHA256);
    }

    function test_document_or_uri_of_a_missing_certificate_is_refused() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 99));
        vm.prank(authority);
        certificates.publishDocument(99, EMPTY_SHA256);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 99));
        certificates.tokenURI(99);
    }

    function test_raw_cid_of_the_empty_block_is_the_known_cid() public pure {
        vm.assertEq(Cid.rawCid(EMPTY_SHA256), EMPTY_CID, "CID of sha256('')");
        vm.assertEq(Cid.ipfsUri(EMPTY_SHA256), string.concat("ipfs://", EMPTY_CID), "ipfs URI");
    }

    function testFuzz_raw_cid_is_the_base32_of_the_cid_bytes(bytes32 digest) public pure {
        string memory cid = Cid.rawCid(digest);
        vm.assertEq(cid, _referenceRawCid(digest), "base32");
        vm.assertEq(bytes(cid).length, 59, "length");
        vm.assertEq(_prefix(cid, 7), "bafkrei", "CIDv1 raw sha2-256 prefix");
    }

    /// @dev RFC 4648 base32 computed bit by bit, a different route from the library's shifting buffer.
    function _referenceRawCid(bytes32 digest) internal pure returns (string memory) {
        bytes memory data = abi.encodePacked(uint8(0x01), uint8(0x55), uint8(0x12), uint8(0x20), digest);
        bytes memory alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        uint256 totalBits = data.length * 8;
        uint256 chars = (totalBits + 4) / 5;
        bytes memory out = new bytes(chars + 1);
        out[0] = "b";
        for (uint256 c = 0; c < chars; ++c) {
            uint256 value = 0;
            for (uint256 k = 0; k < 5; ++k) {
                uint256 bit = c * 5 + k;
                uint256 set = bit < totalBits ? (uint8(data[bit / 8]) >> (7 - (bit % 8))) & 1 : 0;
                value = value * 2 + set;
            }
            out[c + 1] = alphabet[value];
        }
        return string(out);
    }

    function _prefix(string memory text, uint256 length) internal pure returns (string memory) {
        bytes memory out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = bytes(text)[i];
        }
        return string(out);
    }

    // =========================================================================================================
    // Certificate numbers
    // =========================================================================================================

    function test_numbers_of_a_day_are_its_cst_date_and_a_four_digit_sequence() public {
        (, uint64 first) = _issue(authorityId, PROPERTY);
        (, uint64 second) = _issue(authorityId, PROPERTY);
        vm.assertEq(first, 202503010001, "first of 2025-03-01");
        vm.assertEq(second, 202503010002, "second of 2025-03-01");
    }

    function test_sequence_restarts_at_0001_the_next_day() public {
        _issue(authorityId, PROPERTY);
        _issue(authorityId, PROPERTY);
        vm.warp(START + 1 days);
        (, uint64 number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202503020001, "first of 2025-03-02");
        vm.warp(START + 9 days + 13 hours);
        (, number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202503100001, "first of 2025-03-10 after a gap");
    }

    function test_day_changes_at_1600_utc_midnight_in_china() public {
        vm.warp(START - 1); // 2025-02-28 15:59:59 UTC = 23:59:59 CST
        (, uint64 number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202502280001, "still 2025-02-28 in China");
        vm.warp(START); // 2025-02-28 16:00:00 UTC = 2025-03-01 00:00 CST
        (, number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202503010001, "already 2025-03-01 in China");
        vm.warp(START + 1 days - 1); // 2025-03-01 15:59:59 UTC
        (, number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202503010002, "same China day");
        vm.warp(START + 1 days); // 2025-03-01 16:00:00 UTC
        (, number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202503020001, "next China day");
    }

    function test_numbers_are_kept_per_authority_and_per_type() public {
        (, uint64 a1) = _issue(authorityId, PROPERTY);
        (, uint64 a2) = _issue(authorityId, PROPERTY);
        (, uint64 b1) = _issue(otherAuthorityId, PROPERTY);
        (, uint64 e1) = _issue(authorityId, EVIDENCE);
        (, uint64 f1) = _issue(otherAuthorityId, EVIDENCE);
        (, uint64 a3) = _issue(authorityId, PROPERTY);
        vm.assertEq(a1, 202503010001, "authority 1 property #1");
        vm.assertEq(a2, 202503010002, "authority 1 property #2");
        vm.assertEq(b1, 202503010001, "authority 2 property #1");
        vm.assertEq(e1, 202503010001, "authority 1 evidence #1");
        vm.assertEq(f1, 202503010001, "authority 2 evidence #1");
        vm.assertEq(a3, 202503010003, "authority 1 property #3");
    }

    function test_ten_thousandth_certificate_of_a_day_is_refused() public {
        uint64 number;
        for (uint256 i = 0; i < 9999; ++i) {
            (, number) = _issueFor(i, authorityId, PROPERTY);
        }
        vm.assertEq(number, 202503019999, "9,999th");
        vm.expectRevert(
            abi.encodeWithSelector(ICertificates.CertificateSequenceExhausted.selector, authorityId, 20250301)
        );
        _issueFor(0, authorityId, PROPERTY);

        (, number) = _issue(authorityId, EVIDENCE);
        vm.assertEq(number, 202503010001, "other type unaffected");
        (, number) = _issue(otherAuthorityId, PROPERTY);
        vm.assertEq(number, 202503010001, "other authority unaffected");
        vm.warp(START + 1 days);
        (, number) = _issue(authorityId, PROPERTY);
        vm.assertEq(number, 202503020001, "next day restarts");
    }

    function testFuzz_token_id_encodes_its_certificate(
        uint64 registrationId,
        uint16 authorityId_,
        bool evidence,
        uint64 number
    ) public view {
        ICertificates.CertificateType certificateType = evidence ? EVIDENCE : PROPERTY;
        uint256 tokenId = certificates.tokenIdOf(registrationId, authorityId_, certificateType, number);
        ICertificates.Certificate memory c = certificates.certificate(tokenId);
        vm.assertEq(c.registrationId, registrationId, "registration");
        vm.assertEq(c.authorityId, authorityId_, "authority");
        vm.assertEq(uint256(c.certificateType), uint256(certificateType), "type");
        vm.assertEq(c.number, number, "number");
    }

    function test_day_of_known_instants() public pure {
        vm.assertEq(CertificateNumbers.dayOf(0), 19700101, "epoch is 08:00 in China");
        vm.assertEq(CertificateNumbers.dayOf(START - 1), 20250228, "2025-02-28 23:59:59 CST");
        vm.assertEq(CertificateNumbers.dayOf(START), 20250301, "2025-03-01 00:00 CST");
        vm.assertEq(CertificateNumbers.dayOf(1709135999), 20240228, "2024-02-28 23:59:59 CST");
        vm.assertEq(CertificateNumbers.dayOf(1709136000), 20240229, "leap day 2024");
        vm.assertEq(CertificateNumbers.dayOf(951753600), 20000229, "leap day 2000");
        vm.assertEq(CertificateNumbers.dayOf(4107427200), 21000228, "2100-02-28");
        vm.assertEq(CertificateNumbers.dayOf(4107513600), 21000301, "2100 has no 29 February");
        vm.assertEq(CertificateNumbers.dayOf(13574534400), 24000229, "leap day 2400");
        vm.assertEq(CertificateNumbers.format(20250301, 1), 202503010001, "format");
        vm.assertEq(CertificateNumbers.format(20251231, 9999), 202512319999, "format last");
    }

    function testFuzz_day_of_matches_a_calendar_walk(uint256 timestamp) public pure {
        timestamp = bound(timestamp, 0, 16725225599); // up to 2499-12-31 in China
        vm.assertEq(CertificateNumbers.dayOf(timestamp), _referenceDay(timestamp), "yyyymmdd");
    }

    /// @dev Counts whole years, then whole months, from 1970-01-01 in China Standard Time.
    function _referenceDay(uint256 timestamp) internal pure returns (uint256) {
        uint256 day = (timestamp + 8 hours) / 1 days;
        uint256 year = 1970;
        while (day >= _yearLength(year)) {
            day -= _yearLength(year);
            ++year;
        }
        uint256 month = 1;
        while (day >= _monthLength(year, month)) {
            day -= _monthLength(year, month);
            ++month;
        }
        return year * 10000 + month * 100 + day + 1;
    }

    function _isLeap(uint256 year) internal pure returns (bool) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }

    function _yearLength(uint256 year) internal pure returns (uint256) {
        return _isLeap(year) ? 366 : 365;
    }

    function _monthLength(uint256 year, uint256 month) internal pure returns (uint256) {
        if (month == 2) return _isLeap(year) ? 29 : 28;
        if (month == 4 || month == 6 || month == 9 || month == 11) return 30;
        return 31;
    }
}
