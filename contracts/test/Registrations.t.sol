// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerErrors} from "../src/interfaces/ILedgerErrors.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {StubRights} from "./utils/StubRights.sol";
import {Vm} from "./utils/Vm.sol";
import {Registrations} from "../src/Registrations.sol";
import {IAuthorities} from "../src/interfaces/IAuthorities.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @notice The registration lifecycle of DESIGN.md §2: every allowed arrow, and every way an arrow is refused.
contract RegistrationsTest is LedgerFixture {
    uint256 internal constant UNKNOWN_ID = 1_000_000;
    uint256 internal constant STATUS_COUNT = 11;
    /// @dev Storage slot of the registrations mapping (`forge inspect Registrations storageLayout`); a record's
    /// first slot is its lifecycle: status (byte 0), version (bytes 1-4), openObjections (bytes 5-6), ...
    uint256 internal constant REGISTRATIONS_SLOT = 9;

    // =========================================================================================================
    // Submit
    // =========================================================================================================

    function test_submit_records_the_signed_application_as_submitted() public {
        IRegistrations.Submission memory a = application(alice);
        a.kind = IRegistrations.Kind.DataProduct;
        a.origin = IRegistrations.Origin.Public;
        a.grade = IRegistrations.Grade.Important;
        a.personalInfo = true;
        a.rights = 1 | 4;
        bytes memory signature = signSubmission(aliceKey, a);

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationSubmitted(
            1, alice, authorityId, a.kind, a.origin, a.grade, true, 5, a.manifestDigest, a.dataCommitment, a.parents
        );
        vm.prank(relayer);
        uint256 id = registrations.submit(a, signature);

        vm.assertEq(id, 1, "first id");
        IRegistrations.Registration memory r = registrations.registration(id);
        vm.assertEq(r.registrant, alice, "registrant");
        vm.assertEq(r.authorityId, authorityId, "authority");
        vm.assertEq(uint256(r.kind), uint256(IRegistrations.Kind.DataProduct), "kind");
        vm.assertEq(uint256(r.origin), uint256(IRegistrations.Origin.Public), "origin");
        vm.assertEq(uint256(r.grade), uint256(IRegistrations.Grade.Important), "grade");
        vm.assertTrue(r.personalInfo, "personal info");
        vm.assertEq(r.rights, 5, "rights");
        vm.assertEq(r.manifestDigest, a.manifestDigest, "manifest");
        vm.assertEq(r.version, 0, "no version before certification");
        vm.assertEq(r.certificateNumber, 0, "no certificate");
        vm.assertEq(r.noticeEndsAt, 0, "no notice yet");
        assertStatus(id, IRegistrations.Status.Submitted, "status");
        vm.assertEq(registrations.nonces(alice), 1, "nonce used");
        (uint64 registrationCount,) = registrations.counts();
        vm.assertEq(registrationCount, 1, "count");
    }

    function test_submission_digest_is_the_eip712_typed_data_hash() public {
        IRegistrations.Submission memory a = application(alice);
        a.parents = new uint256[](2);
        a.parents[0] = 7;
        a.parents[1] = 9;
        vm.assertEq(
            registrations.submissionDigest(a),
            typedDigest(address(registrations), block.chainid, submissionStructHash(a)),
            "submission digest"
        );
        vm.assertEq(registrations.domainSeparator(), domainSeparatorOf(address(registrations), block.chainid), "domain");
        (, string memory name, string memory version, uint256 chainId_, address verifyingContract,,) =
            registrations.eip712Domain();
        vm.assertEq(name, "DataRightsLedger", "domain name");
        vm.assertEq(version, "1", "domain version");
        vm.assertEq(chainId_, block.chainid, "domain chain");
        vm.assertEq(verifyingContract, address(registrations), "domain contract");
    }

    function test_submit_at_the_deadline_is_accepted() public {
        IRegistrations.Submission memory a = application(alice);
        a.deadline = block.timestamp;
        submitSigned(aliceKey, a);
        assertStatus(1, IRegistrations.Status.Submitted, "accepted at deadline");
    }

    function test_submit_after_the_signature_deadline_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);
        vm.warp(a.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.SignatureExpired.selector, a.deadline));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_replaying_a_used_signature_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);
        vm.prank(relayer);
        registrations.submit(a, signature);

        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, alice, 1));
        vm.prank(stranger);
        registrations.submit(a, signature);
    }

    function test_submit_with_a_nonce_ahead_of_the_registrant_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        a.nonce = 5;
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, alice, 0));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_signed_for_another_chain_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        uint256 otherChain = block.chainid + 1;
        bytes memory signedHere = signSubmission(aliceKey, a);
        bytes memory signedThere =
            signDigest(aliceKey, typedDigest(address(registrations), otherChain, submissionStructHash(a)));

        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, signedThere);

        vm.chainId(otherChain);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, signedHere);

        vm.prank(relayer);
        registrations.submit(a, signedThere);
        assertStatus(1, IRegistrations.Status.Submitted, "accepted on the chain it was signed for");
    }

    function test_submit_signed_for_another_registry_is_refused() public {
        Registrations otherRegistry = new Registrations(access);
        vm.prank(admin);
        otherRegistry.registerAuthority(authority, keccak256("authority:SZDEX"), NOTICE_PERIOD, REVIEW_INTERVAL);
        IRegistrations.Submission memory a = application(alice);
        bytes memory signedForOther =
            signDigest(aliceKey, typedDigest(address(otherRegistry), block.chainid, submissionStructHash(a)));

        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, signedForOther);

        vm.prank(relayer);
        otherRegistry.submit(a, signedForOther);
        vm.assertEq(uint256(otherRegistry.statusOf(1)), uint256(IRegistrations.Status.Submitted), "other registry");
    }

    function test_submit_with_a_field_changed_after_signing_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);
        a.rights = 1;
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function testFuzz_submit_signed_by_another_key_is_refused(uint256 key) public {
        key = bound(key, 1, SECP256K1_ORDER - 1);
        vm.assume(key != aliceKey);
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(key, a);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_with_a_malformed_signature_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, hex"1234");
    }

    function testFuzz_submit_records_the_signed_fields(
        uint8 kind,
        uint8 origin,
        uint8 grade,
        bool personalInfo,
        uint8 rights,
        bytes32 manifestDigest,
        bytes32 dataCommitment,
        bool toOtherAuthority
    ) public {
        vm.assume(manifestDigest != bytes32(0) && dataCommitment != bytes32(0));
        IRegistrations.Submission memory a = application(alice);
        a.kind = IRegistrations.Kind(bound(kind, 0, 2));
        a.origin = IRegistrations.Origin(bound(origin, 0, 2));
        a.grade = IRegistrations.Grade(bound(grade, 0, 2));
        a.personalInfo = personalInfo;
        a.rights = uint8(bound(rights, 1, 7));
        a.manifestDigest = manifestDigest;
        a.dataCommitment = dataCommitment;
        if (toOtherAuthority) a.authorityId = otherAuthorityId;
        bytes memory signature = signSubmission(aliceKey, a);

        // The data commitment is not stored: the event is where it is recorded.
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationSubmitted(
            1,
            alice,
            a.authorityId,
            a.kind,
            a.origin,
            a.grade,
            personalInfo,
            a.rights,
            manifestDigest,
            dataCommitment,
            a.parents
        );
        vm.prank(relayer);
        uint256 id = registrations.submit(a, signature);

        IRegistrations.Registration memory r = registrations.registration(id);
        vm.assertEq(r.registrant, alice, "registrant");
        vm.assertEq(r.authorityId, a.authorityId, "authority");
        vm.assertEq(uint256(r.kind), uint256(a.kind), "kind");
        vm.assertEq(uint256(r.origin), uint256(a.origin), "origin");
        vm.assertEq(uint256(r.grade), uint256(a.grade), "grade");
        vm.assertEq(r.personalInfo, personalInfo, "personal info");
        vm.assertEq(r.rights, a.rights, "rights");
        vm.assertEq(r.manifestDigest, manifestDigest, "manifest");
        assertStatus(id, IRegistrations.Status.Submitted, "status");
    }

    function testFuzz_submit_claiming_rights_outside_the_three_bits_is_refused(uint8 rights) public {
        vm.assume(rights == 0 || rights > ALL_RIGHTS);
        IRegistrations.Submission memory a = application(alice);
        a.rights = rights;
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    /// @dev kind, origin and grade are enums of three values and personalInfo a bool: any other word in their ABI
    /// slot must be refused before anything is recorded.
    function testFuzz_submit_with_an_out_of_range_enum_or_bool_is_refused(uint256 field, uint256 value) public {
        field = bound(field, 2, 5); // head words of kind, origin, grade, personalInfo
        value = bound(value, field == 5 ? 2 : 3, type(uint256).max);
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);
        bytes memory data = abi.encodeCall(Registrations.submit, (a, signature));
        uint256 tupleStart;
        assembly {
            tupleStart := mload(add(data, 36))
        }
        vm.assertEq(tupleStart, 0x40, "tuple offset");
        bytes memory tampered = bytes.concat(data);
        uint256 position = 32 + 4 + tupleStart + field * 32;
        assembly {
            mstore(add(tampered, position), value)
        }

        vm.prank(relayer);
        (bool ok,) = address(registrations).call(tampered);
        vm.assertFalse(ok, "out-of-range value accepted");
        (uint64 count,) = registrations.counts();
        vm.assertEq(count, 0, "nothing recorded");

        vm.prank(relayer);
        (ok,) = address(registrations).call(data);
        vm.assertTrue(ok, "the untampered application is valid");
    }

    function test_submit_without_manifest_or_data_commitment_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        a.manifestDigest = bytes32(0);
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(relayer);
        registrations.submit(a, signature);

        a = application(alice);
        a.dataCommitment = bytes32(0);
        signature = signSubmission(aliceKey, a);
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_to_an_unknown_authority_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        a.authorityId = 99;
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 99));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_by_a_party_never_admitted_is_refused() public {
        IRegistrations.Submission memory a = application(carol);
        bytes memory signature = signSubmission(carolKey, a);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, carol));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_by_a_suspended_party_is_refused_until_readmitted() public {
        vm.prank(regulator);
        access.suspendParty(alice, keccak256("decision"));
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, signature);

        vm.prank(partyAdmin);
        access.admitParty(alice, keccak256("identity:alice:rechecked"));
        vm.prank(relayer);
        registrations.submit(a, signature);
        assertStatus(1, IRegistrations.Status.Submitted, "re-admitted party submits");
    }

    function test_submit_by_contract_wallet_with_erc1271_signature_is_accepted() public {
        IRegistrations.Submission memory a = application(address(wallet));
        uint256 id = submitSigned(walletOwnerKey, a);
        vm.assertEq(registrations.registration(id).registrant, address(wallet), "wallet registrant");
        vm.assertEq(registrations.nonces(address(wallet)), 1, "wallet nonce used");
    }

    function test_submit_by_contract_wallet_refuses_a_key_it_does_not_accept() public {
        IRegistrations.Submission memory a = application(address(wallet));
        bytes memory signature = signSubmission(bobKey, a);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, address(wallet)));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Provenance: parents
    // ---------------------------------------------------------------------------------------------------------

    function test_submit_deriving_from_certified_parents_with_processing_right_is_accepted() public {
        uint256 first = certified(aliceKey);
        uint256 second = certified(aliceKey);
        IRegistrations.Submission memory a = application(alice);
        a.kind = IRegistrations.Kind.DataProduct;
        a.parents = new uint256[](2);
        a.parents[0] = first;
        a.parents[1] = second;
        bytes memory signature = signSubmission(aliceKey, a);

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationSubmitted(
            3,
            alice,
            authorityId,
            a.kind,
            a.origin,
            a.grade,
            a.personalInfo,
            a.rights,
            a.manifestDigest,
            a.dataCommitment,
            a.parents
        );
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function test_submit_deriving_from_a_parent_not_certified_is_refused() public {
        uint256 parent = inNotice(aliceKey);
        _expectParentRefused(
            parent,
            abi.encodeWithSelector(
                IRegistrations.ParentNotCertified.selector, parent, IRegistrations.Status.PublicNotice
            )
        );
        _expectParentRefused(
            UNKNOWN_ID,
            abi.encodeWithSelector(IRegistrations.ParentNotCertified.selector, UNKNOWN_ID, IRegistrations.Status.None)
        );
    }

    function test_submit_deriving_from_a_revoked_frozen_or_lapsed_parent_is_refused() public {
        uint256 lapsedParent = lapsed(aliceKey);
        uint256 revokedParent = certified(aliceKey);
        vm.prank(authority);
        registrations.revoke(revokedParent, keccak256("reason"));
        uint256 frozenParent = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(frozenParent, keccak256("reason"));

        _expectParentRefused(
            lapsedParent,
            abi.encodeWithSelector(
                IRegistrations.ParentNotCertified.selector, lapsedParent, IRegistrations.Status.Lapsed
            )
        );
        _expectParentRefused(
            revokedParent,
            abi.encodeWithSelector(
                IRegistrations.ParentNotCertified.selector, revokedParent, IRegistrations.Status.Revoked
            )
        );
        _expectParentRefused(
            frozenParent,
            abi.encodeWithSelector(
                IRegistrations.ParentNotCertified.selector, frozenParent, IRegistrations.Status.Frozen
            )
        );
    }

    function test_submit_deriving_from_a_parent_of_another_registrant_is_refused() public {
        uint256 parent = certified(bobKey);
        _expectParentRefused(
            parent, abi.encodeWithSelector(IRegistrations.ProcessingRightNotHeld.selector, parent, alice)
        );
    }

    function test_submit_deriving_from_a_parent_without_the_processing_right_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        a.rights = 1 | 4; // holding and operation, not processing and use
        uint256 parent = submitSigned(aliceKey, a);
        driveToCertified(parent);
        _expectParentRefused(
            parent, abi.encodeWithSelector(IRegistrations.ProcessingRightNotHeld.selector, parent, alice)
        );
    }

    function test_submit_naming_more_than_max_parents_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        a.parents = new uint256[](33);
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.TooManyParents.selector, 33, 32));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function _expectParentRefused(uint256 parent, bytes memory expected) internal {
        IRegistrations.Submission memory a = application(alice);
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(expected);
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    // =========================================================================================================
    // Review: accept, reject, approve
    // =========================================================================================================

    function test_accept_by_a_reviewer_moves_the_application_under_review() public {
        uint256 id = submitted(aliceKey);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationAccepted(id, reviewer);
        vm.prank(reviewer);
        registrations.accept(id);
        assertStatus(id, IRegistrations.Status.UnderReview, "under review");
    }

    function test_accept_by_the_registration_authority_is_allowed() public {
        uint256 id = submitted(aliceKey);
        vm.prank(authority);
        registrations.accept(id);
        assertStatus(id, IRegistrations.Status.UnderReview, "under review");
    }

    function test_accept_by_anyone_but_a_reviewer_or_its_authority_is_refused() public {
        uint256 id = submitted(aliceKey);
        _assertRefused(_notReviewers(), abi.encodeCall(Registrations.accept, (id)), _notReviewerOf);
    }

    function test_reject_of_a_submitted_application_records_the_reason() public {
        uint256 id = submitted(aliceKey);
        bytes32 reason = keccak256("incomplete evidence");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRejected(id, reviewer, reason);
        vm.prank(reviewer);
        registrations.reject(id, reason);
        assertStatus(id, IRegistrations.Status.Rejected, "rejected");
    }

    function test_reject_of_an_application_under_review_is_allowed_to_its_authority() public {
        uint256 id = underReview(aliceKey);
        vm.prank(authority);
        registrations.reject(id, keccak256("reason"));
        assertStatus(id, IRegistrations.Status.Rejected, "rejected");
    }

    function test_reject_by_anyone_but_a_reviewer_or_its_authority_is_refused() public {
        uint256 id = underReview(aliceKey);
        _assertRefused(_notReviewers(), abi.encodeCall(Registrations.reject, (id, keccak256("reason"))), _notReviewerOf);
    }

    function test_approve_opens_public_notice_for_the_authority_notice_period() public {
        uint256 id = underReview(aliceKey);
        uint40 endsAt = uint40(block.timestamp) + NOTICE_PERIOD;
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationPublished(id, endsAt);
        vm.prank(authority);
        registrations.approve(id);
        assertStatus(id, IRegistrations.Status.PublicNotice, "public notice");
        vm.assertEq(noticeEndsAt(id), endsAt, "notice end");
    }

    function test_approve_uses_the_notice_period_of_the_registration_authority() public {
        uint256 id = submittedTo(aliceKey, otherAuthorityId);
        vm.prank(reviewer);
        registrations.accept(id);
        vm.prank(otherAuthority);
        registrations.approve(id);
        vm.assertEq(noticeEndsAt(id), block.timestamp + OTHER_NOTICE_PERIOD, "other authority's period");
    }

    function test_approve_by_anyone_but_the_registration_authority_is_refused() public {
        uint256 id = underReview(aliceKey);
        _assertRefused(_notTheAuthority(), abi.encodeCall(Registrations.approve, (id)), _notAuthorityOf);
    }

    // =========================================================================================================
    // Certify
    // =========================================================================================================

    function test_certify_after_notice_ends_issues_the_property_registration_certificate() public {
        uint256 id = inNotice(aliceKey);
        uint40 endsAt = noticeEndsAt(id);
        vm.warp(endsAt);
        uint64 number = 202503310001; // 2025-03-01 + 30 days, first certificate of that day
        uint256 tokenId =
            certificates.tokenIdOf(id, authorityId, ICertificates.CertificateType.PropertyRegistration, number);
        uint40 reviewDueAt = endsAt + REVIEW_INTERVAL;

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationCertified(id, number, tokenId, reviewDueAt);
        vm.prank(authority);
        uint256 issued = registrations.certify(id);

        vm.assertEq(issued, tokenId, "token id");
        IRegistrations.Registration memory r = registrations.registration(id);
        assertStatus(id, IRegistrations.Status.Certified, "certified");
        vm.assertEq(r.version, 1, "version 1");
        vm.assertEq(r.reviewDueAt, reviewDueAt, "review due");
        vm.assertEq(r.certificateNumber, number, "certificate number");
        vm.assertEq(certificates.ownerOf(tokenId), alice, "certificate holder");
        vm.assertTrue(certificates.locked(tokenId), "locked");
    }

    function test_certify_before_notice_ends_is_refused() public {
        uint256 id = inNotice(aliceKey);
        uint40 endsAt = noticeEndsAt(id);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.NoticeWindowOpen.selector, id, endsAt));
        vm.prank(authority);
        registrations.certify(id);

        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.NoticeWindowOpen.selector, id, endsAt));
        vm.prank(authority);
        registrations.certify(id);
    }

    function test_certify_by_anyone_but_the_registration_authority_is_refused() public {
        uint256 id = inNotice(aliceKey);
        vm.warp(noticeEndsAt(id));
        _assertRefused(_notTheAuthority(), abi.encodeCall(Registrations.certify, (id)), _notAuthorityOf);
    }

    function test_certify_while_an_objection_is_open_is_refused() public {
        uint256 id = inNotice(aliceKey);
        objectAs(stranger, id);
        vm.warp(noticeEndsAt(id) + 100 days);
        vm.expectRevert(invalidStatus(id, IRegistrations.Status.Objected));
        vm.prank(authority);
        registrations.certify(id);
    }

    function testFuzz_notice_window_of_any_length_holds_certification_until_it_ends(uint256 period, uint256 early)
        public
    {
        period = bound(period, 1, registrations.MAX_PERIOD());
        early = bound(early, 0, period - 1);
        vm.prank(authority);
        // casting to uint40 is safe: period is bounded by MAX_PERIOD, itself a uint40
        // forge-lint: disable-next-line(unsafe-typecast)
        registrations.setAuthorityParameters(authorityId, uint40(period), REVIEW_INTERVAL);
        uint256 id = underReview(aliceKey);
        uint256 approvedAt = block.timestamp;
        vm.prank(authority);
        registrations.approve(id);
        vm.assertEq(noticeEndsAt(id), approvedAt + period, "notice end");

        vm.warp(approvedAt + early);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.NoticeWindowOpen.selector, id, approvedAt + period));
        vm.prank(authority);
        registrations.certify(id);

        vm.warp(approvedAt + period);
        vm.prank(authority);
        registrations.certify(id);
        assertStatus(id, IRegistrations.Status.Certified, "certified when the window ends");
    }

    // =========================================================================================================
    // Evidence certificates
    // =========================================================================================================

    function test_evidence_certificate_is_issued_without_review_or_notice() public {
        uint256 id = submitted(aliceKey);
        uint64 number = 202503010001;
        uint256 tokenId = certificates.tokenIdOf(id, authorityId, ICertificates.CertificateType.Evidence, number);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.EvidenceCertificateIssued(id, number, tokenId);
        vm.prank(authority);
        uint256 issued = registrations.issueEvidenceCertificate(id);

        vm.assertEq(issued, tokenId, "token id");
        vm.assertEq(certificates.ownerOf(tokenId), alice, "holder");
        vm.assertEq(
            uint256(certificates.certificate(tokenId).certificateType),
            uint256(ICertificates.CertificateType.Evidence),
            "type"
        );
        assertStatus(id, IRegistrations.Status.Submitted, "status unchanged");
        vm.assertEq(registrations.registration(id).certificateNumber, 0, "not a property certificate");
    }

    function test_evidence_and_property_certificates_are_numbered_separately() public {
        uint256 id = inNotice(aliceKey);
        vm.warp(noticeEndsAt(id));
        vm.startPrank(authority);
        uint256 evidence = registrations.issueEvidenceCertificate(id);
        uint256 property = registrations.certify(id);
        uint256 secondEvidence = registrations.issueEvidenceCertificate(id);
        vm.stopPrank();
        vm.assertEq(certificates.certificate(evidence).number, 202503310001, "first evidence");
        vm.assertEq(certificates.certificate(property).number, 202503310001, "first property");
        vm.assertEq(certificates.certificate(secondEvidence).number, 202503310002, "second evidence");
    }

    function test_evidence_certificate_by_anyone_but_the_registration_authority_is_refused() public {
        uint256 id = submitted(aliceKey);
        _assertRefused(
            _notTheAuthority(), abi.encodeCall(Registrations.issueEvidenceCertificate, (id)), _notAuthorityOf
        );
    }

    // =========================================================================================================
    // Objections during public notice
    // =========================================================================================================

    function test_objection_during_notice_moves_the_registration_to_objected() public {
        uint256 id = inNotice(aliceKey);
        vm.warp(block.timestamp + 5 days);
        bytes32 evidence = keccak256("prior claim");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionFiled(1, id, stranger, evidence);
        vm.prank(stranger);
        uint256 objectionId = registrations.fileObjection(id, evidence);

        vm.assertEq(objectionId, 1, "objection id");
        assertStatus(id, IRegistrations.Status.Objected, "objected");
        IRegistrations.Registration memory r = registrations.registration(id);
        vm.assertEq(r.objectedAt, block.timestamp, "objected at");
        vm.assertEq(r.openObjections, 1, "open objections");
        IRegistrations.Objection memory o = registrations.objection(objectionId);
        vm.assertEq(o.registrationId, id, "objection registration");
        vm.assertEq(o.objector, stranger, "objector");
        vm.assertEq(uint256(o.status), uint256(IRegistrations.ObjectionStatus.Open), "open");
        vm.assertFalse(registrations.isDisputed(id), "not certified, so not disputed");
    }

    function test_objection_without_evidence_is_refused() public {
        uint256 id = inNotice(aliceKey);
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(stranger);
        registrations.fileObjection(id, bytes32(0));
    }

    function test_objection_filed_after_the_window_but_before_certification_blocks_it() public {
        uint256 id = inNotice(aliceKey);
        vm.warp(noticeEndsAt(id) + 1);
        objectAs(stranger, id);
        vm.expectRevert(invalidStatus(id, IRegistrations.Status.Objected));
        vm.prank(authority);
        registrations.certify(id);
    }

    function test_withdrawn_objection_resumes_notice_with_end_extended_by_time_objected() public {
        uint256 id = inNotice(aliceKey);
        uint40 endsAt = noticeEndsAt(id);
        vm.warp(block.timestamp + 5 days);
        uint256 objectionId = objectAs(stranger, id);
        vm.warp(block.timestamp + 7 days);

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionWithdrawn(objectionId, id);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.NoticeResumed(id, endsAt + 7 days);
        vm.prank(stranger);
        registrations.withdrawObjection(objectionId);

        assertStatus(id, IRegistrations.Status.PublicNotice, "notice resumed");
        vm.assertEq(noticeEndsAt(id), endsAt + 7 days, "extended by the time objected");
        vm.assertEq(registrations.registration(id).openObjections, 0, "no open objection");
        vm.assertEq(
            uint256(registrations.objection(objectionId).status),
            uint256(IRegistrations.ObjectionStatus.Withdrawn),
            "withdrawn"
        );
        _assertCertifiableOnlyFrom(id, endsAt + 7 days);
    }

    /// @dev The objection's own event comes first, then the registration's, as when an objection is dismissed: an
    /// indexer reading the logs in order sees the objection closed before the notice resumes.
    function test_withdrawal_emits_the_withdrawal_before_the_resumed_notice() public {
        uint256 id = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        vm.warp(block.timestamp + 2 days);
        vm.recordLogs();
        vm.prank(stranger);
        registrations.withdrawObjection(objectionId);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        vm.assertEq(logs.length, 2, "two events");
        vm.assertEq(logs[0].topics[0], IRegistrations.ObjectionWithdrawn.selector, "withdrawal first");
        vm.assertEq(logs[0].topics[1], bytes32(objectionId), "objection");
        vm.assertEq(logs[0].topics[2], bytes32(id), "registration");
        vm.assertEq(logs[1].topics[0], IRegistrations.NoticeResumed.selector, "notice resumed second");
        vm.assertEq(logs[1].topics[1], bytes32(id), "resumed registration");
        vm.assertEq(logs[0].emitter, address(registrations), "emitter");
        vm.assertEq(logs[1].emitter, address(registrations), "emitter");
    }

    function test_withdrawal_that_leaves_an_objection_open_emits_only_the_withdrawal() public {
        uint256 id = inNotice(aliceKey);
        uint256 first = objectAs(stranger, id);
        objectAs(bob, id);
        vm.recordLogs();
        vm.prank(stranger);
        registrations.withdrawObjection(first);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(logs.length, 1, "one event");
        vm.assertEq(logs[0].topics[0], IRegistrations.ObjectionWithdrawn.selector, "withdrawal");
        assertStatus(id, IRegistrations.Status.Objected, "still objected");
    }

    function test_dismissed_objection_resumes_notice_with_end_extended_by_time_objected() public {
        uint256 id = inNotice(aliceKey);
        uint40 endsAt = noticeEndsAt(id);
        vm.warp(block.timestamp + 20 days);
        uint256 objectionId = objectAs(stranger, id);
        vm.warp(block.timestamp + 3 days);
        bytes32 decision = keccak256("dismissed");

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionResolved(objectionId, id, false, decision);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.NoticeResumed(id, endsAt + 3 days);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, decision);

        assertStatus(id, IRegistrations.Status.PublicNotice, "notice resumed");
        vm.assertEq(
            uint256(registrations.objection(objectionId).status),
            uint256(IRegistrations.ObjectionStatus.Dismissed),
            "dismissed"
        );
        _assertCertifiableOnlyFrom(id, endsAt + 3 days);
    }

    function test_notice_resumes_only_when_the_last_open_objection_closes() public {
        uint256 id = inNotice(aliceKey);
        uint40 endsAt = noticeEndsAt(id);
        uint256 firstObjectedAt = block.timestamp + 2 days;
        vm.warp(firstObjectedAt);
        uint256 first = objectAs(stranger, id);
        vm.warp(block.timestamp + 1 days);
        uint256 second = objectAs(bob, id);
        vm.assertEq(registrations.registration(id).objectedAt, firstObjectedAt, "objected since the first");

        vm.warp(block.timestamp + 1 days);
        vm.prank(authority);
        registrations.resolveObjection(first, false, keccak256("dismissed"));
        assertStatus(id, IRegistrations.Status.Objected, "still objected");

        vm.warp(block.timestamp + 4 days);
        vm.prank(bob);
        registrations.withdrawObjection(second);
        assertStatus(id, IRegistrations.Status.PublicNotice, "resumed");
        vm.assertEq(noticeEndsAt(id), endsAt + (block.timestamp - firstObjectedAt), "extended by the whole time");
    }

    function testFuzz_notice_is_extended_by_exactly_the_time_objected(uint256 filedAfter, uint256 objectedFor) public {
        uint256 id = inNotice(aliceKey);
        uint40 endsAt = noticeEndsAt(id);
        filedAfter = bound(filedAfter, 0, 2 * NOTICE_PERIOD);
        objectedFor = bound(objectedFor, 0, 3650 days);
        vm.warp(block.timestamp + filedAfter);
        uint256 objectionId = objectAs(stranger, id);
        vm.warp(block.timestamp + objectedFor);
        vm.prank(stranger);
        registrations.withdrawObjection(objectionId);
        vm.assertEq(noticeEndsAt(id), endsAt + objectedFor, "extension");
        // casting to uint40 is safe: a 2025 timestamp plus at most ten years
        // forge-lint: disable-next-line(unsafe-typecast)
        _assertCertifiableOnlyFrom(id, uint40(endsAt + objectedFor));
    }

    function test_upheld_objection_during_notice_rejects_the_registration() public {
        uint256 id = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        bytes32 decision = keccak256("upheld");

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionResolved(objectionId, id, true, decision);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRejected(id, authority, decision);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, decision);

        assertStatus(id, IRegistrations.Status.Rejected, "rejected");
        vm.assertEq(
            uint256(registrations.objection(objectionId).status),
            uint256(IRegistrations.ObjectionStatus.Upheld),
            "upheld"
        );
        vm.warp(noticeEndsAt(id));
        vm.expectRevert(invalidStatus(id, IRegistrations.Status.Rejected));
        vm.prank(authority);
        registrations.certify(id);
    }

    function test_withdraw_by_anyone_but_the_objector_is_refused() public {
        uint256 id = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        address[] memory callers = new address[](4);
        callers[0] = authority;
        callers[1] = regulator;
        callers[2] = alice;
        callers[3] = bob;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRegistrations.NotObjector.selector, objectionId, callers[i]));
            vm.prank(callers[i]);
            registrations.withdrawObjection(objectionId);
        }
    }

    function test_resolve_by_anyone_but_the_registration_authority_is_refused() public {
        uint256 id = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        _assertRefused(
            _notTheAuthority(),
            abi.encodeCall(Registrations.resolveObjection, (objectionId, true, keccak256("d"))),
            _notAuthorityOf
        );
    }

    function test_closed_or_unknown_objection_cannot_be_resolved_or_withdrawn() public {
        uint256 id = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        vm.prank(stranger);
        registrations.withdrawObjection(objectionId);

        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ObjectionNotOpen.selector, objectionId));
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, keccak256("d"));
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ObjectionNotOpen.selector, objectionId));
        vm.prank(stranger);
        registrations.withdrawObjection(objectionId);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ObjectionNotOpen.selector, 42));
        vm.prank(authority);
        registrations.resolveObjection(42, false, keccak256("d"));
    }

    function _assertCertifiableOnlyFrom(uint256 id, uint40 endsAt) internal {
        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.NoticeWindowOpen.selector, id, endsAt));
        vm.prank(authority);
        registrations.certify(id);
        vm.warp(endsAt);
        vm.prank(authority);
        registrations.certify(id);
        assertStatus(id, IRegistrations.Status.Certified, "certified at the extended end");
    }

    // =========================================================================================================
    // Objections against certified registrations
    // =========================================================================================================

    function test_objection_against_a_certified_registration_marks_it_disputed() public {
        uint256 id = certified(aliceKey);
        vm.assertFalse(registrations.isDisputed(id), "not disputed yet");
        objectAs(stranger, id);
        vm.assertTrue(registrations.isDisputed(id), "disputed");
        assertStatus(id, IRegistrations.Status.Certified, "still certified");
    }

    function test_dismissed_objection_clears_the_dispute() public {
        uint256 id = certified(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, keccak256("dismissed"));
        vm.assertFalse(registrations.isDisputed(id), "dispute cleared");
        assertStatus(id, IRegistrations.Status.Certified, "certified");
    }

    function test_dispute_stands_until_every_objection_is_withdrawn() public {
        uint256 id = certified(aliceKey);
        uint256 first = objectAs(stranger, id);
        uint256 second = objectAs(bob, id);
        vm.prank(stranger);
        registrations.withdrawObjection(first);
        vm.assertTrue(registrations.isDisputed(id), "one objection left");
        vm.prank(bob);
        registrations.withdrawObjection(second);
        vm.assertFalse(registrations.isDisputed(id), "none left");
    }

    function test_upheld_objection_against_a_certified_registration_revokes_it() public {
        uint256 id = certified(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        bytes32 decision = keccak256("upheld");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionResolved(objectionId, id, true, decision);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(id, authority, decision);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, decision);
        assertStatus(id, IRegistrations.Status.Revoked, "revoked");
        vm.assertFalse(registrations.isDisputed(id), "a revoked registration is not disputed");
    }

    function test_objection_against_a_frozen_registration_is_disputed_and_upheld_revokes_it() public {
        uint256 id = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(id, keccak256("investigation"));
        uint256 objectionId = objectAs(stranger, id);
        vm.assertTrue(registrations.isDisputed(id), "frozen and disputed");
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, keccak256("upheld"));
        assertStatus(id, IRegistrations.Status.Revoked, "revoked");
    }

    /// @dev An objection filed while certified can outlive the annual review: upheld after the registration lapsed,
    /// it must still revoke it, or a renewal would restore a registration the authority found against.
    function test_upheld_objection_against_a_lapsed_registration_revokes_it() public {
        uint256 id = certified(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        vm.warp(registrations.registration(id).reviewDueAt + 1);
        registrations.lapse(id);

        bytes32 decision = keccak256("upheld");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(id, authority, decision);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, decision);
        assertStatus(id, IRegistrations.Status.Revoked, "revoked");

        vm.expectRevert(invalidStatus(id, IRegistrations.Status.Revoked));
        vm.prank(authority);
        registrations.renew(id, keccak256("late report"));
    }

    function test_objection_against_a_lapsed_registration_marks_it_disputed() public {
        uint256 id = lapsed(aliceKey);
        vm.assertFalse(registrations.isDisputed(id), "not disputed yet");
        bytes32 evidence = keccak256("prior claim");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionFiled(1, id, stranger, evidence);
        vm.prank(stranger);
        uint256 objectionId = registrations.fileObjection(id, evidence);
        vm.assertTrue(registrations.isDisputed(id), "lapsed and disputed");
        assertStatus(id, IRegistrations.Status.Lapsed, "still lapsed");
        vm.assertEq(registrations.registration(id).openObjections, 1, "open objections");
        vm.assertEq(registrations.registration(id).objectedAt, 0, "a dispute is not a notice objection");

        vm.prank(stranger);
        registrations.withdrawObjection(objectionId);
        vm.assertFalse(registrations.isDisputed(id), "withdrawn");
        assertStatus(id, IRegistrations.Status.Lapsed, "still lapsed");
    }

    function test_dispute_filed_while_lapsed_stands_after_renewal_until_dismissed() public {
        uint256 id = lapsed(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        vm.prank(authority);
        registrations.renew(id, keccak256("late report"));
        assertStatus(id, IRegistrations.Status.Certified, "renewed");
        vm.assertTrue(registrations.isDisputed(id), "dispute survives the renewal");

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionResolved(objectionId, id, false, keccak256("dismissed"));
        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, keccak256("dismissed"));
        vm.assertFalse(registrations.isDisputed(id), "dismissed");
        assertStatus(id, IRegistrations.Status.Certified, "still certified");
    }

    function test_dispute_stands_through_a_lapse() public {
        uint256 id = certified(aliceKey);
        objectAs(stranger, id);
        vm.warp(registrations.registration(id).reviewDueAt + 1);
        registrations.lapse(id);
        vm.assertTrue(registrations.isDisputed(id), "still disputed once lapsed");
    }

    function test_upheld_objection_filed_against_a_lapsed_registration_revokes_it() public {
        uint256 id = lapsed(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        bytes32 decision = keccak256("upheld");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ObjectionResolved(objectionId, id, true, decision);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(id, authority, decision);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, decision);
        assertStatus(id, IRegistrations.Status.Revoked, "revoked");
        vm.assertFalse(registrations.isDisputed(id), "a revoked registration is not disputed");
        vm.assertEq(registrations.registration(id).openObjections, 0, "closed");
    }

    function test_disputed_flag_is_never_shown_outside_certified_lapsed_or_frozen() public {
        uint256[STATUS_COUNT] memory ids = _registrationInEveryStatus();
        for (uint256 s = 0; s < STATUS_COUNT; ++s) {
            vm.assertFalse(registrations.isDisputed(ids[s]), "no objection, no dispute");
        }
        uint256 objected = ids[uint256(IRegistrations.Status.Objected)];
        vm.assertEq(registrations.registration(objected).openObjections, 1, "objected in notice");
        vm.assertFalse(registrations.isDisputed(objected), "a notice objection is not a dispute");

        // Revoked and cancelled registrations keep an objection filed earlier open, but are not disputed.
        uint256 revoked = certified(aliceKey);
        objectAs(stranger, revoked);
        vm.prank(regulator);
        registrations.revoke(revoked, keccak256("r"));
        // A registration under objection cannot be cancelled (an upheld objection would revoke it).
        uint256 cancelled = certified(aliceKey);
        cancelAs(aliceKey, cancelled, keccak256("r"));
        vm.assertEq(registrations.registration(revoked).openObjections, 1, "revoked: objection still open");
        vm.assertFalse(registrations.isDisputed(revoked), "revoked");
        vm.assertFalse(registrations.isDisputed(cancelled), "cancelled");
    }

    /// @dev 65,535 open objections cannot be filed in a test; the counter is set just below its limit in storage
    /// instead (its place checked against the view first), with one real objection open.
    function test_objection_beyond_the_open_objection_limit_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 real = objectAs(stranger, id);
        bytes32 slot = keccak256(abi.encode(id, REGISTRATIONS_SLOT));
        uint256 lifecycle = uint256(vm.load(address(registrations), slot));
        vm.assertEq(lifecycle & 0xff, uint256(IRegistrations.Status.Certified), "status byte");
        vm.assertEq((lifecycle >> 8) & 0xffffffff, 1, "version bytes");
        vm.assertEq((lifecycle >> 40) & 0xffff, 1, "open objections bytes");

        uint256 full = (lifecycle & ~(uint256(0xffff) << 40)) | (uint256(type(uint16).max) << 40);
        vm.store(address(registrations), slot, bytes32(full));
        vm.assertEq(registrations.registration(id).openObjections, type(uint16).max, "at the limit");
        (, uint64 objectionsBefore) = registrations.counts();

        vm.expectRevert(abi.encodeWithSelector(IRegistrations.TooManyObjections.selector, id));
        vm.prank(bob);
        registrations.fileObjection(id, keccak256("one too many"));
        (, uint64 objectionsAfter) = registrations.counts();
        vm.assertEq(objectionsAfter, objectionsBefore, "nothing filed");

        vm.prank(stranger);
        registrations.withdrawObjection(real);
        vm.assertEq(registrations.registration(id).openObjections, type(uint16).max - 1, "one closed");
        objectAs(bob, id);
        vm.assertEq(registrations.registration(id).openObjections, type(uint16).max, "room for one again");
        assertStatus(id, IRegistrations.Status.Certified, "status untouched");
    }

    function test_objection_beyond_the_limit_during_notice_leaves_the_notice_running() public {
        uint256 id = inNotice(aliceKey);
        bytes32 slot = keccak256(abi.encode(id, REGISTRATIONS_SLOT));
        uint256 lifecycle = uint256(vm.load(address(registrations), slot));
        vm.assertEq(lifecycle & 0xff, uint256(IRegistrations.Status.PublicNotice), "status byte");
        vm.store(address(registrations), slot, bytes32(lifecycle | (uint256(type(uint16).max) << 40)));

        vm.expectRevert(abi.encodeWithSelector(IRegistrations.TooManyObjections.selector, id));
        vm.prank(stranger);
        registrations.fileObjection(id, keccak256("evidence"));
        assertStatus(id, IRegistrations.Status.PublicNotice, "not objected");
        vm.assertEq(registrations.registration(id).objectedAt, 0, "no objection time");
    }

    // =========================================================================================================
    // Change registration
    // =========================================================================================================

    function test_requested_change_waits_for_the_authority() public {
        uint256 id = certified(aliceKey);
        bytes32 oldManifest = registrations.registration(id).manifestDigest;
        bytes32 newManifest = nextDigest("manifest v2");
        bytes32 newData = nextDigest("data v2");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ChangeRequested(id, newManifest, newData);
        requestChangeAs(aliceKey, id, newManifest, newData);
        vm.assertEq(registrations.pendingChange(id), newManifest, "pending");
        vm.assertEq(registrations.registration(id).manifestDigest, oldManifest, "current manifest kept");
        vm.assertEq(registrations.registration(id).version, 1, "current version kept");
    }

    function test_approved_change_moves_to_the_new_manifest_as_version_plus_one() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("manifest v2");
        requestChangeAs(aliceKey, id, v2);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationChanged(id, 2, v2);
        vm.prank(authority);
        registrations.approveChange(id);
        vm.assertEq(registrations.registration(id).manifestDigest, v2, "new manifest");
        vm.assertEq(registrations.registration(id).version, 2, "version 2");
        vm.assertEq(registrations.pendingChange(id), bytes32(0), "nothing pending");

        bytes32 v3 = nextDigest("manifest v3");
        requestChangeAs(aliceKey, id, v3);
        vm.prank(authority);
        registrations.approveChange(id);
        vm.assertEq(registrations.registration(id).version, 3, "version 3");
        assertStatus(id, IRegistrations.Status.Certified, "still certified");
    }

    function test_rejected_change_keeps_the_current_version() public {
        uint256 id = certified(aliceKey);
        bytes32 oldManifest = registrations.registration(id).manifestDigest;
        bytes32 v2 = nextDigest("manifest v2");
        requestChangeAs(aliceKey, id, v2);
        bytes32 reason = keccak256("not supported by evidence");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ChangeRejected(id, v2, reason);
        vm.prank(authority);
        registrations.rejectChange(id, reason);
        vm.assertEq(registrations.registration(id).manifestDigest, oldManifest, "manifest kept");
        vm.assertEq(registrations.registration(id).version, 1, "version kept");
        vm.assertEq(registrations.pendingChange(id), bytes32(0), "nothing pending");
        requestChangeAs(aliceKey, id, v2);
        vm.assertEq(registrations.pendingChange(id), v2, "may ask again");
    }

    function test_change_to_the_same_or_an_empty_manifest_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 current = registrations.registration(id).manifestDigest;
        _expectChangeRefused(id, current, IRegistrations.InvalidApplication.selector);
        _expectChangeRefused(id, bytes32(0), IRegistrations.InvalidApplication.selector);
    }

    function test_change_without_a_data_commitment_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("v2");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, v2, bytes32(0));
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(relayer);
        registrations.requestChange(id, v2, bytes32(0), nonce, deadline, signature);
        vm.assertEq(registrations.pendingChange(id), bytes32(0), "nothing pending");
        vm.assertEq(registrations.nonces(alice), nonce, "nonce not used");
    }

    function test_change_keeping_the_data_but_not_the_manifest_is_accepted() public {
        uint256 id = certified(aliceKey);
        bytes32 data = nextDigest("data");
        requestChangeAs(aliceKey, id, nextDigest("v2"), data);
        vm.prank(authority);
        registrations.approveChange(id);
        bytes32 v3 = nextDigest("v3");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ChangeRequested(id, v3, data);
        requestChangeAs(aliceKey, id, v3, data);
    }

    function test_change_with_its_data_commitment_altered_after_signing_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("v2");
        bytes32 signedData = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, v2, signedData);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.requestChange(id, v2, nextDigest("other data"), nonce, deadline, signature);

        vm.prank(relayer);
        registrations.requestChange(id, v2, signedData, nonce, deadline, signature);
        vm.assertEq(registrations.pendingChange(id), v2, "accepted as signed");
    }

    /// @dev A signature over the earlier ChangeRequest type (without the data commitment) no longer verifies.
    function test_change_signed_in_the_old_type_without_data_commitment_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("v2");
        bytes32 data = nextDigest("data");
        uint256 nonce = registrations.nonces(alice);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 oldTypehash =
            keccak256("ChangeRequest(uint256 registrationId,bytes32 manifestDigest,uint256 nonce,uint256 deadline)");
        bytes memory signature = signDigest(aliceKey, holderActionDigest(oldTypehash, id, v2, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.requestChange(id, v2, data, nonce, deadline, signature);
    }

    function testFuzz_change_request_event_carries_the_signed_data_commitment(bytes32 manifest, bytes32 data) public {
        uint256 id = certified(aliceKey);
        vm.assume(manifest != bytes32(0) && data != bytes32(0));
        vm.assume(manifest != registrations.registration(id).manifestDigest);
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, manifest, data);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.ChangeRequested(id, manifest, data);
        vm.prank(relayer);
        registrations.requestChange(id, manifest, data, nonce, deadline, signature);
        vm.assertEq(registrations.pendingChange(id), manifest, "pending");
    }

    function test_second_change_while_one_is_pending_is_refused() public {
        uint256 id = certified(aliceKey);
        requestChangeAs(aliceKey, id, nextDigest("v2"));
        bytes32 other = nextDigest("v2'");
        bytes32 data = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, other, data);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ChangePending.selector, id, true));
        vm.prank(relayer);
        registrations.requestChange(id, other, data, nonce, deadline, signature);
    }

    function test_approving_or_rejecting_when_no_change_is_pending_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ChangePending.selector, id, false));
        vm.prank(authority);
        registrations.approveChange(id);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ChangePending.selector, id, false));
        vm.prank(authority);
        registrations.rejectChange(id, keccak256("r"));
    }

    function test_change_signed_by_anyone_but_the_holder_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("v2");
        bytes32 data = nextDigest("data");
        uint256 nonce = registrations.nonces(alice);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = signDigest(bobKey, changeRequestDigest(id, v2, data, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.requestChange(id, v2, data, nonce, deadline, signature);
    }

    function test_change_after_the_signature_deadline_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("v2");
        bytes32 data = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, v2, data);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.SignatureExpired.selector, deadline));
        vm.prank(relayer);
        registrations.requestChange(id, v2, data, nonce, deadline, signature);
    }

    function test_change_replaying_a_used_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 v2 = nextDigest("v2");
        bytes32 data = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, v2, data);
        vm.prank(relayer);
        registrations.requestChange(id, v2, data, nonce, deadline, signature);
        vm.prank(authority);
        registrations.rejectChange(id, keccak256("r"));

        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, alice, nonce + 1));
        vm.prank(relayer);
        registrations.requestChange(id, v2, data, nonce, deadline, signature);
    }

    function test_change_signature_cannot_be_used_as_a_cancellation() public {
        uint256 id = certified(aliceKey);
        bytes32 digest = nextDigest("v2");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signChangeRequest(aliceKey, id, digest, nextDigest("data"));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.cancel(id, digest, nonce, deadline, signature);
    }

    function test_change_by_a_suspended_holder_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.prank(regulator);
        access.suspendParty(alice, keccak256("decision"));
        _expectChangeRefused(
            id, nextDigest("v2"), abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, alice)
        );
    }

    function test_change_by_contract_wallet_holder_with_erc1271_signature_is_accepted() public {
        uint256 id = submitSigned(walletOwnerKey, application(address(wallet)));
        driveToCertified(id);
        bytes32 v2 = nextDigest("v2");
        bytes32 data = nextDigest("data");
        uint256 nonce = registrations.nonces(address(wallet));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = signDigest(walletOwnerKey, changeRequestDigest(id, v2, data, nonce, deadline));
        vm.prank(relayer);
        registrations.requestChange(id, v2, data, nonce, deadline, signature);
        vm.assertEq(registrations.pendingChange(id), v2, "pending");
    }

    function test_approve_or_reject_change_by_anyone_but_the_registration_authority_is_refused() public {
        uint256 id = certified(aliceKey);
        requestChangeAs(aliceKey, id, nextDigest("v2"));
        _assertRefused(_notTheAuthority(), abi.encodeCall(Registrations.approveChange, (id)), _notAuthorityOf);
        _assertRefused(
            _notTheAuthority(), abi.encodeCall(Registrations.rejectChange, (id, keccak256("r"))), _notAuthorityOf
        );
    }

    function _expectChangeRefused(uint256 id, bytes32 manifest, bytes4 selector) internal {
        _expectChangeRefused(id, manifest, abi.encodeWithSelector(selector));
    }

    function _expectChangeRefused(uint256 id, bytes32 manifest, bytes memory expected) internal {
        bytes32 data = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, manifest, data);
        vm.expectRevert(expected);
        vm.prank(relayer);
        registrations.requestChange(id, manifest, data, nonce, deadline, signature);
    }

    // =========================================================================================================
    // Annual review, lapse, renew
    // =========================================================================================================

    function test_annual_review_in_the_last_interval_moves_the_due_date_one_interval_on() public {
        uint256 id = certified(aliceKey);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        vm.warp(dueAt - 10 days);
        bytes32 report = keccak256("annual report 2025");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.AnnualReviewFiled(id, report, dueAt + REVIEW_INTERVAL);
        fileAnnualReviewAs(aliceKey, id, report);
        vm.assertEq(registrations.registration(id).reviewDueAt, dueAt + REVIEW_INTERVAL, "next due");
    }

    function test_annual_review_at_the_due_time_is_accepted() public {
        uint256 id = certified(aliceKey);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        vm.warp(dueAt);
        fileAnnualReviewAs(aliceKey, id, keccak256("report"));
        vm.assertEq(registrations.registration(id).reviewDueAt, dueAt + REVIEW_INTERVAL, "next due");
    }

    function test_annual_review_more_than_one_interval_ahead_is_refused() public {
        uint256 id = certified(aliceKey);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        _expectAnnualReviewRefused(id, abi.encodeWithSelector(IRegistrations.AnnualReviewTooEarly.selector, id, dueAt));
        vm.warp(block.timestamp + 1);
        fileAnnualReviewAs(aliceKey, id, keccak256("report"));
        _expectAnnualReviewRefused(
            id, abi.encodeWithSelector(IRegistrations.AnnualReviewTooEarly.selector, id, dueAt + REVIEW_INTERVAL)
        );
    }

    function test_overdue_annual_review_is_refused() public {
        uint256 id = certified(aliceKey);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        vm.warp(dueAt + 1);
        _expectAnnualReviewRefused(id, abi.encodeWithSelector(IRegistrations.AnnualReviewOverdue.selector, id, dueAt));
    }

    function test_annual_review_without_a_report_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.warp(registrations.registration(id).reviewDueAt);
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, ANNUAL_REVIEW_TYPEHASH, id, bytes32(0));
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(relayer);
        registrations.fileAnnualReview(id, bytes32(0), nonce, deadline, signature);
    }

    function test_annual_review_signed_by_anyone_but_the_holder_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.warp(registrations.registration(id).reviewDueAt);
        bytes32 report = keccak256("report");
        uint256 nonce = registrations.nonces(alice);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature =
            signDigest(bobKey, holderActionDigest(ANNUAL_REVIEW_TYPEHASH, id, report, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.fileAnnualReview(id, report, nonce, deadline, signature);
    }

    function test_missed_annual_review_lapses_the_registration_on_anyones_call() public {
        uint256 id = certified(aliceKey);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        vm.warp(dueAt + 1);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationLapsed(id, dueAt);
        vm.prank(stranger);
        registrations.lapse(id);
        assertStatus(id, IRegistrations.Status.Lapsed, "lapsed");
    }

    function test_lapse_before_the_review_is_overdue_is_refused() public {
        uint256 id = certified(aliceKey);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        vm.warp(dueAt);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.AnnualReviewNotDue.selector, id, dueAt));
        registrations.lapse(id);
    }

    function test_authority_renews_a_lapsed_registration_for_one_interval() public {
        uint256 id = lapsed(aliceKey);
        vm.warp(block.timestamp + 3 days);
        bytes32 report = keccak256("late report");
        uint40 dueAt = uint40(block.timestamp) + REVIEW_INTERVAL;
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRenewed(id, report, dueAt);
        vm.prank(authority);
        registrations.renew(id, report);
        assertStatus(id, IRegistrations.Status.Certified, "certified again");
        vm.assertEq(registrations.registration(id).reviewDueAt, dueAt, "next due");
    }

    function test_renew_without_a_report_is_refused() public {
        uint256 id = lapsed(aliceKey);
        vm.expectRevert(IRegistrations.InvalidApplication.selector);
        vm.prank(authority);
        registrations.renew(id, bytes32(0));
    }

    function test_renew_by_anyone_but_the_registration_authority_is_refused() public {
        uint256 id = lapsed(aliceKey);
        _assertRefused(
            _notTheAuthority(), abi.encodeCall(Registrations.renew, (id, keccak256("report"))), _notAuthorityOf
        );
    }

    function _expectAnnualReviewRefused(uint256 id, bytes memory expected) internal {
        bytes32 report = nextDigest("report");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, ANNUAL_REVIEW_TYPEHASH, id, report);
        vm.expectRevert(expected);
        vm.prank(relayer);
        registrations.fileAnnualReview(id, report, nonce, deadline, signature);
    }

    // =========================================================================================================
    // Freeze, unfreeze, revoke, cancel
    // =========================================================================================================

    function test_regulator_freezes_a_certified_registration() public {
        uint256 id = certified(aliceKey);
        bytes32 reason = keccak256("investigation");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationFrozen(id, regulator, reason);
        vm.prank(regulator);
        registrations.freeze(id, reason);
        assertStatus(id, IRegistrations.Status.Frozen, "frozen");
    }

    function test_regulator_unfreezes_a_frozen_registration() public {
        uint256 id = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(id, keccak256("investigation"));
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationUnfrozen(id, regulator);
        vm.prank(regulator);
        registrations.unfreeze(id);
        assertStatus(id, IRegistrations.Status.Certified, "certified again");
    }

    function test_freeze_and_unfreeze_by_anyone_but_a_regulator_are_refused() public {
        uint256 id = certified(aliceKey);
        _assertRefused(_notRegulators(), abi.encodeCall(Registrations.freeze, (id, keccak256("r"))), _notRegulator);
        vm.prank(regulator);
        registrations.freeze(id, keccak256("r"));
        _assertRefused(_notRegulators(), abi.encodeCall(Registrations.unfreeze, (id)), _notRegulator);
    }

    function test_authority_revokes_a_certified_registration() public {
        uint256 id = certified(aliceKey);
        bytes32 reason = keccak256("fraud");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(id, authority, reason);
        vm.prank(authority);
        registrations.revoke(id, reason);
        assertStatus(id, IRegistrations.Status.Revoked, "revoked");
    }

    function test_regulator_revokes_a_certified_or_frozen_registration() public {
        uint256 first = certified(aliceKey);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(first, regulator, keccak256("r"));
        vm.prank(regulator);
        registrations.revoke(first, keccak256("r"));
        assertStatus(first, IRegistrations.Status.Revoked, "revoked from certified");

        uint256 second = certified(aliceKey);
        vm.startPrank(regulator);
        registrations.freeze(second, keccak256("r"));
        registrations.revoke(second, keccak256("r"));
        vm.stopPrank();
        assertStatus(second, IRegistrations.Status.Revoked, "revoked from frozen");
    }

    function test_authority_or_regulator_revokes_a_lapsed_registration() public {
        uint256 first = lapsed(aliceKey);
        bytes32 reason = keccak256("fraud");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(first, authority, reason);
        vm.prank(authority);
        registrations.revoke(first, reason);
        assertStatus(first, IRegistrations.Status.Revoked, "revoked by the authority");

        uint256 second = lapsed(aliceKey);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationRevoked(second, regulator, reason);
        vm.prank(regulator);
        registrations.revoke(second, reason);
        assertStatus(second, IRegistrations.Status.Revoked, "revoked by a regulator");

        vm.expectRevert(invalidStatus(first, IRegistrations.Status.Revoked));
        vm.prank(authority);
        registrations.renew(first, keccak256("late report"));
    }

    function test_revoke_of_a_lapsed_registration_by_anyone_else_is_refused() public {
        uint256 id = lapsed(aliceKey);
        address[] memory callers = new address[](5);
        callers[0] = otherAuthority;
        callers[1] = reviewer;
        callers[2] = admin;
        callers[3] = alice;
        callers[4] = stranger;
        _assertRefused(callers, abi.encodeCall(Registrations.revoke, (id, keccak256("r"))), _notRegulatorNorAuthorityOf);
        assertStatus(id, IRegistrations.Status.Lapsed, "still lapsed");
    }

    function test_revoke_by_anyone_but_its_authority_or_a_regulator_is_refused() public {
        uint256 id = certified(aliceKey);
        address[] memory callers = new address[](5);
        callers[0] = otherAuthority;
        callers[1] = reviewer;
        callers[2] = admin;
        callers[3] = alice;
        callers[4] = stranger;
        _assertRefused(callers, abi.encodeCall(Registrations.revoke, (id, keccak256("r"))), _notRegulatorNorAuthorityOf);
    }

    function test_holder_cancels_a_certified_registration() public {
        uint256 id = certified(aliceKey);
        bytes32 reason = keccak256("data withdrawn");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RegistrationCancelled(id, reason);
        cancelAs(aliceKey, id, reason);
        assertStatus(id, IRegistrations.Status.Cancelled, "cancelled");
    }

    function test_cancel_signed_by_anyone_but_the_holder_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 reason = keccak256("r");
        uint256 nonce = registrations.nonces(alice);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature =
            signDigest(bobKey, holderActionDigest(CANCELLATION_TYPEHASH, id, reason, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);
    }

    function test_cancel_after_the_signature_deadline_is_refused() public {
        uint256 id = certified(aliceKey);
        bytes32 reason = keccak256("r");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, reason);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.SignatureExpired.selector, deadline));
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);
    }

    // =========================================================================================================
    // Every transition from the wrong status
    // =========================================================================================================

    function test_accept_outside_submitted_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Submitted), reviewer, _acceptCall);
    }

    function test_reject_outside_submitted_or_under_review_is_refused() public {
        _assertOnlyFrom(
            _mask(IRegistrations.Status.Submitted) | _mask(IRegistrations.Status.UnderReview), reviewer, _rejectCall
        );
    }

    function test_approve_outside_under_review_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.UnderReview), authority, _approveCall);
    }

    function test_certify_outside_public_notice_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.PublicNotice), authority, _certifyCall);
    }

    function test_evidence_certificate_for_rejected_revoked_or_cancelled_is_refused() public {
        uint256 allowed = _mask(IRegistrations.Status.Submitted) | _mask(IRegistrations.Status.UnderReview)
            | _mask(IRegistrations.Status.PublicNotice) | _mask(IRegistrations.Status.Objected)
            | _mask(IRegistrations.Status.Certified) | _mask(IRegistrations.Status.Lapsed)
            | _mask(IRegistrations.Status.Frozen);
        _assertOnlyFrom(allowed, authority, _evidenceCall);
    }

    function test_objection_outside_notice_certified_lapsed_or_frozen_is_refused() public {
        uint256 allowed = _mask(IRegistrations.Status.PublicNotice) | _mask(IRegistrations.Status.Objected)
            | _mask(IRegistrations.Status.Certified) | _mask(IRegistrations.Status.Lapsed)
            | _mask(IRegistrations.Status.Frozen);
        _assertOnlyFrom(allowed, stranger, _objectionCall);
    }

    function test_change_request_outside_certified_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Certified), relayer, _requestChangeCall);
    }

    function test_change_approval_outside_certified_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Certified), authority, _approveChangeCall);
    }

    function test_annual_review_outside_certified_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Certified), relayer, _annualReviewCall);
    }

    function test_lapse_outside_certified_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Certified), stranger, _lapseCall);
    }

    function test_renew_outside_lapsed_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Lapsed), authority, _renewCall);
    }

    function test_freeze_outside_certified_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Certified), regulator, _freezeCall);
    }

    function test_unfreeze_outside_frozen_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Frozen), regulator, _unfreezeCall);
    }

    function test_revoke_outside_certified_lapsed_or_frozen_is_refused() public {
        uint256 allowed = _mask(IRegistrations.Status.Certified) | _mask(IRegistrations.Status.Lapsed)
            | _mask(IRegistrations.Status.Frozen);
        _assertOnlyFrom(allowed, regulator, _revokeCall);
        _assertOnlyFrom(allowed, authority, _revokeCall);
    }

    function test_cancel_outside_certified_is_refused() public {
        _assertOnlyFrom(_mask(IRegistrations.Status.Certified), relayer, _cancelCall);
    }

    /// @notice One registration in each status (index = status); the None slot holds an id never submitted.
    function _registrationInEveryStatus() internal returns (uint256[STATUS_COUNT] memory ids) {
        ids[uint256(IRegistrations.Status.None)] = UNKNOWN_ID;
        ids[uint256(IRegistrations.Status.Lapsed)] = lapsed(aliceKey);
        ids[uint256(IRegistrations.Status.Certified)] = certified(aliceKey);
        uint256 frozen = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(frozen, keccak256("r"));
        ids[uint256(IRegistrations.Status.Frozen)] = frozen;
        uint256 revoked = certified(aliceKey);
        vm.prank(authority);
        registrations.revoke(revoked, keccak256("r"));
        ids[uint256(IRegistrations.Status.Revoked)] = revoked;
        uint256 cancelled = certified(aliceKey);
        cancelAs(aliceKey, cancelled, keccak256("r"));
        ids[uint256(IRegistrations.Status.Cancelled)] = cancelled;
        uint256 rejected = submitted(aliceKey);
        vm.prank(reviewer);
        registrations.reject(rejected, keccak256("r"));
        ids[uint256(IRegistrations.Status.Rejected)] = rejected;
        ids[uint256(IRegistrations.Status.Submitted)] = submitted(aliceKey);
        ids[uint256(IRegistrations.Status.UnderReview)] = underReview(aliceKey);
        ids[uint256(IRegistrations.Status.PublicNotice)] = inNotice(aliceKey);
        uint256 objected = inNotice(aliceKey);
        objectAs(stranger, objected);
        ids[uint256(IRegistrations.Status.Objected)] = objected;
        for (uint256 s = 1; s < STATUS_COUNT; ++s) {
            assertStatus(ids[s], IRegistrations.Status(s), "fixture status");
        }
    }

    function _assertOnlyFrom(
        uint256 allowedMask,
        address caller,
        function(uint256) internal returns (bytes memory) callFor
    ) internal {
        uint256[STATUS_COUNT] memory ids = _registrationInEveryStatus();
        for (uint256 s = 0; s < STATUS_COUNT; ++s) {
            if ((allowedMask >> s) & 1 == 1) continue;
            uint256 id = ids[s];
            bytes memory expected = s == 0
                ? abi.encodeWithSelector(IRegistrations.UnknownRegistration.selector, id)
                : invalidStatus(id, IRegistrations.Status(s));
            bytes memory data = callFor(id);
            vm.prank(caller);
            (bool ok, bytes memory returned) = address(registrations).call(data);
            string memory label = string.concat("from status ", vm.toString(s));
            vm.assertFalse(ok, label);
            vm.assertEq(keccak256(returned), keccak256(expected), label);
            assertStatus(id, IRegistrations.Status(s), label);
        }
    }

    function _mask(IRegistrations.Status status) internal pure returns (uint256) {
        return 2 ** uint256(status);
    }

    function _acceptCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.accept, (id));
    }

    function _rejectCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.reject, (id, keccak256("r")));
    }

    function _approveCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.approve, (id));
    }

    function _certifyCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.certify, (id));
    }

    function _evidenceCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.issueEvidenceCertificate, (id));
    }

    function _objectionCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.fileObjection, (id, keccak256("evidence")));
    }

    function _requestChangeCall(uint256 id) internal returns (bytes memory) {
        bytes32 manifest = nextDigest("v2");
        bytes32 data = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, manifest, data);
        return abi.encodeCall(Registrations.requestChange, (id, manifest, data, nonce, deadline, signature));
    }

    function _approveChangeCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.approveChange, (id));
    }

    function _annualReviewCall(uint256 id) internal returns (bytes memory) {
        bytes32 report = nextDigest("report");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, ANNUAL_REVIEW_TYPEHASH, id, report);
        return abi.encodeCall(Registrations.fileAnnualReview, (id, report, nonce, deadline, signature));
    }

    function _lapseCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.lapse, (id));
    }

    function _renewCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.renew, (id, keccak256("report")));
    }

    function _freezeCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.freeze, (id, keccak256("r")));
    }

    function _unfreezeCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.unfreeze, (id));
    }

    function _revokeCall(uint256 id) internal pure returns (bytes memory) {
        return abi.encodeCall(Registrations.revoke, (id, keccak256("r")));
    }

    function _cancelCall(uint256 id) internal returns (bytes memory) {
        bytes32 reason = nextDigest("reason");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, reason);
        return abi.encodeCall(Registrations.cancel, (id, reason, nonce, deadline, signature));
    }

    // =========================================================================================================
    // Pause
    // =========================================================================================================

    function test_pause_and_unpause_by_anyone_but_a_pauser_are_refused() public {
        address[] memory callers = new address[](4);
        callers[0] = admin;
        callers[1] = regulator;
        callers[2] = authority;
        callers[3] = stranger;
        _assertRefused(callers, abi.encodeCall(Registrations.pause, ()), _notPauser);
        vm.prank(pauser);
        registrations.pause();
        _assertRefused(callers, abi.encodeCall(Registrations.unpause, ()), _notPauser);
    }

    function test_registrant_authority_and_objector_actions_are_refused_while_paused() public {
        uint256 certifiedId = certified(aliceKey);
        uint256 lapsedId = lapsed(aliceKey);
        uint256 submittedId = submitted(aliceKey);
        uint256 reviewedId = underReview(aliceKey);
        uint256 noticeId = inNotice(aliceKey);
        uint256 objectedId = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, objectedId);
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);

        vm.prank(pauser);
        registrations.pause();

        _assertPaused(relayer, abi.encodeCall(Registrations.submit, (a, signature)));
        _assertPaused(reviewer, _acceptCall(submittedId));
        _assertPaused(reviewer, _rejectCall(submittedId));
        _assertPaused(authority, _approveCall(reviewedId));
        vm.warp(noticeEndsAt(noticeId));
        _assertPaused(authority, _certifyCall(noticeId));
        _assertPaused(authority, _evidenceCall(submittedId));
        _assertPaused(stranger, _objectionCall(noticeId));
        _assertPaused(stranger, abi.encodeCall(Registrations.withdrawObjection, (objectionId)));
        _assertPaused(authority, abi.encodeCall(Registrations.resolveObjection, (objectionId, false, keccak256("d"))));
        _assertPaused(relayer, _requestChangeCall(certifiedId));
        _assertPaused(authority, _approveChangeCall(certifiedId));
        _assertPaused(authority, abi.encodeCall(Registrations.rejectChange, (certifiedId, keccak256("r"))));
        _assertPaused(relayer, _annualReviewCall(certifiedId));
        _assertPaused(stranger, _lapseCall(certifiedId));
        _assertPaused(authority, _renewCall(lapsedId));
        _assertPaused(relayer, _cancelCall(certifiedId));

        vm.prank(pauser);
        registrations.unpause();
        submitted(aliceKey);
    }

    function test_regulator_may_freeze_unfreeze_and_revoke_while_paused() public {
        uint256 lapsedId = lapsed(aliceKey);
        uint256 id = certified(aliceKey);
        uint256 other = certified(aliceKey);
        vm.prank(pauser);
        registrations.pause();
        vm.startPrank(regulator);
        registrations.freeze(id, keccak256("r"));
        registrations.unfreeze(id);
        registrations.revoke(id, keccak256("r"));
        vm.stopPrank();
        assertStatus(id, IRegistrations.Status.Revoked, "revoked while paused");
        vm.prank(authority);
        registrations.revoke(other, keccak256("r"));
        assertStatus(other, IRegistrations.Status.Revoked, "authority revokes while paused");
        vm.prank(regulator);
        registrations.revoke(lapsedId, keccak256("r"));
        assertStatus(lapsedId, IRegistrations.Status.Revoked, "lapsed revoked while paused");
    }

    function _assertPaused(address caller, bytes memory data) internal {
        vm.prank(caller);
        (bool ok, bytes memory returned) = address(registrations).call(data);
        vm.assertFalse(ok, "allowed while paused");
        vm.assertEq(
            keccak256(returned), keccak256(abi.encodeWithSelector(Pausable.EnforcedPause.selector)), "EnforcedPause"
        );
    }

    // =========================================================================================================
    // Rights module (connected by the fixture, as in production; the registry on its own is tested below)
    // =========================================================================================================

    function test_connected_rights_module_cannot_be_replaced() public {
        vm.assertEq(address(registrations.rights()), address(rights), "connected by the deployment");
        StubRights another = new StubRights();
        vm.expectRevert(IRegistrations.RightsModuleAlreadySet.selector);
        vm.prank(admin);
        registrations.setRights(another);
    }

    function test_transfers_are_recorded_only_by_the_rights_module() public {
        uint256 id = certified(aliceKey);
        address[] memory callers = new address[](4);
        callers[0] = authority;
        callers[1] = admin;
        callers[2] = alice;
        callers[3] = stranger;
        _assertRefused(callers, abi.encodeCall(Registrations.recordTransfer, (id, 1, bob, true)), _notRightsModule);
        _assertRefused(callers, abi.encodeCall(Registrations.recordTransfer, (id, 2, bob, false)), _notRightsModule);
    }

    function test_transfer_of_an_uncertified_registration_cannot_be_recorded() public {
        uint256 id = inNotice(aliceKey);
        vm.expectRevert(invalidStatus(id, IRegistrations.Status.PublicNotice));
        vm.prank(address(rights));
        registrations.recordTransfer(id, 1, bob, true);
    }

    function test_recorded_transfer_of_another_right_keeps_the_certificate_and_asks_the_module() public {
        uint256 id = certified(aliceKey);
        uint64 number = registrations.registration(id).certificateNumber;
        vm.recordLogs();
        vm.prank(address(rights));
        uint256 tokenId = registrations.recordTransfer(id, 2, bob, false);
        vm.assertEq(tokenId, 0, "no certificate reissued");
        vm.assertEq(vm.getRecordedLogs().length, 0, "no event: the rights module's event tells the transfer");
        IRegistrations.Registration memory r = registrations.registration(id);
        vm.assertEq(r.transferredRights, 2, "processing right left the registrant");
        vm.assertEq(r.certificateNumber, number, "same certificate");
        vm.assertEq(registrations.holderOf(id), alice, "the module still names the registrant");
    }

    function test_reissued_certificate_retires_the_old_one_and_numbers_the_new_one() public {
        uint256 id = certified(aliceKey);
        uint64 oldNumber = registrations.registration(id).certificateNumber;
        uint256 oldToken =
            certificates.tokenIdOf(id, authorityId, ICertificates.CertificateType.PropertyRegistration, oldNumber);
        uint256 newToken =
            certificates.tokenIdOf(id, authorityId, ICertificates.CertificateType.PropertyRegistration, oldNumber + 1);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.CertificateReissued(id, oldToken, newToken, oldNumber + 1);
        vm.prank(address(rights));
        uint256 tokenId = registrations.recordTransfer(id, 1, bob, true);

        vm.assertEq(tokenId, newToken, "new token");
        vm.assertEq(registrations.registration(id).certificateNumber, oldNumber + 1, "number updated");
        vm.assertEq(registrations.registration(id).transferredRights, 1, "resource holding right left the registrant");
        vm.assertEq(certificates.ownerOf(newToken), bob, "issued to the new holder");
        vm.assertEq(certificates.balanceOf(alice), 0, "old certificate retired");
    }

    // =========================================================================================================
    // Callers
    // =========================================================================================================

    /// @dev Everyone who is not the registration's authority: reviewers and regulators included.
    function _notTheAuthority() internal view returns (address[] memory callers) {
        callers = new address[](6);
        callers[0] = reviewer;
        callers[1] = regulator;
        callers[2] = otherAuthority;
        callers[3] = admin;
        callers[4] = alice;
        callers[5] = stranger;
    }

    function _notReviewers() internal view returns (address[] memory callers) {
        callers = new address[](5);
        callers[0] = regulator;
        callers[1] = otherAuthority;
        callers[2] = admin;
        callers[3] = alice;
        callers[4] = stranger;
    }

    function _notRegulators() internal view returns (address[] memory callers) {
        callers = new address[](6);
        callers[0] = authority;
        callers[1] = reviewer;
        callers[2] = admin;
        callers[3] = pauser;
        callers[4] = alice;
        callers[5] = stranger;
    }
}

/// @notice The registry on its own, before a rights module is connected: the registrant holds every right it
/// claimed, and a connected module (here a stub whose answers the test sets) is deferred to. Every test of
/// `RegistrationsTest` runs again in this configuration.
contract RegistrationsWithoutRightsModuleTest is LedgerFixture {
    function connectsRights() internal pure override returns (bool) {
        return false;
    }

    function test_before_a_module_is_connected_the_registrant_holds_and_may_derive() public {
        uint256 parent = certified(bobKey);
        vm.assertEq(address(registrations.rights()), address(0), "not connected");
        vm.assertEq(registrations.holderOf(parent), bob, "registrant holds");
        _expectParentRefused(
            parent, abi.encodeWithSelector(IRegistrations.ProcessingRightNotHeld.selector, parent, alice)
        );
        IRegistrations.Submission memory a = application(bob);
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        uint256 child = submitSigned(bobKey, a);
        assertStatus(child, IRegistrations.Status.Submitted, "own processing right");
    }

    function test_before_a_module_is_connected_no_one_can_record_a_transfer() public {
        uint256 id = certified(aliceKey);
        address[] memory callers = new address[](3);
        callers[0] = authority;
        callers[1] = address(rights);
        callers[2] = admin;
        _assertRefused(callers, abi.encodeCall(Registrations.recordTransfer, (id, 1, bob, true)), _notRightsModule);
    }

    function test_rights_module_is_connected_once_and_only_by_the_admin() public {
        StubRights rightsModule = new StubRights();
        address[] memory callers = new address[](3);
        callers[0] = regulator;
        callers[1] = authority;
        callers[2] = stranger;
        _assertRefused(callers, abi.encodeCall(Registrations.setRights, (rightsModule)), _notAdmin);

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.RightsModuleSet(address(rightsModule));
        vm.prank(admin);
        registrations.setRights(rightsModule);
        vm.assertEq(address(registrations.rights()), address(rightsModule), "connected");

        StubRights another = new StubRights();
        vm.expectRevert(IRegistrations.RightsModuleAlreadySet.selector);
        vm.prank(admin);
        registrations.setRights(another);
    }

    function test_connected_rights_module_names_the_holder_who_signs_once_a_right_moved() public {
        uint256 id = certified(aliceKey);
        StubRights rightsModule = new StubRights();
        vm.prank(admin);
        registrations.setRights(rightsModule);
        rightsModule.setHolder(id, bob);
        vm.assertEq(registrations.holderOf(id), alice, "no right moved: the registrant, without asking");
        vm.prank(address(rightsModule));
        registrations.recordTransfer(id, 1, bob, true);
        vm.assertEq(registrations.holderOf(id), bob, "holder from the rights module");

        _expectChangeRefused(id, nextDigest("v2"), abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, bob));
        requestChangeAs(bobKey, id, nextDigest("v2"));
    }

    function test_cancel_is_refused_while_the_rights_module_reports_an_encumbrance() public {
        uint256 id = certified(aliceKey);
        StubRights rightsModule = new StubRights();
        vm.prank(admin);
        registrations.setRights(rightsModule);
        rightsModule.setHolder(id, alice);
        rightsModule.setEncumbered(id, true);
        bytes32 reason = keccak256("r");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, reason);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.RightsNotFree.selector, id));
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);

        rightsModule.setEncumbered(id, false);
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);
        assertStatus(id, IRegistrations.Status.Cancelled, "cancelled once released");
    }

    function test_derivation_from_a_processing_right_that_left_the_registrant_asks_the_module() public {
        uint256 parent = certified(aliceKey);
        StubRights rightsModule = new StubRights();
        vm.prank(admin);
        registrations.setRights(rightsModule);
        vm.prank(address(rightsModule));
        registrations.recordTransfer(parent, 2, bob, false);
        _expectParentRefused(
            parent, abi.encodeWithSelector(IRegistrations.ProcessingRightNotHeld.selector, parent, alice)
        );
        rightsModule.setProcessor(parent, alice, true);
        IRegistrations.Submission memory a = application(alice);
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        submitSigned(aliceKey, a);
    }

    function test_derivation_under_a_connected_rights_module_needs_its_processing_licence() public {
        uint256 parent = certified(bobKey);
        StubRights rightsModule = new StubRights();
        vm.prank(admin);
        registrations.setRights(rightsModule);
        _expectParentRefused(
            parent, abi.encodeWithSelector(IRegistrations.ProcessingRightNotHeld.selector, parent, alice)
        );

        rightsModule.setProcessor(parent, alice, true);
        IRegistrations.Submission memory a = application(alice);
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        uint256 child = submitSigned(aliceKey, a);
        assertStatus(child, IRegistrations.Status.Submitted, "licensed derivation accepted");
    }

    function _expectParentRefused(uint256 parent, bytes memory expected) internal {
        IRegistrations.Submission memory a = application(alice);
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        bytes memory signature = signSubmission(aliceKey, a);
        vm.expectRevert(expected);
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    function _expectChangeRefused(uint256 id, bytes32 manifest, bytes memory expected) internal {
        bytes32 data = nextDigest("data");
        (uint256 nonce, uint256 deadline, bytes memory signature) = signChangeRequest(aliceKey, id, manifest, data);
        vm.expectRevert(expected);
        vm.prank(relayer);
        registrations.requestChange(id, manifest, data, nonce, deadline, signature);
    }
}
