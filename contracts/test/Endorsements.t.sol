// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerErrors} from "../src/interfaces/ILedgerErrors.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {IEndorsements} from "../src/interfaces/IEndorsements.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @notice Report endorsements by admitted third-party agencies: who may endorse what, and withdrawal.
contract EndorsementsTest is LedgerFixture {
    bytes32 internal constant REPORT = keccak256("valuation report");

    function endorseAs(address caller, uint256 registrationId, IEndorsements.ReportKind kind, bytes32 report) internal {
        vm.prank(caller);
        endorsements.endorse(registrationId, kind, report);
    }

    function expectEndorsementRefused(address caller, uint256 registrationId, bytes32 report, bytes memory expected)
        internal
    {
        vm.expectRevert(expected);
        vm.prank(caller);
        endorsements.endorse(registrationId, IEndorsements.ReportKind.Compliance, report);
    }

    // =========================================================================================================
    // Endorse
    // =========================================================================================================

    function test_agency_endorsement_is_recorded_with_its_signer() public {
        uint256 id = certified(aliceKey);
        vm.expectEmit(true, true, true, true, address(endorsements));
        emit IEndorsements.ReportEndorsed(REPORT, id, agency, IEndorsements.ReportKind.Valuation);
        endorseAs(agency, id, IEndorsements.ReportKind.Valuation, REPORT);

        IEndorsements.Endorsement memory e = endorsements.endorsementOf(agency, REPORT);
        vm.assertEq(e.registrationId, id, "registration");
        vm.assertEq(e.agency, agency, "signer");
        vm.assertEq(uint256(e.kind), uint256(IEndorsements.ReportKind.Valuation), "kind");
        vm.assertFalse(e.withdrawn, "in force");
        vm.assertTrue(endorsements.isEndorsed(REPORT, id, agency), "endorsed");
        vm.assertFalse(endorsements.isEndorsed(REPORT, id + 1, agency), "about this registration only");
        vm.assertFalse(endorsements.isEndorsed(REPORT, id, stranger), "by this agency only");
        vm.assertFalse(endorsements.isEndorsed(keccak256("other"), id, address(0)), "nothing for an unknown report");
    }

    function test_endorsement_by_a_non_agency_is_refused() public {
        uint256 id = certified(aliceKey);
        address[5] memory callers = [alice, authority, regulator, admin, stranger];
        for (uint256 i = 0; i < callers.length; ++i) {
            expectEndorsementRefused(callers[i], id, REPORT, missingRole(callers[i], LedgerRoles.AGENCY));
        }
    }

    function testFuzz_endorsement_by_any_account_without_the_agency_role_is_refused(address caller) public {
        vm.assume(caller != agency);
        uint256 id = submitted(aliceKey);
        expectEndorsementRefused(caller, id, REPORT, missingRole(caller, LedgerRoles.AGENCY));
    }

    function test_endorsement_by_an_agency_not_admitted_or_suspended_is_refused() public {
        uint256 id = certified(aliceKey);
        address unadmitted = actor("unadmitted agency");
        vm.prank(admin);
        access.grantRole(LedgerRoles.AGENCY, unadmitted);
        expectEndorsementRefused(
            unadmitted, id, REPORT, abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, unadmitted)
        );
        vm.prank(regulator);
        access.suspendParty(agency, keccak256("dishonest"));
        expectEndorsementRefused(
            agency, id, REPORT, abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, agency)
        );
    }

    function test_endorsement_after_the_agency_role_is_revoked_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.prank(admin);
        access.revokeRole(LedgerRoles.AGENCY, agency);
        expectEndorsementRefused(agency, id, REPORT, missingRole(agency, LedgerRoles.AGENCY));
    }

    function test_endorsement_without_a_report_digest_is_refused() public {
        uint256 id = certified(aliceKey);
        expectEndorsementRefused(agency, id, bytes32(0), abi.encodeWithSelector(ILedgerErrors.MissingDigest.selector));
    }

    /// @dev Once by each agency: a rival agency endorsing the same digest does not stop the report's own agency.
    function test_report_is_endorsed_once_by_each_agency() public {
        uint256 id = certified(aliceKey);
        endorseAs(agency, id, IEndorsements.ReportKind.Quality, REPORT);
        bytes memory twice = abi.encodeWithSelector(IEndorsements.ReportAlreadyEndorsed.selector, REPORT);
        expectEndorsementRefused(agency, id, REPORT, twice);
        address other = actor("other agency");
        vm.prank(admin);
        access.grantRole(LedgerRoles.AGENCY, other);
        vm.prank(partyAdmin);
        access.admitParty(other, keccak256("identity:other agency"));
        endorseAs(other, id, IEndorsements.ReportKind.Quality, REPORT);
        expectEndorsementRefused(other, id, REPORT, twice);
        vm.prank(agency);
        endorsements.withdraw(REPORT, keccak256("error"));
        expectEndorsementRefused(agency, id, REPORT, twice);
    }

    function test_reports_are_endorsed_while_the_registration_is_under_way_or_in_force() public {
        uint256 submittedId = submitted(aliceKey);
        uint256 noticeId = inNotice(aliceKey);
        uint256 certifiedId = certified(aliceKey);
        uint256 frozenId = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(frozenId, keccak256("investigation"));
        uint256 lapsedId = lapsed(aliceKey);
        uint256[5] memory ids = [submittedId, noticeId, certifiedId, frozenId, lapsedId];
        for (uint256 i = 0; i < ids.length; ++i) {
            bytes32 report = keccak256(abi.encode("report", i));
            endorseAs(agency, ids[i], IEndorsements.ReportKind.Compliance, report);
            vm.assertTrue(endorsements.isEndorsed(report, ids[i], agency), vm.toString(i));
        }
    }

    function test_reports_about_unknown_rejected_revoked_or_cancelled_registrations_are_refused() public {
        uint256 rejected = submitted(aliceKey);
        vm.prank(reviewer);
        registrations.reject(rejected, keccak256("reason"));
        uint256 revoked = certified(aliceKey);
        vm.prank(authority);
        registrations.revoke(revoked, keccak256("reason"));
        uint256 cancelled = certified(aliceKey);
        cancelAs(aliceKey, cancelled, keccak256("reason"));
        uint256[4] memory ids = [uint256(999), rejected, revoked, cancelled];
        for (uint256 i = 0; i < ids.length; ++i) {
            expectEndorsementRefused(
                agency, ids[i], REPORT, abi.encodeWithSelector(IEndorsements.RegistrationNotEndorsable.selector, ids[i])
            );
        }
    }

    // =========================================================================================================
    // Withdraw
    // =========================================================================================================

    function test_agency_withdraws_its_endorsement_which_stays_on_record() public {
        uint256 id = certified(aliceKey);
        endorseAs(agency, id, IEndorsements.ReportKind.Valuation, REPORT);
        vm.expectEmit(true, true, true, true, address(endorsements));
        emit IEndorsements.EndorsementWithdrawn(REPORT, id, agency, keccak256("revised valuation"));
        vm.prank(agency);
        endorsements.withdraw(REPORT, keccak256("revised valuation"));
        IEndorsements.Endorsement memory e = endorsements.endorsementOf(agency, REPORT);
        vm.assertTrue(e.withdrawn, "withdrawn");
        vm.assertEq(e.agency, agency, "signer kept");
        vm.assertFalse(endorsements.isEndorsed(REPORT, id, agency), "no longer endorsed");
        vm.expectRevert(abi.encodeWithSelector(IEndorsements.NotEndorsedByCaller.selector, REPORT, agency));
        vm.prank(agency);
        endorsements.withdraw(REPORT, keccak256("again"));
    }

    function test_only_the_endorsing_agency_may_withdraw() public {
        uint256 id = certified(aliceKey);
        endorseAs(agency, id, IEndorsements.ReportKind.Valuation, REPORT);
        address[4] memory callers = [alice, authority, regulator, admin];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IEndorsements.NotEndorsedByCaller.selector, REPORT, callers[i]));
            vm.prank(callers[i]);
            endorsements.withdraw(REPORT, keccak256("reason"));
        }
        vm.expectRevert(
            abi.encodeWithSelector(IEndorsements.NotEndorsedByCaller.selector, keccak256("unknown"), agency)
        );
        vm.prank(agency);
        endorsements.withdraw(keccak256("unknown"), keccak256("reason"));
    }

    function test_suspended_agency_may_still_withdraw() public {
        uint256 id = certified(aliceKey);
        endorseAs(agency, id, IEndorsements.ReportKind.Valuation, REPORT);
        vm.prank(regulator);
        access.suspendParty(agency, keccak256("dishonest"));
        vm.prank(agency);
        endorsements.withdraw(REPORT, keccak256("reason"));
        vm.assertTrue(endorsements.endorsementOf(agency, REPORT).withdrawn, "withdrawn");
    }

    function test_while_paused_nothing_is_endorsed_but_endorsements_can_be_withdrawn() public {
        uint256 id = certified(aliceKey);
        endorseAs(agency, id, IEndorsements.ReportKind.Valuation, REPORT);
        vm.prank(pauser);
        registrations.pause();
        expectEndorsementRefused(
            agency, id, keccak256("another report"), abi.encodeWithSelector(ILedgerErrors.LedgerPaused.selector)
        );
        vm.prank(agency);
        endorsements.withdraw(REPORT, keccak256("reason"));
    }

    function test_endorsements_read_the_registry_and_its_access() public view {
        vm.assertEq(address(endorsements.registrations()), address(registrations), "registry");
        vm.assertEq(address(endorsements.access()), address(access), "access");
        vm.assertTrue(access.hasRole(access.AGENCY_ROLE(), agency), "agency role");
    }

    function test_unknown_registration_is_refused_even_before_any_exists() public {
        expectEndorsementRefused(
            agency, 1, REPORT, abi.encodeWithSelector(IEndorsements.RegistrationNotEndorsable.selector, 1)
        );
        vm.assertEq(uint256(registrations.statusOf(1)), uint256(IRegistrations.Status.None), "none");
    }
}
