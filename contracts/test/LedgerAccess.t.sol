// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {LedgerAccess} from "../src/LedgerAccess.sol";
import {ILedgerAccess} from "../src/interfaces/ILedgerAccess.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @notice Roles, registration authorities and admitted parties.
contract LedgerAccessTest is LedgerFixture {
    /// @dev Storage slot of the authority counter: after AccessControl's role mapping (slot 0).
    bytes32 internal constant AUTHORITY_COUNT_SLOT = bytes32(uint256(1));

    function _notAllowed(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
    }

    // =========================================================================================================
    // Roles
    // =========================================================================================================

    function test_constructor_refuses_a_zero_admin() public {
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        new LedgerAccess(address(0));
    }

    function test_role_identifiers_are_the_hashes_of_their_names() public view {
        vm.assertEq(access.DEFAULT_ADMIN_ROLE(), bytes32(0), "admin");
        vm.assertEq(access.AUTHORITY_ROLE(), keccak256("AUTHORITY_ROLE"), "authority");
        vm.assertEq(access.REVIEWER_ROLE(), keccak256("REVIEWER_ROLE"), "reviewer");
        vm.assertEq(access.REGULATOR_ROLE(), keccak256("REGULATOR_ROLE"), "regulator");
        vm.assertEq(access.PARTY_ADMIN_ROLE(), keccak256("PARTY_ADMIN_ROLE"), "party admin");
        vm.assertEq(access.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "pauser");
        vm.assertTrue(access.hasRole(LedgerRoles.ADMIN, admin), "admin holds the admin role");
        vm.assertTrue(access.hasRole(LedgerRoles.AUTHORITY, authority), "authority role granted on registration");
    }

    function test_roles_are_granted_and_revoked_only_by_the_admin() public {
        bytes32 reviewerRole = LedgerRoles.REVIEWER;
        vm.expectRevert(_notAllowed(stranger, LedgerRoles.ADMIN));
        vm.prank(stranger);
        access.grantRole(reviewerRole, stranger);
        vm.expectRevert(_notAllowed(regulator, LedgerRoles.ADMIN));
        vm.prank(regulator);
        access.revokeRole(reviewerRole, reviewer);

        vm.prank(admin);
        access.revokeRole(reviewerRole, reviewer);
        vm.assertFalse(access.hasRole(reviewerRole, reviewer), "revoked");
        uint256 id = submitted(aliceKey);
        vm.expectRevert(unauthorized(reviewer));
        vm.prank(reviewer);
        registrations.accept(id);
    }

    // =========================================================================================================
    // Authorities
    // =========================================================================================================

    function test_register_authority_assigns_the_next_id_and_grants_the_authority_role() public {
        address account = actor("third authority");
        bytes32 code = keccak256("authority:GZDEX");
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.AuthorityRegistered(3, account, code);
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.AuthorityParametersChanged(3, 15 days, 730 days);
        vm.prank(admin);
        uint16 id = access.registerAuthority(account, code, 15 days, 730 days);

        vm.assertEq(id, 3, "ids run from 1");
        vm.assertEq(authorityId, 1, "first authority is 1");
        vm.assertEq(access.authorityCount(), 3, "count");
        vm.assertEq(access.authorityIdOf(account), 3, "id of account");
        vm.assertEq(access.authorityIdOf(stranger), 0, "0 means none");
        vm.assertTrue(access.hasRole(LedgerRoles.AUTHORITY, account), "role");
        ILedgerAccess.Authority memory record = access.authority(id);
        vm.assertEq(record.account, account, "account");
        vm.assertEq(record.code, code, "code");
        vm.assertEq(record.noticePeriod, 15 days, "notice");
        vm.assertEq(record.reviewInterval, 730 days, "review");
        (address termsAccount, uint40 notice, uint40 review) = access.authorityTerms(id);
        vm.assertEq(termsAccount, account, "terms account");
        vm.assertEq(notice, 15 days, "terms notice");
        vm.assertEq(review, 730 days, "terms review");
    }

    function test_register_authority_by_anyone_but_the_admin_is_refused() public {
        address[] memory callers = new address[](3);
        callers[0] = authority;
        callers[1] = regulator;
        callers[2] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(_notAllowed(callers[i], LedgerRoles.ADMIN));
            vm.prank(callers[i]);
            access.registerAuthority(callers[i], keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        }
    }

    function test_register_authority_without_account_or_code_is_refused() public {
        vm.startPrank(admin);
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.registerAuthority(address(0), keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.registerAuthority(stranger, bytes32(0), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.stopPrank();
    }

    function test_register_authority_for_an_account_already_acting_is_refused() public {
        vm.expectRevert(abi.encodeWithSelector(ILedgerAccess.AccountAlreadyAuthority.selector, authority));
        vm.prank(admin);
        access.registerAuthority(authority, keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
    }

    function testFuzz_authority_periods_outside_one_second_to_ten_years_are_refused(
        uint40 noticePeriod,
        uint40 reviewInterval
    ) public {
        uint40 max = access.MAX_PERIOD();
        vm.assume(noticePeriod == 0 || reviewInterval == 0 || noticePeriod > max || reviewInterval > max);
        bytes memory refused =
            abi.encodeWithSelector(ILedgerAccess.InvalidPeriod.selector, noticePeriod, reviewInterval);
        vm.expectRevert(refused);
        vm.prank(admin);
        access.registerAuthority(stranger, keccak256("code"), noticePeriod, reviewInterval);
        vm.expectRevert(refused);
        vm.prank(authority);
        access.setAuthorityParameters(authorityId, noticePeriod, reviewInterval);
    }

    function testFuzz_authority_periods_within_range_are_accepted(uint40 noticePeriod, uint40 reviewInterval) public {
        uint40 max = access.MAX_PERIOD();
        // casting to uint40 is safe: both values are bounded by MAX_PERIOD, itself a uint40
        // forge-lint: disable-next-line(unsafe-typecast)
        noticePeriod = uint40(bound(noticePeriod, 1, max));
        // forge-lint: disable-next-line(unsafe-typecast)
        reviewInterval = uint40(bound(reviewInterval, 1, max));
        vm.prank(admin);
        uint16 id = access.registerAuthority(stranger, keccak256("code"), noticePeriod, reviewInterval);
        (, uint40 notice, uint40 review) = access.authorityTerms(id);
        vm.assertEq(notice, noticePeriod, "notice");
        vm.assertEq(review, reviewInterval, "review");
    }

    function test_register_authority_beyond_the_last_id_is_refused() public {
        vm.assertEq(uint256(vm.load(address(access), AUTHORITY_COUNT_SLOT)), 2, "counter slot");
        vm.store(address(access), AUTHORITY_COUNT_SLOT, bytes32(uint256(type(uint16).max)));
        vm.assertEq(access.authorityCount(), type(uint16).max, "counter at its maximum");
        vm.expectRevert(ILedgerAccess.TooManyAuthorities.selector);
        vm.prank(admin);
        access.registerAuthority(stranger, keccak256("code"), NOTICE_PERIOD, REVIEW_INTERVAL);
    }

    function test_unknown_authority_cannot_be_read() public {
        bytes memory unknownZero = abi.encodeWithSelector(ILedgerAccess.UnknownAuthority.selector, 0);
        bytes memory unknown = abi.encodeWithSelector(ILedgerAccess.UnknownAuthority.selector, 99);
        vm.expectRevert(unknownZero);
        access.authority(0);
        vm.expectRevert(unknown);
        access.authority(99);
        vm.expectRevert(unknown);
        access.authorityTerms(99);
    }

    function test_rotated_authority_key_moves_the_role_and_the_power_to_act() public {
        address newKey = actor("authority:new-key");
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.AuthorityAccountChanged(authorityId, authority, newKey);
        vm.prank(admin);
        access.changeAuthorityAccount(authorityId, newKey);

        vm.assertFalse(access.hasRole(LedgerRoles.AUTHORITY, authority), "old key loses the role");
        vm.assertTrue(access.hasRole(LedgerRoles.AUTHORITY, newKey), "new key holds it");
        vm.assertEq(access.authorityIdOf(authority), 0, "old key acts for none");
        vm.assertEq(access.authorityIdOf(newKey), authorityId, "new key acts for the authority");
        vm.assertEq(access.authority(authorityId).account, newKey, "record");

        uint256 id = underReview(aliceKey);
        vm.expectRevert(unauthorized(authority));
        vm.prank(authority);
        registrations.approve(id);
        vm.prank(newKey);
        registrations.approve(id);
        assertStatus(id, IRegistrations.Status.PublicNotice, "new key approves");
    }

    function test_rotating_an_authority_key_is_checked() public {
        vm.expectRevert(_notAllowed(authority, LedgerRoles.ADMIN));
        vm.prank(authority);
        access.changeAuthorityAccount(authorityId, stranger);

        vm.startPrank(admin);
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.changeAuthorityAccount(authorityId, address(0));
        vm.expectRevert(abi.encodeWithSelector(ILedgerAccess.AccountAlreadyAuthority.selector, otherAuthority));
        access.changeAuthorityAccount(authorityId, otherAuthority);
        vm.expectRevert(abi.encodeWithSelector(ILedgerAccess.UnknownAuthority.selector, 42));
        access.changeAuthorityAccount(42, stranger);
        vm.stopPrank();
    }

    function test_authority_sets_its_own_periods_for_notices_opened_from_now_on() public {
        uint256 running = inNotice(aliceKey);
        uint40 runningEnd = noticeEndsAt(running);

        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.AuthorityParametersChanged(authorityId, 5 days, 90 days);
        vm.prank(authority);
        access.setAuthorityParameters(authorityId, 5 days, 90 days);

        vm.assertEq(noticeEndsAt(running), runningEnd, "running window keeps its end");
        uint256 next = inNotice(aliceKey);
        vm.assertEq(noticeEndsAt(next), block.timestamp + 5 days, "new window uses the new period");
    }

    function test_authority_periods_are_set_only_by_the_authority_account() public {
        address[] memory callers = new address[](3);
        callers[0] = otherAuthority;
        callers[1] = admin;
        callers[2] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ILedgerAccess.NotAuthorityAccount.selector, authorityId, callers[i]));
            vm.prank(callers[i]);
            access.setAuthorityParameters(authorityId, 1 days, 1 days);
        }
        vm.expectRevert(abi.encodeWithSelector(ILedgerAccess.UnknownAuthority.selector, 9));
        vm.prank(authority);
        access.setAuthorityParameters(9, 1 days, 1 days);
    }

    // =========================================================================================================
    // Parties
    // =========================================================================================================

    function test_admitted_party_records_its_identity_commitment() public {
        bytes32 commitment = keccak256("salted identity documents");
        vm.warp(START + 1 hours);
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.PartyAdmitted(carol, commitment);
        vm.prank(partyAdmin);
        access.admitParty(carol, commitment);

        ILedgerAccess.Party memory p = access.party(carol);
        vm.assertEq(uint256(p.status), uint256(ILedgerAccess.PartyStatus.Admitted), "admitted");
        vm.assertEq(p.admittedAt, START + 1 hours, "admitted at");
        vm.assertEq(p.identityCommitment, commitment, "commitment");
        vm.assertTrue(access.isAdmitted(carol), "isAdmitted");
        vm.assertFalse(access.isAdmitted(stranger), "never admitted");
    }

    function test_admission_by_anyone_but_a_party_admin_is_refused() public {
        address[] memory callers = new address[](3);
        callers[0] = admin;
        callers[1] = regulator;
        callers[2] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(_notAllowed(callers[i], LedgerRoles.PARTY_ADMIN));
            vm.prank(callers[i]);
            access.admitParty(carol, keccak256("identity"));
        }
    }

    function test_admission_without_account_or_commitment_is_refused() public {
        vm.startPrank(partyAdmin);
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.admitParty(address(0), keccak256("identity"));
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.admitParty(carol, bytes32(0));
        vm.stopPrank();
    }

    function test_regulator_suspends_a_party_until_readmitted() public {
        bytes32 reason = keccak256("dishonest conduct");
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.PartySuspended(alice, reason);
        vm.prank(regulator);
        access.suspendParty(alice, reason);
        ILedgerAccess.Party memory p = access.party(alice);
        vm.assertEq(uint256(p.status), uint256(ILedgerAccess.PartyStatus.Suspended), "suspended");
        vm.assertEq(p.identityCommitment, keccak256("identity:alice"), "commitment kept");
        vm.assertFalse(access.isAdmitted(alice), "not admitted while suspended");

        vm.prank(partyAdmin);
        access.admitParty(alice, keccak256("identity:alice:rechecked"));
        vm.assertTrue(access.isAdmitted(alice), "re-admitted");
    }

    function test_suspension_by_anyone_but_a_regulator_or_without_reason_is_refused() public {
        address[] memory callers = new address[](3);
        callers[0] = admin;
        callers[1] = partyAdmin;
        callers[2] = authority;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(_notAllowed(callers[i], LedgerRoles.REGULATOR));
            vm.prank(callers[i]);
            access.suspendParty(alice, keccak256("reason"));
        }
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        vm.prank(regulator);
        access.suspendParty(alice, bytes32(0));
    }
}
