// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {Registrations} from "../src/Registrations.sol";
import {IAuthorities} from "../src/interfaces/IAuthorities.sol";
import {ILedgerErrors} from "../src/interfaces/ILedgerErrors.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @notice The registration authorities kept by the registry: registered by the ledger's administrator, their
/// acting key rotated without changing their id, their notice and review periods set by themselves.
contract AuthoritiesTest is LedgerFixture {
    /// @dev Storage slot of the authority counter: the first state variable of Authorities, which comes after the
    /// two fallback strings of EIP-712 (`forge inspect Registrations storageLayout`).
    bytes32 internal constant AUTHORITY_COUNT_SLOT = bytes32(uint256(2));

    // =========================================================================================================
    // Registering an authority
    // =========================================================================================================

    function test_register_authority_assigns_the_next_id_and_records_its_terms() public {
        address account = actor("third authority");
        bytes32 code = keccak256("authority:GZDEX");
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IAuthorities.AuthorityRegistered(3, account, code);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IAuthorities.AuthorityParametersChanged(3, 15 days, 730 days);
        vm.prank(admin);
        uint16 id = registrations.registerAuthority(account, code, 15 days, 730 days);

        vm.assertEq(id, 3, "ids run from 1");
        vm.assertEq(authorityId, 1, "first authority is 1");
        vm.assertEq(registrations.authorityCount(), 3, "count");
        vm.assertEq(registrations.authorityIdOf(account), 3, "id of account");
        vm.assertEq(registrations.authorityIdOf(stranger), 0, "0 means none");
        IAuthorities.Authority memory record = registrations.authority(id);
        vm.assertEq(record.account, account, "account");
        vm.assertEq(record.code, code, "code");
        vm.assertEq(record.noticePeriod, 15 days, "notice");
        vm.assertEq(record.reviewInterval, 730 days, "review");
        (address termsAccount, uint40 notice, uint40 review) = registrations.authorityTerms(id);
        vm.assertEq(termsAccount, account, "terms account");
        vm.assertEq(notice, 15 days, "terms notice");
        vm.assertEq(review, 730 days, "terms review");
        vm.assertFalse(access.hasRole(keccak256("AUTHORITY_ROLE"), account), "no role in the access contract");
    }

    function test_registered_authority_handles_the_registrations_addressed_to_it() public {
        address account = actor("third authority");
        vm.prank(admin);
        uint16 id = registrations.registerAuthority(account, keccak256("authority:GZDEX"), 15 days, 730 days);
        uint256 registrationId = submittedTo(aliceKey, id);
        vm.prank(reviewer);
        registrations.accept(registrationId);
        vm.expectRevert(notAuthority(id, authority));
        vm.prank(authority);
        registrations.approve(registrationId);
        vm.prank(account);
        registrations.approve(registrationId);
        vm.assertEq(noticeEndsAt(registrationId), block.timestamp + 15 days, "its own notice period");
    }

    function test_register_authority_by_anyone_but_the_admin_is_refused() public {
        address[] memory callers = new address[](6);
        callers[0] = authority;
        callers[1] = reviewer;
        callers[2] = regulator;
        callers[3] = partyAdmin;
        callers[4] = pauser;
        callers[5] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(missingRole(callers[i], LedgerRoles.ADMIN));
            vm.prank(callers[i]);
            registrations.registerAuthority(callers[i], keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        }
        vm.assertEq(registrations.authorityCount(), 2, "none registered");
    }

    /// @dev Who administers authorities is the ledger's admin role, read from the access contract on every call.
    function test_authority_administration_follows_the_ledger_admin_role() public {
        address newAdmin = actor("newAdmin");
        vm.prank(admin);
        access.beginDefaultAdminTransfer(newAdmin);
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.prank(newAdmin);
        access.acceptDefaultAdminTransfer();

        vm.expectRevert(missingRole(admin, LedgerRoles.ADMIN));
        vm.prank(admin);
        registrations.registerAuthority(stranger, keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.expectRevert(missingRole(admin, LedgerRoles.ADMIN));
        vm.prank(admin);
        registrations.changeAuthorityAccount(authorityId, stranger);

        vm.prank(newAdmin);
        uint16 id = registrations.registerAuthority(stranger, keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.assertEq(id, 3, "registered by the new admin");
    }

    function test_register_authority_without_account_or_code_is_refused() public {
        vm.startPrank(admin);
        vm.expectRevert(IAuthorities.InvalidAuthority.selector);
        registrations.registerAuthority(address(0), keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.expectRevert(IAuthorities.InvalidAuthority.selector);
        registrations.registerAuthority(stranger, bytes32(0), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.stopPrank();
    }

    function test_register_authority_for_an_account_already_acting_is_refused() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.AccountAlreadyAuthority.selector, authority));
        registrations.registerAuthority(authority, keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.AccountAlreadyAuthority.selector, otherAuthority));
        registrations.registerAuthority(otherAuthority, keccak256("another code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.stopPrank();
    }

    function testFuzz_authority_periods_outside_one_second_to_ten_years_are_refused(
        uint40 noticePeriod,
        uint40 reviewInterval
    ) public {
        uint40 max = registrations.MAX_PERIOD();
        vm.assume(noticePeriod == 0 || reviewInterval == 0 || noticePeriod > max || reviewInterval > max);
        bytes memory refused = abi.encodeWithSelector(IAuthorities.InvalidPeriod.selector, noticePeriod, reviewInterval);
        vm.expectRevert(refused);
        vm.prank(admin);
        registrations.registerAuthority(stranger, keccak256("code"), noticePeriod, reviewInterval);
        vm.expectRevert(refused);
        vm.prank(authority);
        registrations.setAuthorityParameters(authorityId, noticePeriod, reviewInterval);
    }

    function testFuzz_authority_periods_within_range_are_accepted(uint40 noticePeriod, uint40 reviewInterval) public {
        uint40 max = registrations.MAX_PERIOD();
        // casting to uint40 is safe: both values are bounded by MAX_PERIOD, itself a uint40
        // forge-lint: disable-next-line(unsafe-typecast)
        noticePeriod = uint40(bound(noticePeriod, 1, max));
        // forge-lint: disable-next-line(unsafe-typecast)
        reviewInterval = uint40(bound(reviewInterval, 1, max));
        vm.prank(admin);
        uint16 id = registrations.registerAuthority(stranger, keccak256("code"), noticePeriod, reviewInterval);
        (, uint40 notice, uint40 review) = registrations.authorityTerms(id);
        vm.assertEq(notice, noticePeriod, "notice");
        vm.assertEq(review, reviewInterval, "review");
    }

    function test_periods_of_one_second_and_of_ten_years_are_the_bounds() public {
        uint40 max = registrations.MAX_PERIOD();
        vm.assertEq(max, 3650 days, "ten years");
        vm.startPrank(authority);
        registrations.setAuthorityParameters(authorityId, 1, max);
        registrations.setAuthorityParameters(authorityId, max, 1);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.InvalidPeriod.selector, max + 1, 1));
        registrations.setAuthorityParameters(authorityId, max + 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.InvalidPeriod.selector, 1, max + 1));
        registrations.setAuthorityParameters(authorityId, 1, max + 1);
        vm.stopPrank();
    }

    function test_register_authority_beyond_the_last_id_is_refused() public {
        vm.assertEq(uint256(vm.load(address(registrations), AUTHORITY_COUNT_SLOT)), 2, "counter slot");
        vm.store(address(registrations), AUTHORITY_COUNT_SLOT, bytes32(uint256(type(uint16).max)));
        vm.assertEq(registrations.authorityCount(), type(uint16).max, "counter at its maximum");
        vm.expectRevert(IAuthorities.TooManyAuthorities.selector);
        vm.prank(admin);
        registrations.registerAuthority(stranger, keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
    }

    function test_unknown_authority_cannot_be_read() public {
        bytes memory unknownZero = abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 0);
        bytes memory unknown = abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 99);
        vm.expectRevert(unknownZero);
        registrations.authority(0);
        vm.expectRevert(unknown);
        registrations.authority(99);
        vm.expectRevert(unknown);
        registrations.authorityTerms(99);
    }

    /// @dev Authorities belong to one registry: a second registry on the same access contract starts with none.
    function test_authorities_of_one_registry_are_not_those_of_another() public {
        Registrations otherRegistry = new Registrations(access);
        vm.assertEq(otherRegistry.authorityCount(), 0, "no authority yet");
        vm.assertEq(otherRegistry.authorityIdOf(authority), 0, "the authority acts for none there");
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature =
            signDigest(aliceKey, typedDigest(address(otherRegistry), block.chainid, submissionStructHash(a)));
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, authorityId));
        vm.prank(relayer);
        otherRegistry.submit(a, signature);

        vm.prank(admin);
        otherRegistry.registerAuthority(authority, keccak256("authority:SZDEX"), 1 days, 1 days);
        vm.prank(relayer);
        uint256 id = otherRegistry.submit(a, signature);
        vm.assertEq(uint256(otherRegistry.statusOf(id)), uint256(IRegistrations.Status.Submitted), "submitted there");
        (, uint40 notice,) = registrations.authorityTerms(authorityId);
        vm.assertEq(notice, NOTICE_PERIOD, "this registry's terms untouched");
    }

    // =========================================================================================================
    // Key rotation
    // =========================================================================================================

    function test_rotated_authority_key_moves_the_power_to_act() public {
        address newKey = actor("authority:new-key");
        vm.prank(admin);
        registrations.changeAuthorityAccount(authorityId, newKey);
        vm.warp(block.timestamp + registrations.AUTHORITY_ACCOUNT_DELAY());
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IAuthorities.AuthorityAccountChanged(authorityId, authority, newKey);
        vm.prank(newKey);
        registrations.acceptAuthorityAccount(authorityId);

        vm.assertEq(registrations.authorityIdOf(authority), 0, "old key acts for none");
        vm.assertEq(registrations.authorityIdOf(newKey), authorityId, "new key acts for the authority");
        IAuthorities.Authority memory record = registrations.authority(authorityId);
        vm.assertEq(record.account, newKey, "record");
        vm.assertEq(record.code, keccak256("authority:SZDEX"), "code kept");
        vm.assertEq(record.noticePeriod, NOTICE_PERIOD, "notice period kept");
        vm.assertEq(record.reviewInterval, REVIEW_INTERVAL, "review interval kept");
        vm.assertEq(registrations.authorityCount(), 2, "no new authority");

        uint256 id = underReview(aliceKey);
        vm.expectRevert(notAuthority(authorityId, authority));
        vm.prank(authority);
        registrations.approve(id);
        vm.prank(newKey);
        registrations.approve(id);
        assertStatus(id, IRegistrations.Status.PublicNotice, "new key approves");
    }

    /// @dev A registration records its authority's id, not its key: one opened before the rotation is finished by
    /// the new key, and its certificate continues the authority's daily sequence.
    function test_registration_outlives_its_authority_key() public {
        uint256 before = certified(aliceKey);
        uint256 running = inNotice(aliceKey);
        uint256 disputed = certified(aliceKey);
        uint256 objectionId = objectAs(stranger, disputed);
        requestChangeAs(aliceKey, before, nextDigest("manifest v2"));

        address newKey = actor("authority:new-key");
        rotateAuthority(authorityId, newKey);
        vm.assertEq(registrations.registration(running).authorityId, authorityId, "authority id kept");

        vm.warp(noticeEndsAt(running));
        vm.expectRevert(notAuthority(authorityId, authority));
        vm.prank(authority);
        registrations.certify(running);
        vm.expectRevert(notAuthority(authorityId, authority));
        vm.prank(authority);
        registrations.approveChange(before);
        vm.expectRevert(notAuthority(authorityId, authority));
        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, keccak256("d"));
        vm.expectRevert(notAuthorityNorRole(authorityId, LedgerRoles.REGULATOR, authority));
        vm.prank(authority);
        registrations.revoke(disputed, keccak256("r"));

        vm.startPrank(newKey);
        uint256 tokenId = registrations.certify(running);
        registrations.approveChange(before);
        registrations.resolveObjection(objectionId, false, keccak256("d"));
        registrations.revoke(disputed, keccak256("r"));
        vm.stopPrank();

        ICertificates.Certificate memory c = certificates.certificate(tokenId);
        vm.assertEq(c.authorityId, authorityId, "certificate of the same authority");
        // The certificate of `disputed` was the first of that day, under the old key.
        vm.assertEq(c.number, 202504300002, "the authority's daily sequence continues across the rotation");
        vm.assertEq(registrations.registration(before).version, 2, "change approved by the new key");
        vm.assertFalse(registrations.isDisputed(disputed), "objection resolved by the new key");
        assertStatus(disputed, IRegistrations.Status.Revoked, "revoked by the new key");
    }

    function test_rotated_out_key_may_later_act_for_another_authority() public {
        address newKey = actor("authority:new-key");
        rotateAuthority(authorityId, newKey);
        vm.prank(admin);
        uint16 id = registrations.registerAuthority(authority, keccak256("authority:GZDEX"), 1 days, 1 days);
        vm.assertEq(registrations.authorityIdOf(authority), id, "acts for the new authority");
        vm.assertEq(registrations.authorityIdOf(newKey), authorityId, "the first authority keeps its new key");

        uint256 registrationId = underReview(aliceKey);
        vm.expectRevert(notAuthority(authorityId, authority));
        vm.prank(authority);
        registrations.approve(registrationId);
    }

    function test_rotating_an_authority_key_is_checked() public {
        vm.expectRevert(missingRole(authority, LedgerRoles.ADMIN));
        vm.prank(authority);
        registrations.changeAuthorityAccount(authorityId, stranger);
        vm.expectRevert(missingRole(regulator, LedgerRoles.ADMIN));
        vm.prank(regulator);
        registrations.changeAuthorityAccount(authorityId, stranger);

        vm.startPrank(admin);
        vm.expectRevert(IAuthorities.InvalidAuthority.selector);
        registrations.changeAuthorityAccount(authorityId, address(0));
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.AccountAlreadyAuthority.selector, otherAuthority));
        registrations.changeAuthorityAccount(authorityId, otherAuthority);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.AccountAlreadyAuthority.selector, authority));
        registrations.changeAuthorityAccount(authorityId, authority);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 42));
        registrations.changeAuthorityAccount(42, stranger);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 0));
        registrations.changeAuthorityAccount(0, stranger);
        vm.stopPrank();
        vm.assertEq(registrations.authority(authorityId).account, authority, "key unchanged");
    }

    // =========================================================================================================
    // Parameters
    // =========================================================================================================

    function test_authority_sets_its_own_periods_for_notices_opened_from_now_on() public {
        uint256 running = inNotice(aliceKey);
        uint40 runningEnd = noticeEndsAt(running);

        vm.expectEmit(true, true, true, true, address(registrations));
        emit IAuthorities.AuthorityParametersChanged(authorityId, 5 days, 90 days);
        vm.prank(authority);
        registrations.setAuthorityParameters(authorityId, 5 days, 90 days);

        vm.assertEq(noticeEndsAt(running), runningEnd, "running window keeps its end");
        uint256 next = inNotice(aliceKey);
        vm.assertEq(noticeEndsAt(next), block.timestamp + 5 days, "new window uses the new period");
        (address account, uint40 notice, uint40 review) = registrations.authorityTerms(authorityId);
        vm.assertEq(account, authority, "account unchanged");
        vm.assertEq(notice, 5 days, "notice");
        vm.assertEq(review, 90 days, "review");
        (, notice, review) = registrations.authorityTerms(otherAuthorityId);
        vm.assertEq(notice, OTHER_NOTICE_PERIOD, "other authority's notice untouched");
        vm.assertEq(review, OTHER_REVIEW_INTERVAL, "other authority's review untouched");
    }

    /// @dev The review interval applies from the next certification, annual review or renewal; a due date already
    /// set keeps its value.
    function test_new_review_interval_applies_to_due_dates_set_from_now_on() public {
        uint256 earlier = certified(aliceKey);
        uint40 earlierDue = registrations.registration(earlier).reviewDueAt;
        uint256 id = inNotice(aliceKey);
        vm.prank(authority);
        registrations.setAuthorityParameters(authorityId, NOTICE_PERIOD, 90 days);
        vm.assertEq(registrations.registration(earlier).reviewDueAt, earlierDue, "due date already set kept");

        vm.warp(noticeEndsAt(id));
        vm.prank(authority);
        registrations.certify(id);
        uint40 dueAt = registrations.registration(id).reviewDueAt;
        vm.assertEq(dueAt, block.timestamp + 90 days, "certified with the new interval");

        vm.warp(dueAt - 1 days);
        fileAnnualReviewAs(aliceKey, id, keccak256("report"));
        vm.assertEq(registrations.registration(id).reviewDueAt, dueAt + 90 days, "next review one new interval on");

        vm.warp(uint256(dueAt) + 90 days + 1);
        registrations.lapse(id);
        vm.prank(authority);
        registrations.setAuthorityParameters(authorityId, NOTICE_PERIOD, 30 days);
        vm.prank(authority);
        registrations.renew(id, keccak256("late report"));
        vm.assertEq(registrations.registration(id).reviewDueAt, block.timestamp + 30 days, "renewed with the interval");
    }

    function test_authority_periods_are_set_only_by_the_authority_account() public {
        address[] memory callers = new address[](5);
        callers[0] = otherAuthority;
        callers[1] = admin;
        callers[2] = reviewer;
        callers[3] = regulator;
        callers[4] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.NotAuthorityAccount.selector, authorityId, callers[i]));
            vm.prank(callers[i]);
            registrations.setAuthorityParameters(authorityId, 1 days, 1 days);
        }
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.UnknownAuthority.selector, 9));
        vm.prank(authority);
        registrations.setAuthorityParameters(9, 1 days, 1 days);
    }

    function test_authority_periods_after_a_key_rotation_are_set_by_the_new_key() public {
        address newKey = actor("authority:new-key");
        rotateAuthority(authorityId, newKey);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.NotAuthorityAccount.selector, authorityId, authority));
        vm.prank(authority);
        registrations.setAuthorityParameters(authorityId, 1 days, 1 days);
        vm.prank(newKey);
        registrations.setAuthorityParameters(authorityId, 1 days, 1 days);
        (, uint40 notice, uint40 review) = registrations.authorityTerms(authorityId);
        vm.assertEq(notice, 1 days, "notice");
        vm.assertEq(review, 1 days, "review");
    }
}
