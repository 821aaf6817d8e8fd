// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {Registrations} from "../src/Registrations.sol";
import {Rights} from "../src/Rights.sol";
import {IAuthorities} from "../src/interfaces/IAuthorities.sol";
import {IEndorsements} from "../src/interfaces/IEndorsements.sol";
import {ILedgerErrors} from "../src/interfaces/ILedgerErrors.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {IRights} from "../src/interfaces/IRights.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @title AttacksTest
/// @notice The attacks a registry must refuse (issue 11), each as the attacker would try it: a locked right, a
/// sub-licence used as a weapon, objection spam, one key ruling everything, cancellation to dodge a revocation, a
/// rival agency taking another's report, role escalation and replayed signatures. docs/threat-model.md names each
/// test.
contract AttacksTest is LedgerFixture {
    IRights.Right internal constant HOLDING = IRights.Right.ResourceHolding;
    IRights.Right internal constant PROCESSING = IRights.Right.ProcessingAndUse;
    uint256 internal constant YEAR = 365 days;
    /// @dev Storage slot of `Rights._rights`, after the two fallback strings of EIP-712.
    uint256 internal constant RIGHTS_SLOT = 2;

    address internal dave;
    uint256 internal daveKey;
    address internal erin;
    uint256 internal erinKey;
    address internal rivalAgency;

    function setUp() public override {
        super.setUp();
        (dave, daveKey) = actorWithKey("dave");
        (erin, erinKey) = actorWithKey("erin");
        rivalAgency = actor("rivalAgency");
        vm.startPrank(partyAdmin);
        access.admitParty(dave, keccak256("identity:dave"));
        access.admitParty(erin, keccak256("identity:erin"));
        access.admitParty(rivalAgency, keccak256("identity:rival"));
        vm.stopPrank();
        vm.prank(admin);
        access.grantRole(LedgerRoles.AGENCY, rivalAgency);
    }

    // =========================================================================================================
    // Item 1: no right can be locked
    // =========================================================================================================

    /// @dev Sets the counter of a right's first slot (its top 16 bits) to its maximum, as 65,535 licences and
    /// transfers would have.
    function _exhaustCounter(uint256 id, IRights.Right right) internal {
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(id, RIGHTS_SLOT))) + 2 * uint256(uint8(right)));
        uint256 word = uint256(vm.load(address(rights), slot));
        vm.store(address(rights), slot, bytes32(word | (uint256(type(uint16).max) << 240)));
        vm.assertEq(rights.nonceOf(id, right) & 0xffff, type(uint16).max, "counter at its maximum");
    }

    function test_pledged_right_is_released_even_after_the_most_changes_its_counter_holds() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        _exhaustCounter(id, HOLDING);
        vm.prank(dave);
        rights.release(id, HOLDING);
        vm.assertEq(uint256(rights.encumbranceOf(id, HOLDING).kind), 0, "released");
    }

    function test_right_is_transferred_by_law_and_a_transfer_rejected_even_after_the_most_changes() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, HOLDING);
        _exhaustCounter(id, HOLDING);
        vm.prank(authority);
        rights.rejectTransfer(id, HOLDING, keccak256("refused"));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, HOLDING, dave, keccak256("merger record"));
        vm.assertEq(rights.holderOf(id, HOLDING), dave, "moved by law");
        uint256 nonce = rights.nonceOf(id, HOLDING);
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, HOLDING, erin, keccak256("bankruptcy ruling"));
        vm.assertTrue(rights.nonceOf(id, HOLDING) > nonce, "the nonce still rises");
    }

    // =========================================================================================================
    // Item 3: sub-licences as a weapon
    // =========================================================================================================

    /// @dev `bob` holds a sublicensable processing licence of `id` for five years.
    function _sublicensor(uint256 id) internal returns (uint256 parent) {
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + 5 * YEAR
        );
        t.sublicensable = true;
        parent = grantLicenceAs(aliceKey, t);
    }

    function _sublicence(uint256 parent, uint256 id, address licensee, uint256 startsAt, uint256 endsAt)
        internal
        returns (uint256)
    {
        IRights.LicenceTerms memory t =
            licenceTerms(id, PROCESSING, bob, licensee, IRights.LicenceType.SubLicence, startsAt, endsAt);
        t.parentLicenceId = parent;
        t.nonce = rights.sublicenceNonceOf(parent);
        return grantLicenceAs(bobKey, t);
    }

    function test_sublicence_does_not_invalidate_the_holders_pending_signatures() public {
        uint256 id = certified(aliceKey);
        uint256 parent = _sublicensor(id);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, dave);
        bytes memory holderSignature = signTransfer(aliceKey, t);
        bytes memory newHolderSignature = signTransfer(daveKey, t);
        _sublicence(parent, id, erin, block.timestamp, block.timestamp + YEAR);
        vm.prank(relayer);
        rights.requestTransfer(t, holderSignature, newHolderSignature);
        vm.assertEq(rights.pendingTransferOf(id, PROCESSING).newHolder, dave, "the holder's signature still stands");
    }

    function test_later_ending_sublicence_not_yet_started_does_not_hide_a_current_licence() public {
        uint256 id = certified(aliceKey);
        uint256 parent = _sublicensor(id);
        licensed(
            aliceKey, id, PROCESSING, erin, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        vm.assertTrue(rights.mayProcess(id, erin), "licensed");
        _sublicence(parent, id, erin, block.timestamp + 30 days, block.timestamp + 4 * YEAR);
        vm.assertTrue(rights.mayProcess(id, erin), "the current licence still counts");
    }

    function test_revoked_sublicence_does_not_hide_a_current_licence() public {
        uint256 id = certified(aliceKey);
        uint256 parent = _sublicensor(id);
        licensed(
            aliceKey, id, PROCESSING, erin, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        uint256 weapon = _sublicence(parent, id, erin, block.timestamp, block.timestamp + 4 * YEAR);
        vm.prank(bob);
        rights.revokeLicence(weapon, keccak256("revoked at once"));
        vm.assertTrue(rights.mayProcess(id, erin), "the current licence still counts");
    }

    function test_sublicence_signature_cannot_be_used_twice() public {
        uint256 id = certified(aliceKey);
        uint256 parent = _sublicensor(id);
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, bob, erin, IRights.LicenceType.SubLicence, block.timestamp, block.timestamp + YEAR
        );
        t.parentLicenceId = parent;
        t.nonce = rights.sublicenceNonceOf(parent);
        bytes memory signature = signLicence(bobKey, t);
        vm.prank(relayer);
        rights.grantLicence(t, signature);
        vm.expectRevert(abi.encodeWithSelector(IRights.InvalidSublicenceNonce.selector, parent, t.nonce + 1));
        vm.prank(relayer);
        rights.grantLicence(t, signature);
    }

    // =========================================================================================================
    // Item 4: objection spam
    // =========================================================================================================

    function test_objection_by_an_account_never_admitted_is_refused() public {
        uint256 id = inNotice(aliceKey);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, carol));
        vm.prank(carol);
        registrations.fileObjection(id, keccak256("spam"));
    }

    function test_objection_by_a_suspended_party_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.prank(regulator);
        access.suspendParty(bob, keccak256("dishonest"));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, bob));
        vm.prank(bob);
        registrations.fileObjection(id, keccak256("spam"));
    }

    function test_authority_files_an_objection_for_a_member_of_the_public() public {
        uint256 id = inNotice(aliceKey);
        vm.prank(authority);
        uint256 objectionId = registrations.fileObjection(id, keccak256("evidence from the public"));
        vm.assertEq(registrations.objection(objectionId).objector, authority, "filed by the authority");
        assertStatus(id, IRegistrations.Status.Objected, "objected");
    }

    function test_open_objections_of_one_objector_are_bounded() public {
        uint256 bound = registrations.MAX_OPEN_OBJECTIONS_PER_OBJECTOR();
        uint256 first;
        for (uint256 i = 0; i < bound; ++i) {
            uint256 objectionId = objectAs(bob, certified(aliceKey));
            if (i == 0) first = objectionId;
        }
        uint256 id = certified(aliceKey);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.TooManyOpenObjections.selector, bob));
        vm.prank(bob);
        registrations.fileObjection(id, keccak256("one too many"));
        vm.prank(bob);
        registrations.withdrawObjection(first);
        objectAs(bob, id);
        vm.assertTrue(registrations.isDisputed(id), "one closed, another may be filed");
    }

    function test_objection_against_a_certified_registration_marks_it_disputed_only() public {
        uint256 id = certified(aliceKey);
        objectAs(bob, id);
        assertStatus(id, IRegistrations.Status.Certified, "still certified");
        vm.assertTrue(registrations.isDisputed(id), "disputed");
    }

    // =========================================================================================================
    // Item 7: one key rules everything
    // =========================================================================================================

    function test_admin_role_moves_only_in_two_steps_after_its_delay() public {
        address newAdmin = actor("newAdmin");
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(admin);
        access.grantRole(LedgerRoles.ADMIN, newAdmin);
        vm.prank(admin);
        access.beginDefaultAdminTransfer(newAdmin);
        (, uint48 schedule) = access.pendingDefaultAdmin();
        vm.assertEq(schedule, block.timestamp + ADMIN_DELAY, "scheduled after the delay");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
            )
        );
        vm.prank(newAdmin);
        access.acceptDefaultAdminTransfer();
        vm.warp(uint256(schedule) + 1);
        vm.prank(newAdmin);
        access.acceptDefaultAdminTransfer();
        vm.assertEq(access.defaultAdmin(), newAdmin, "moved");
        vm.assertFalse(access.hasRole(LedgerRoles.ADMIN, admin), "the old admin has no power left");
    }

    function test_authority_account_change_is_announced_and_takes_effect_only_after_its_delay() public {
        address attacker = actor("attacker");
        uint40 effectiveAt = uint40(block.timestamp) + registrations.AUTHORITY_ACCOUNT_DELAY();
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IAuthorities.AuthorityAccountChangeProposed(authorityId, authority, attacker, effectiveAt);
        vm.prank(admin);
        registrations.changeAuthorityAccount(authorityId, attacker);

        uint256 id = underReview(aliceKey);
        vm.expectRevert(notAuthority(authorityId, attacker));
        vm.prank(attacker);
        registrations.approve(id);
        vm.expectRevert(
            abi.encodeWithSelector(IAuthorities.AuthorityAccountChangeNotDue.selector, authorityId, effectiveAt)
        );
        vm.prank(attacker);
        registrations.acceptAuthorityAccount(authorityId);

        vm.prank(admin);
        registrations.cancelAuthorityAccountChange(authorityId);
        vm.warp(effectiveAt);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.NoAuthorityAccountChange.selector, authorityId));
        vm.prank(attacker);
        registrations.acceptAuthorityAccount(authorityId);
        vm.prank(authority);
        registrations.approve(id);
    }

    function test_authority_cannot_go_below_the_minimum_notice_period() public {
        uint40 minimum = 20 days;
        vm.prank(admin);
        registrations.setMinimumNoticePeriod(minimum);
        vm.expectRevert(abi.encodeWithSelector(IAuthorities.NoticeBelowMinimum.selector, 1, minimum));
        vm.prank(otherAuthority);
        registrations.setAuthorityParameters(otherAuthorityId, 1, OTHER_REVIEW_INTERVAL);

        // An authority that set a shorter period before the minimum rose gets the minimum.
        uint256 id = submittedTo(aliceKey, otherAuthorityId);
        vm.prank(reviewer);
        registrations.accept(id);
        vm.prank(otherAuthority);
        registrations.approve(id);
        vm.assertEq(noticeEndsAt(id), block.timestamp + minimum, "the admin's minimum applies");
        vm.expectRevert(missingRole(authority, LedgerRoles.ADMIN));
        vm.prank(authority);
        registrations.setMinimumNoticePeriod(1);
    }

    // =========================================================================================================
    // Item 8: cancellation to dodge a revocation; a rival agency
    // =========================================================================================================

    function test_cancellation_while_a_signed_transfer_awaits_approval_is_refused() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, HOLDING);
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, keccak256("dodge"));
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.RightsNotFree.selector, id));
        vm.prank(relayer);
        registrations.cancel(id, keccak256("dodge"), nonce, deadline, signature);
    }

    function test_cancellation_while_an_objection_is_open_is_refused() public {
        uint256 id = certified(aliceKey);
        objectAs(bob, id);
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, keccak256("dodge"));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.RegistrationDisputed.selector, id));
        vm.prank(relayer);
        registrations.cancel(id, keccak256("dodge"), nonce, deadline, signature);
    }

    function test_rival_agency_cannot_take_another_agencys_report_first() public {
        uint256 id = submitted(aliceKey);
        bytes32 report = keccak256("agency's valuation report");
        vm.prank(rivalAgency);
        endorsements.endorse(id, IEndorsements.ReportKind.Valuation, report);
        vm.prank(agency);
        endorsements.endorse(id, IEndorsements.ReportKind.Valuation, report);
        vm.assertTrue(endorsements.isEndorsed(report, id, agency), "the agency's own endorsement stands");
        vm.assertEq(endorsements.endorsementOf(agency, report).agency, agency, "kept under the agency");
        vm.prank(rivalAgency);
        endorsements.withdraw(report, keccak256("r"));
        vm.assertTrue(endorsements.isEndorsed(report, id, agency), "the rival withdraws only its own");
    }

    // =========================================================================================================
    // Role escalation
    // =========================================================================================================

    function test_registrant_cannot_call_reviewer_authority_regulator_or_admin_functions() public {
        uint256 id = certified(aliceKey);
        uint256 submittedId = submitted(aliceKey);
        vm.startPrank(alice);
        vm.expectRevert(notAuthorityNorRole(authorityId, LedgerRoles.REVIEWER, alice));
        registrations.accept(submittedId);
        vm.expectRevert(notAuthorityNorRole(authorityId, LedgerRoles.REGULATOR, alice));
        registrations.revoke(id, keccak256("r"));
        vm.expectRevert(missingRole(alice, LedgerRoles.REGULATOR));
        registrations.freeze(id, keccak256("r"));
        vm.expectRevert(missingRole(alice, LedgerRoles.ADMIN));
        registrations.registerAuthority(alice, keccak256("self"), NOTICE_PERIOD, REVIEW_INTERVAL);
        vm.expectRevert(missingRole(alice, LedgerRoles.ADMIN));
        registrations.changeAuthorityAccount(authorityId, alice);
        vm.expectRevert(missingRole(alice, LedgerRoles.ADMIN));
        registrations.setMinimumNoticePeriod(1);
        vm.expectRevert(missingRole(alice, LedgerRoles.PAUSER));
        registrations.pause();
        vm.expectRevert(notAuthority(authorityId, alice));
        rights.transferByOperationOfLaw(id, HOLDING, alice, keccak256("forged ruling"));
        vm.expectRevert(missingRole(alice, LedgerRoles.REGULATOR));
        rights.regulatorApproveTransfer(id, HOLDING);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, LedgerRoles.ADMIN)
        );
        access.grantRole(LedgerRoles.REGULATOR, alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, LedgerRoles.PARTY_ADMIN
            )
        );
        access.admitParty(carol, keccak256("identity:carol"));
        vm.stopPrank();
    }

    function test_authority_cannot_act_for_another_authority() public {
        uint256 id = certified(aliceKey);
        uint256 reviewed = underReview(aliceKey);
        encumberAs(aliceKey, id, PROCESSING, IRights.EncumbranceKind.Pledge, dave);
        vm.startPrank(otherAuthority);
        vm.expectRevert(notAuthority(authorityId, otherAuthority));
        registrations.approve(reviewed);
        vm.expectRevert(notAuthority(authorityId, otherAuthority));
        registrations.approveChange(id);
        vm.expectRevert(notAuthority(authorityId, otherAuthority));
        rights.transferByOperationOfLaw(id, HOLDING, otherAuthority, keccak256("ruling"));
        vm.expectRevert(notAuthority(authorityId, otherAuthority));
        rights.releaseByCourtOrder(id, PROCESSING, keccak256("court order"));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.NotAuthorityAccount.selector, authorityId, otherAuthority));
        registrations.setAuthorityParameters(authorityId, 1 days, 1 days);
        vm.stopPrank();
    }

    // =========================================================================================================
    // Replay
    // =========================================================================================================

    function test_submission_cannot_be_replayed() public {
        IRegistrations.Submission memory a = application(alice);
        bytes memory signature = signSubmission(aliceKey, a);
        vm.prank(relayer);
        registrations.submit(a, signature);
        vm.expectRevert();
        vm.prank(relayer);
        registrations.submit(a, signature);
        (uint64 count,) = registrations.counts();
        vm.assertEq(count, 1, "recorded once");
    }

    function test_submission_signed_for_another_chain_or_registry_is_refused() public {
        IRegistrations.Submission memory a = application(alice);
        bytes memory otherChain =
            signDigest(aliceKey, typedDigest(address(registrations), block.chainid + 1, submissionStructHash(a)));
        Registrations otherRegistry = new Registrations(access);
        bytes memory otherAddress =
            signDigest(aliceKey, typedDigest(address(otherRegistry), block.chainid, submissionStructHash(a)));
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, otherChain);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        registrations.submit(a, otherAddress);
    }

    function test_transfer_signed_before_the_right_changed_cannot_be_used_after() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, HOLDING, bob);
        bytes memory holderSignature = signTransfer(aliceKey, t);
        bytes memory newHolderSignature = signTransfer(bobKey, t);
        licensed(aliceKey, id, HOLDING, dave, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR);
        vm.expectRevert(
            abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, HOLDING, rights.nonceOf(id, HOLDING))
        );
        vm.prank(relayer);
        rights.requestTransfer(t, holderSignature, newHolderSignature);
    }

    function test_pledge_signature_cannot_be_used_again_after_its_release() public {
        uint256 id = certified(aliceKey);
        IRights.EncumbranceTerms memory t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        bytes memory signature = signEncumbrance(aliceKey, t);
        vm.prank(relayer);
        rights.encumber(t, signature);
        vm.prank(dave);
        rights.release(id, HOLDING);
        vm.expectRevert(
            abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, HOLDING, rights.nonceOf(id, HOLDING))
        );
        vm.prank(relayer);
        rights.encumber(t, signature);
    }

    function test_transfer_signed_for_another_rights_module_is_refused() public {
        uint256 id = certified(aliceKey);
        Rights otherModule = new Rights(registrations);
        IRights.TransferTerms memory t = transferTerms(id, HOLDING, bob);
        bytes32 digest = typedDigest(address(otherModule), block.chainid, transferStructHash(t));
        bytes memory holderSignature = signDigest(aliceKey, digest);
        bytes memory newHolderSignature = signDigest(bobKey, digest);
        vm.expectRevert(abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        vm.prank(relayer);
        rights.requestTransfer(t, holderSignature, newHolderSignature);
    }
}
