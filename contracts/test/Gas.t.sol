// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {IRights} from "../src/interfaces/IRights.sol";
import {IEndorsements} from "../src/interfaces/IEndorsements.sol";

/// @notice The gas of each ledger action, recorded in the "registry" snapshot group (contracts/snapshots).
/// @dev setUp leaves one registration in every state an action starts from, so each test is one transaction on
/// committed state; the ledger's accounts are cooled right before the measured call so its storage reads are
/// priced as in a real transaction. Figures are execution gas of the call, without the 21,000 intrinsic gas
/// and calldata.
contract GasTest is LedgerFixture {
    string internal constant GROUP = "registry";

    address internal dave;
    uint256 internal daveKey;
    uint256 internal parentA;
    uint256 internal parentB;
    uint256 internal lapsedId;
    uint256 internal certifiedId;
    uint256 internal pendingChangeId;
    uint256 internal frozenId;
    uint256 internal disputedId;
    uint256 internal disputeId;
    uint256 internal noticeEndedId;
    uint256 internal submittedId;
    uint256 internal reviewedId;
    uint256 internal inNoticeId;
    uint256 internal objectedId;
    uint256 internal objectionId;

    function setUp() public override {
        super.setUp();
        (dave, daveKey) = actorWithKey("dave");
        vm.prank(partyAdmin);
        access.admitParty(dave, keccak256("identity:dave"));

        lapsedId = lapsed(aliceKey); // first: the clock moves past its annual review
        parentA = certified(bobKey);
        parentB = certified(bobKey);
        certifiedId = certified(aliceKey);
        pendingChangeId = certified(aliceKey);
        requestChangeAs(aliceKey, pendingChangeId, nextDigest("manifest v2"));
        frozenId = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(frozenId, keccak256("investigation"));
        disputedId = certified(aliceKey);
        disputeId = objectAs(stranger, disputedId);
        noticeEndedId = inNotice(aliceKey);
        vm.warp(noticeEndsAt(noticeEndedId));
        submittedId = submitted(aliceKey);
        reviewedId = underReview(aliceKey);
        inNoticeId = inNotice(aliceKey);
        objectedId = inNotice(aliceKey);
        objectionId = objectAs(stranger, objectedId);
    }

    function _coolLedger() internal {
        vm.cool(address(access));
        vm.cool(address(certificates));
        vm.cool(address(registrations));
        vm.cool(address(anchors));
    }

    function _measure(string memory name) internal {
        vm.assertTrue(vm.snapshotGasLastCall(GROUP, name) > 0, name);
    }

    function _submitMeasured(uint256 key, IRegistrations.Submission memory a, string memory name) internal {
        bytes memory signature = signSubmission(key, a);
        _coolLedger();
        vm.prank(relayer);
        registrations.submit(a, signature);
        _measure(name);
    }

    // =========================================================================================================
    // Application and review
    // =========================================================================================================

    function test_gas_submit_by_a_fresh_registrant() public {
        _submitMeasured(daveKey, application(dave), "submit_fresh_registrant");
    }

    function test_gas_submit_by_a_repeat_registrant() public {
        _submitMeasured(bobKey, application(bob), "submit_repeat_registrant");
    }

    function test_gas_submit_with_two_parents() public {
        IRegistrations.Submission memory a = application(bob);
        a.kind = IRegistrations.Kind.DataProduct;
        a.parents = new uint256[](2);
        a.parents[0] = parentA;
        a.parents[1] = parentB;
        _submitMeasured(bobKey, a, "submit_two_parents");
    }

    function test_gas_accept() public {
        _coolLedger();
        vm.prank(reviewer);
        registrations.accept(submittedId);
        _measure("accept");
    }

    function test_gas_reject() public {
        _coolLedger();
        vm.prank(reviewer);
        registrations.reject(submittedId, keccak256("reason"));
        _measure("reject");
    }

    function test_gas_approve() public {
        _coolLedger();
        vm.prank(authority);
        registrations.approve(reviewedId);
        _measure("approve");
    }

    function test_gas_certify() public {
        _coolLedger();
        vm.prank(authority);
        registrations.certify(noticeEndedId);
        _measure("certify");
    }

    function test_gas_issue_evidence_certificate() public {
        _coolLedger();
        vm.prank(authority);
        registrations.issueEvidenceCertificate(submittedId);
        _measure("issueEvidenceCertificate");
    }

    // =========================================================================================================
    // Objections
    // =========================================================================================================

    function test_gas_file_objection_during_notice() public {
        _coolLedger();
        vm.prank(stranger);
        registrations.fileObjection(inNoticeId, keccak256("evidence"));
        _measure("fileObjection");
    }

    function test_gas_resolve_objection_dismissed_resuming_notice() public {
        vm.warp(block.timestamp + 3 days);
        _coolLedger();
        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, keccak256("decision"));
        _measure("resolveObjection");
    }

    function test_gas_file_objection_against_a_certified_registration() public {
        _coolLedger();
        vm.prank(stranger);
        registrations.fileObjection(certifiedId, keccak256("evidence"));
        _measure("fileObjection_certified");
    }

    function test_gas_resolve_objection_dismissed_clearing_a_dispute() public {
        _coolLedger();
        vm.prank(authority);
        registrations.resolveObjection(disputeId, false, keccak256("decision"));
        _measure("resolveObjection_disputed");
    }

    // =========================================================================================================
    // After certification
    // =========================================================================================================

    function test_gas_request_change() public {
        bytes32 manifest = nextDigest("manifest v2");
        bytes32 data = nextDigest("data v2");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signChangeRequest(aliceKey, certifiedId, manifest, data);
        _coolLedger();
        vm.prank(relayer);
        registrations.requestChange(certifiedId, manifest, data, nonce, deadline, signature);
        _measure("requestChange");
    }

    function test_gas_approve_change() public {
        _coolLedger();
        vm.prank(authority);
        registrations.approveChange(pendingChangeId);
        _measure("approveChange");
    }

    function test_gas_file_annual_review() public {
        vm.warp(registrations.registration(certifiedId).reviewDueAt - 1 days);
        bytes32 report = keccak256("annual report");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, ANNUAL_REVIEW_TYPEHASH, certifiedId, report);
        _coolLedger();
        vm.prank(relayer);
        registrations.fileAnnualReview(certifiedId, report, nonce, deadline, signature);
        _measure("fileAnnualReview");
    }

    function test_gas_lapse() public {
        vm.warp(registrations.registration(certifiedId).reviewDueAt + 1);
        _coolLedger();
        vm.prank(stranger);
        registrations.lapse(certifiedId);
        _measure("lapse");
    }

    function test_gas_renew() public {
        _coolLedger();
        vm.prank(authority);
        registrations.renew(lapsedId, keccak256("late report"));
        _measure("renew");
    }

    function test_gas_freeze() public {
        _coolLedger();
        vm.prank(regulator);
        registrations.freeze(certifiedId, keccak256("investigation"));
        _measure("freeze");
    }

    function test_gas_unfreeze() public {
        _coolLedger();
        vm.prank(regulator);
        registrations.unfreeze(frozenId);
        _measure("unfreeze");
    }

    function test_gas_revoke() public {
        _coolLedger();
        vm.prank(authority);
        registrations.revoke(certifiedId, keccak256("reason"));
        _measure("revoke");
    }

    function test_gas_cancel() public {
        bytes32 reason = keccak256("data withdrawn");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, certifiedId, reason);
        _coolLedger();
        vm.prank(relayer);
        registrations.cancel(certifiedId, reason, nonce, deadline, signature);
        _measure("cancel");
    }

    // =========================================================================================================
    // Evidence anchors
    // =========================================================================================================

    function test_gas_anchor() public {
        _coolLedger();
        vm.prank(alice);
        anchors.anchor(keccak256("batch root"), 1_000_000, keccak256("batch description"));
        _measure("anchor");
    }
}

/// @notice The gas of each rights action, recorded in the "rights" snapshot group (contracts/snapshots).
/// @dev As for the registry: setUp leaves a right in every state an action starts from, the ledger's accounts are
/// cooled before the measured call, and the figures are execution gas without the 21,000 intrinsic gas and calldata
/// (docs/gas.md has the real transaction gas, measured on anvil).
contract RightsGasTest is LedgerFixture {
    string internal constant GROUP = "rights";
    IRights.Right internal constant HOLDING = IRights.Right.ResourceHolding;
    IRights.Right internal constant PROCESSING = IRights.Right.ProcessingAndUse;
    IRights.Right internal constant OPERATION = IRights.Right.ProductOperation;

    address internal dave;
    uint256 internal daveKey;
    uint256 internal generalId;
    uint256 internal pendingId;
    uint256 internal importantId;
    uint256 internal parentLicenceId;
    uint256 internal awaitingLicenceId;
    uint256 internal pledgedId;
    bytes32 internal endorsedReport;

    function setUp() public override {
        super.setUp();
        (dave, daveKey) = actorWithKey("dave");
        vm.prank(partyAdmin);
        access.admitParty(dave, keccak256("identity:dave"));

        generalId = certified(aliceKey);
        pendingId = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, pendingId, PROCESSING);
        requestTransferAs(aliceKey, bobKey, pendingId, HOLDING);
        IRegistrations.Submission memory a = application(alice);
        a.grade = IRegistrations.Grade.Important;
        importantId = submitSigned(aliceKey, a);
        driveToCertified(importantId);
        requestTransferAs(aliceKey, bobKey, importantId, PROCESSING);
        vm.prank(authority);
        rights.approveTransfer(importantId, PROCESSING);
        requestTransferAs(aliceKey, bobKey, importantId, HOLDING);
        awaitingLicenceId = licensed(
            aliceKey,
            importantId,
            OPERATION,
            dave,
            IRights.LicenceType.NonExclusive,
            block.timestamp,
            block.timestamp + 365 days
        );
        IRights.LicenceTerms memory t = licenceTerms(
            generalId,
            PROCESSING,
            alice,
            bob,
            IRights.LicenceType.NonExclusive,
            block.timestamp,
            block.timestamp + 365 days
        );
        t.sublicensable = true;
        parentLicenceId = grantLicenceAs(aliceKey, t);
        pledgedId = certified(aliceKey);
        encumberAs(aliceKey, pledgedId, PROCESSING, IRights.EncumbranceKind.Pledge, bob);
        endorsedReport = keccak256("valuation report");
        vm.prank(agency);
        endorsements.endorse(generalId, IEndorsements.ReportKind.Valuation, endorsedReport);
    }

    function _coolLedger() internal {
        vm.cool(address(access));
        vm.cool(address(certificates));
        vm.cool(address(registrations));
        vm.cool(address(rights));
        vm.cool(address(endorsements));
    }

    function _measure(string memory name) internal {
        vm.assertTrue(vm.snapshotGasLastCall(GROUP, name) > 0, name);
    }

    // =========================================================================================================
    // Transfers
    // =========================================================================================================

    function test_gas_request_transfer() public {
        IRights.TransferTerms memory t = transferTerms(generalId, PROCESSING, bob);
        bytes memory holderSignature = signTransfer(aliceKey, t);
        bytes memory newHolderSignature = signTransfer(bobKey, t);
        _coolLedger();
        vm.prank(relayer);
        rights.requestTransfer(t, holderSignature, newHolderSignature);
        _measure("requestTransfer");
    }

    function test_gas_approve_transfer() public {
        _coolLedger();
        vm.prank(authority);
        rights.approveTransfer(pendingId, PROCESSING);
        _measure("approveTransfer");
    }

    function test_gas_approve_transfer_reissuing_the_certificate() public {
        _coolLedger();
        vm.prank(authority);
        rights.approveTransfer(pendingId, HOLDING);
        _measure("approveTransfer_reissue");
    }

    function test_gas_approve_transfer_of_important_data_awaiting_a_regulator() public {
        _coolLedger();
        vm.prank(authority);
        rights.approveTransfer(importantId, HOLDING);
        _measure("approveTransfer_awaitingRegulator");
    }

    function test_gas_transfer_by_operation_of_law_of_important_data() public {
        _coolLedger();
        vm.prank(authority);
        rights.transferByOperationOfLaw(importantId, OPERATION, bob, keccak256("merger record"));
        _measure("transferByOperationOfLaw_awaitingRegulator");
    }

    function test_gas_regulator_approve_transfer() public {
        _coolLedger();
        vm.prank(regulator);
        rights.regulatorApproveTransfer(importantId, PROCESSING);
        _measure("regulatorApproveTransfer");
    }

    function test_gas_reject_transfer() public {
        _coolLedger();
        vm.prank(authority);
        rights.rejectTransfer(pendingId, PROCESSING, keccak256("reason"));
        _measure("rejectTransfer");
    }

    function test_gas_transfer_by_operation_of_law() public {
        _coolLedger();
        vm.prank(authority);
        rights.transferByOperationOfLaw(generalId, PROCESSING, bob, keccak256("court ruling"));
        _measure("transferByOperationOfLaw");
    }

    // =========================================================================================================
    // Licences
    // =========================================================================================================

    function _grantMeasured(uint256 key, IRights.LicenceTerms memory t, string memory name) internal {
        bytes memory signature = signLicence(key, t);
        _coolLedger();
        vm.prank(relayer);
        rights.grantLicence(t, signature);
        _measure(name);
    }

    function test_gas_grant_licence() public {
        _grantMeasured(
            aliceKey,
            licenceTerms(
                generalId,
                OPERATION,
                alice,
                dave,
                IRights.LicenceType.NonExclusive,
                block.timestamp,
                block.timestamp + 365 days
            ),
            "grantLicence"
        );
    }

    function test_gas_grant_processing_licence() public {
        _grantMeasured(
            aliceKey,
            licenceTerms(
                generalId,
                PROCESSING,
                alice,
                dave,
                IRights.LicenceType.NonExclusive,
                block.timestamp,
                block.timestamp + 365 days
            ),
            "grantLicence_processing"
        );
    }

    function test_gas_grant_exclusive_licence() public {
        _grantMeasured(
            aliceKey,
            licenceTerms(
                generalId,
                HOLDING,
                alice,
                dave,
                IRights.LicenceType.Exclusive,
                block.timestamp,
                block.timestamp + 365 days
            ),
            "grantLicence_exclusive"
        );
    }

    function test_gas_grant_sublicence() public {
        IRights.LicenceTerms memory t = licenceTerms(
            generalId, PROCESSING, bob, dave, IRights.LicenceType.SubLicence, block.timestamp, block.timestamp + 30 days
        );
        t.parentLicenceId = parentLicenceId;
        t.nonce = rights.sublicenceNonceOf(parentLicenceId);
        _grantMeasured(bobKey, t, "grantLicence_sublicence");
    }

    function test_gas_regulator_approve_licence() public {
        _coolLedger();
        vm.prank(regulator);
        rights.regulatorApproveLicence(awaitingLicenceId);
        _measure("regulatorApproveLicence");
    }

    function test_gas_revoke_licence() public {
        _coolLedger();
        vm.prank(alice);
        rights.revokeLicence(parentLicenceId, keccak256("reason"));
        _measure("revokeLicence");
    }

    function test_gas_revoke_licence_by_signature() public {
        IRights.RevocationTerms memory t = revocationTerms(parentLicenceId, alice);
        bytes memory signature = signRevocation(aliceKey, t);
        _coolLedger();
        vm.prank(relayer);
        rights.revokeLicenceBySignature(t, signature);
        _measure("revokeLicenceBySignature");
    }

    // =========================================================================================================
    // Pledges and trusts
    // =========================================================================================================

    function test_gas_pledge() public {
        IRights.EncumbranceTerms memory t = encumbranceTerms(generalId, HOLDING, IRights.EncumbranceKind.Pledge, bob);
        bytes memory signature = signEncumbrance(aliceKey, t);
        _coolLedger();
        vm.prank(relayer);
        rights.encumber(t, signature);
        _measure("encumber");
    }

    function test_gas_release() public {
        _coolLedger();
        vm.prank(bob);
        rights.release(pledgedId, PROCESSING);
        _measure("release");
    }

    function test_gas_release_by_signature() public {
        IRights.ReleaseTerms memory t = releaseTerms(pledgedId, PROCESSING);
        bytes memory signature = signRelease(bobKey, t);
        _coolLedger();
        vm.prank(relayer);
        rights.releaseBySignature(t, signature);
        _measure("releaseBySignature");
    }

    function test_gas_release_by_court_order() public {
        _coolLedger();
        vm.prank(authority);
        rights.releaseByCourtOrder(pledgedId, PROCESSING, keccak256("court order"));
        _measure("releaseByCourtOrder");
    }

    // =========================================================================================================
    // Endorsements
    // =========================================================================================================

    function test_gas_endorse() public {
        _coolLedger();
        vm.prank(agency);
        endorsements.endorse(generalId, IEndorsements.ReportKind.Compliance, keccak256("compliance opinion"));
        _measure("endorse");
    }

    function test_gas_withdraw_endorsement() public {
        _coolLedger();
        vm.prank(agency);
        endorsements.withdraw(endorsedReport, keccak256("reason"));
        _measure("withdrawEndorsement");
    }
}
