// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerErrors} from "../src/interfaces/ILedgerErrors.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {Vm} from "./utils/Vm.sol";
import {IRights} from "../src/interfaces/IRights.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @notice The rights of certified registrations (DESIGN.md §2): holders, transfers by agreement and by operation
/// of law, licences, pledges and trusts, regulator approvals of important data, lineage through licences, and how
/// they meet objections, suspensions and the emergency stop. Every allowed action, and every way one is refused.
contract RightsTest is LedgerFixture {
    IRights.Right internal constant HOLDING = IRights.Right.ResourceHolding;
    IRights.Right internal constant PROCESSING = IRights.Right.ProcessingAndUse;
    IRights.Right internal constant OPERATION = IRights.Right.ProductOperation;
    uint256 internal constant YEAR = 365 days;

    address internal dave;
    uint256 internal daveKey;
    address internal erin;
    uint256 internal erinKey;

    function setUp() public override {
        super.setUp();
        (dave, daveKey) = actorWithKey("dave");
        (erin, erinKey) = actorWithKey("erin");
        vm.startPrank(partyAdmin);
        access.admitParty(dave, keccak256("identity:dave"));
        access.admitParty(erin, keccak256("identity:erin"));
        vm.stopPrank();
    }

    // =========================================================================================================
    // Helpers
    // =========================================================================================================

    /// @notice A certified registration of `key`'s with the given identity.
    function certifiedAs(
        uint256 key,
        IRegistrations.Kind kind,
        IRegistrations.Origin origin,
        IRegistrations.Grade grade,
        uint8 claimed
    ) internal returns (uint256 id) {
        IRegistrations.Submission memory a = application(vm.addr(key));
        a.kind = kind;
        a.origin = origin;
        a.grade = grade;
        a.rights = claimed;
        id = submitSigned(key, a);
        driveToCertified(id);
    }

    function certifiedGraded(uint256 key, IRegistrations.Grade grade) internal returns (uint256) {
        return certifiedAs(key, IRegistrations.Kind.DataResource, IRegistrations.Origin.Enterprise, grade, ALL_RIGHTS);
    }

    function suspend(address party) internal {
        vm.prank(regulator);
        access.suspendParty(party, keccak256("dishonest"));
    }

    function rightNotHeld(uint256 id, IRights.Right right, address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRights.RightNotHeld.selector, id, right, account);
    }

    function notAdmitted(address party) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ILedgerErrors.PartyNotAdmitted.selector, party);
    }

    function encumbered(uint256 id, IRights.Right right) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRights.RightIsEncumbered.selector, id, right);
    }

    function transferPending(uint256 id, IRights.Right right, bool pending) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRights.TransferPending.selector, id, right, pending);
    }

    function expectTransferRefused(
        IRights.TransferTerms memory t,
        bytes memory holderSignature,
        bytes memory newHolderSignature,
        bytes memory expected
    ) internal {
        vm.expectRevert(expected);
        vm.prank(relayer);
        rights.requestTransfer(t, holderSignature, newHolderSignature);
    }

    function expectRequestRefused(
        uint256 holderKey,
        uint256 newHolderKey,
        uint256 id,
        IRights.Right right,
        bytes memory expected
    ) internal {
        IRights.TransferTerms memory t = transferTerms(id, right, vm.addr(newHolderKey));
        t.holder = vm.addr(holderKey);
        expectTransferRefused(t, signTransfer(holderKey, t), signTransfer(newHolderKey, t), expected);
    }

    function expectLicenceRefused(uint256 key, IRights.LicenceTerms memory t, bytes memory expected) internal {
        bytes memory signature = signLicence(key, t);
        vm.expectRevert(expected);
        vm.prank(relayer);
        rights.grantLicence(t, signature);
    }

    function expectEncumbranceRefused(uint256 key, IRights.EncumbranceTerms memory t, bytes memory expected) internal {
        bytes memory signature = signEncumbrance(key, t);
        vm.expectRevert(expected);
        vm.prank(relayer);
        rights.encumber(t, signature);
    }

    function propertyToken(uint256 id) internal view returns (uint256) {
        return certificates.tokenIdOf(
            id,
            registrations.registration(id).authorityId,
            ICertificates.CertificateType.PropertyRegistration,
            registrations.registration(id).certificateNumber
        );
    }

    function deriveAs(uint256 key, uint256 parent) internal returns (uint256) {
        IRegistrations.Submission memory a = application(vm.addr(key));
        a.kind = IRegistrations.Kind.DataProduct;
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        return submitSigned(key, a);
    }

    function expectDerivationRefused(uint256 key, uint256 parent) internal {
        IRegistrations.Submission memory a = application(vm.addr(key));
        a.parents = new uint256[](1);
        a.parents[0] = parent;
        bytes memory signature = signSubmission(key, a);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.ProcessingRightNotHeld.selector, parent, vm.addr(key)));
        vm.prank(relayer);
        registrations.submit(a, signature);
    }

    // =========================================================================================================
    // Holders
    // =========================================================================================================

    function test_certification_gives_the_registrant_every_claimed_right() public {
        uint256 id = certifiedAs(
            aliceKey,
            IRegistrations.Kind.DataResource,
            IRegistrations.Origin.Enterprise,
            IRegistrations.Grade.General,
            1 | 2
        );
        vm.assertEq(rights.holderOf(id, HOLDING), alice, "resource holding");
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "processing and use");
        vm.assertEq(rights.holderOf(id, OPERATION), address(0), "unclaimed right has no holder");
        vm.assertEq(rights.primaryHolder(id), alice, "primary holder");
        vm.assertTrue(rights.mayProcess(id, alice), "registrant may process");
        vm.assertFalse(rights.mayProcess(id, bob), "others may not");
        vm.assertTrue(rights.isUnencumbered(id), "unencumbered");
    }

    function test_rights_of_a_registration_not_yet_certified_have_no_holder() public {
        uint256 id = inNotice(aliceKey);
        vm.assertEq(rights.holderOf(id, HOLDING), address(0), "no holder in notice");
        vm.assertEq(rights.primaryHolder(id), address(0), "no primary holder in notice");
        vm.assertFalse(rights.mayProcess(id, alice), "nothing to process yet");
        vm.assertEq(registrations.holderOf(id), alice, "the registry names the registrant who signs");
    }

    function test_holder_of_an_unknown_registration_is_refused() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.UnknownRegistration.selector, 42));
        rights.holderOf(42, HOLDING);
    }

    function test_primary_holder_of_a_data_product_is_the_product_operation_holder() public {
        uint256 id = certifiedAs(
            aliceKey, IRegistrations.Kind.DataProduct, IRegistrations.Origin.Enterprise, IRegistrations.Grade.General, 7
        );
        transferredAs(aliceKey, bobKey, id, OPERATION);
        vm.assertEq(rights.primaryHolder(id), bob, "product operation right");
        vm.assertEq(registrations.holderOf(id), bob, "the registry asks the module once a right moved");
        transferredAs(aliceKey, daveKey, id, HOLDING);
        vm.assertEq(rights.primaryHolder(id), bob, "resource holding does not lead a data product");
    }

    function test_primary_holder_of_a_data_resource_is_the_resource_holder() public {
        uint256 id = certified(aliceKey);
        transferredAs(aliceKey, bobKey, id, OPERATION);
        vm.assertEq(rights.primaryHolder(id), alice, "product operation does not lead a resource");
        transferredAs(aliceKey, bobKey, id, HOLDING);
        vm.assertEq(rights.primaryHolder(id), bob, "resource holding right");
    }

    function test_primary_right_falls_back_to_the_first_claimed_right() public {
        uint256 product = certifiedAs(
            aliceKey, IRegistrations.Kind.DataProduct, IRegistrations.Origin.Enterprise, IRegistrations.Grade.General, 2
        );
        transferredAs(aliceKey, bobKey, product, PROCESSING);
        vm.assertEq(rights.primaryHolder(product), bob, "only processing claimed");
        uint256 asset = certifiedAs(
            aliceKey,
            IRegistrations.Kind.DataAsset,
            IRegistrations.Origin.Enterprise,
            IRegistrations.Grade.General,
            2 | 4
        );
        transferredAs(aliceKey, bobKey, asset, OPERATION);
        vm.assertEq(rights.primaryHolder(asset), alice, "processing comes before product operation");
        transferredAs(aliceKey, daveKey, asset, PROCESSING);
        vm.assertEq(rights.primaryHolder(asset), dave, "processing leads an asset without resource holding");
    }

    /// @notice Whatever the kind and the claimed rights, the primary holder is the holder of the right the
    /// certificate follows; once that right moves, the certificate and the registry follow it, and moving any other
    /// right changes neither.
    function testFuzz_certificate_and_registry_follow_the_primary_right(uint8 kind, uint8 claimed) public {
        IRegistrations.Kind k = IRegistrations.Kind(bound(kind, 0, 2));
        claimed = uint8(bound(claimed, 1, 7));
        uint256 id = certifiedAs(aliceKey, k, IRegistrations.Origin.Enterprise, IRegistrations.Grade.General, claimed);
        IRights.Right primary;
        if (k == IRegistrations.Kind.DataProduct && claimed & 4 != 0) primary = OPERATION;
        else if (claimed & 1 != 0) primary = HOLDING;
        else if (claimed & 2 != 0) primary = PROCESSING;
        else primary = OPERATION;
        for (uint8 r = 0; r < 3; ++r) {
            IRights.Right right = IRights.Right(r);
            if (right == primary || claimed & (uint8(1) << r) == 0) continue;
            transferredAs(aliceKey, daveKey, id, right);
            vm.assertEq(rights.primaryHolder(id), alice, "another right moved");
            vm.assertEq(certificates.ownerOf(propertyToken(id)), alice, "certificate stays");
        }
        transferredAs(aliceKey, bobKey, id, primary);
        vm.assertEq(rights.primaryHolder(id), bob, "primary right moved");
        vm.assertEq(registrations.holderOf(id), bob, "registry follows");
        vm.assertEq(certificates.ownerOf(propertyToken(id)), bob, "certificate follows");
    }

    function test_revoked_registration_keeps_its_last_holders_and_nothing_moves() public {
        uint256 id = certified(aliceKey);
        transferredAs(aliceKey, bobKey, id, PROCESSING);
        vm.prank(authority);
        registrations.revoke(id, keccak256("reason"));
        vm.assertEq(rights.holderOf(id, HOLDING), alice, "registrant kept on record");
        vm.assertEq(rights.holderOf(id, PROCESSING), bob, "transferee kept on record");
        bytes memory refused = abi.encodeWithSelector(IRights.RegistrationNotCertified.selector, id);
        expectRequestRefused(aliceKey, daveKey, id, HOLDING, refused);
        expectLicenceRefused(
            bobKey,
            licenceTerms(
                id, PROCESSING, bob, dave, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + 1 days
            ),
            refused
        );
        expectEncumbranceRefused(aliceKey, encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, dave), refused);
        vm.expectRevert(refused);
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, HOLDING, dave, keccak256("ruling"));
    }

    function test_rights_of_a_lapsed_or_frozen_registration_do_not_move() public {
        uint256 frozen = certified(aliceKey);
        vm.prank(regulator);
        registrations.freeze(frozen, keccak256("investigation"));
        expectRequestRefused(
            aliceKey, bobKey, frozen, HOLDING, abi.encodeWithSelector(IRights.RegistrationNotCertified.selector, frozen)
        );
        uint256 gone = lapsed(aliceKey);
        expectRequestRefused(
            aliceKey, bobKey, gone, HOLDING, abi.encodeWithSelector(IRights.RegistrationNotCertified.selector, gone)
        );
        vm.assertEq(rights.holderOf(gone, HOLDING), alice, "a lapsed registration still has its holder");
    }

    // =========================================================================================================
    // Transfer by agreement (转移登记)
    // =========================================================================================================

    function test_transfer_signed_by_both_holders_and_approved_moves_the_right() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory aliceSignature = signTransfer(aliceKey, t);
        bytes memory bobSignature = signTransfer(bobKey, t);

        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.TransferRequested(id, PROCESSING, bob, alice, t.agreementDigest, false);
        vm.prank(relayer);
        rights.requestTransfer(t, aliceSignature, bobSignature);
        IRights.PendingTransfer memory pending = rights.pendingTransferOf(id, PROCESSING);
        vm.assertEq(pending.newHolder, bob, "pending new holder");
        vm.assertFalse(pending.authorityApproved || pending.regulatorApproved || pending.lawful, "no approval yet");
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "holder unchanged while pending");
        vm.assertEq(rights.nonceOf(id, PROCESSING), 0, "a pending request does not change the right");

        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.TransferApproved(id, PROCESSING, authority, false);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.RightTransferred(id, PROCESSING, bob, alice, false, bytes32(0));
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);

        vm.assertEq(rights.holderOf(id, PROCESSING), bob, "new holder");
        vm.assertEq(rights.holderOf(id, HOLDING), alice, "other rights stay");
        vm.assertEq(rights.pendingTransferOf(id, PROCESSING).newHolder, address(0), "no longer pending");
        vm.assertTrue(rights.mayProcess(id, bob), "new holder may process");
        vm.assertFalse(rights.mayProcess(id, alice), "old holder may not");
        vm.assertEq(registrations.registration(id).transferredRights, 2, "registry knows the right left");
    }

    function test_transfer_of_the_primary_right_reissues_the_certificate_to_the_new_holder() public {
        uint256 id = certified(aliceKey);
        uint256 oldToken = propertyToken(id);
        uint64 oldNumber = registrations.registration(id).certificateNumber;
        requestTransferAs(aliceKey, bobKey, id, HOLDING);
        uint256 newToken =
            certificates.tokenIdOf(id, authorityId, ICertificates.CertificateType.PropertyRegistration, oldNumber + 1);
        vm.expectEmit(true, true, true, true, address(registrations));
        emit IRegistrations.CertificateReissued(id, oldToken, newToken, oldNumber + 1);
        vm.prank(authority);
        rights.approveTransfer(id, HOLDING);

        vm.assertEq(certificates.ownerOf(newToken), bob, "certificate follows the right");
        vm.assertEq(certificates.balanceOf(alice), 0, "old certificate retired");
        vm.assertEq(registrations.holderOf(id), bob, "the new holder signs for the registration");
        requestChangeAs(bobKey, id, nextDigest("manifest v2"));
        vm.assertTrue(registrations.pendingChange(id) != bytes32(0), "new holder requested a change");
    }

    function test_transfer_of_another_right_keeps_the_certificate() public {
        uint256 id = certified(aliceKey);
        uint256 token = propertyToken(id);
        transferredAs(aliceKey, bobKey, id, OPERATION);
        vm.assertEq(certificates.ownerOf(token), alice, "same certificate, same holder");
        vm.assertEq(registrations.holderOf(id), alice, "registrant still signs");
    }

    function test_transfer_without_the_new_holders_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory aliceSignature = signTransfer(aliceKey, t);
        expectTransferRefused(
            t, aliceSignature, aliceSignature, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, bob)
        );
        expectTransferRefused(
            t, aliceSignature, hex"", abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, bob)
        );
    }

    function test_transfer_without_the_holders_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory bobSignature = signTransfer(bobKey, t);
        expectTransferRefused(
            t, bobSignature, bobSignature, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
        expectTransferRefused(
            t,
            signTransfer(daveKey, t),
            bobSignature,
            abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
    }

    function test_transfer_by_someone_who_does_not_hold_the_right_is_refused() public {
        uint256 id = certified(aliceKey);
        expectRequestRefused(daveKey, bobKey, id, HOLDING, rightNotHeld(id, HOLDING, dave));
    }

    function testFuzz_transfer_signed_by_any_other_key_is_refused(uint256 key, bool forgeHolder) public {
        key = bound(key, 1, SECP256K1_ORDER - 1);
        vm.assume(key != aliceKey && key != bobKey);
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        address expected = forgeHolder ? alice : bob;
        bytes memory holderSignature = forgeHolder ? signTransfer(key, t) : signTransfer(aliceKey, t);
        bytes memory newHolderSignature = forgeHolder ? signTransfer(bobKey, t) : signTransfer(key, t);
        expectTransferRefused(
            t,
            holderSignature,
            newHolderSignature,
            abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, expected)
        );
    }

    function test_transfer_with_a_term_changed_after_signing_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory aliceSignature = signTransfer(aliceKey, t);
        bytes memory bobSignature = signTransfer(bobKey, t);
        t.right = OPERATION;
        expectTransferRefused(
            t, aliceSignature, bobSignature, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
    }

    function test_transfer_replaying_a_used_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory aliceSignature = signTransfer(aliceKey, t);
        bytes memory bobSignature = signTransfer(bobKey, t);
        vm.prank(relayer);
        rights.requestTransfer(t, aliceSignature, bobSignature);
        vm.prank(authority);
        rights.rejectTransfer(id, PROCESSING, keccak256("reason"));

        expectTransferRefused(
            t,
            aliceSignature,
            bobSignature,
            abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, PROCESSING, rights.nonceOf(id, PROCESSING))
        );
    }

    function test_transfer_after_its_deadline_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory aliceSignature = signTransfer(aliceKey, t);
        bytes memory bobSignature = signTransfer(bobKey, t);
        vm.warp(t.deadline + 1);
        expectTransferRefused(
            t, aliceSignature, bobSignature, abi.encodeWithSelector(ILedgerErrors.SignatureExpired.selector, t.deadline)
        );
    }

    function test_transfer_signed_for_the_registry_or_another_chain_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes32 structHash = transferStructHash(t);
        bytes memory forRegistry = signDigest(aliceKey, typedDigest(address(registrations), block.chainid, structHash));
        bytes memory bobSignature = signTransfer(bobKey, t);
        expectTransferRefused(
            t, forRegistry, bobSignature, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
        bytes memory otherChain = signDigest(aliceKey, typedDigest(address(rights), block.chainid + 1, structHash));
        expectTransferRefused(
            t, otherChain, bobSignature, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
        vm.assertEq(rights.domainSeparator(), domainSeparatorOf(address(rights), block.chainid), "domain");
    }

    function test_transfer_between_contract_wallets_is_signed_through_erc1271() public {
        uint256 id = certified(aliceKey);
        transferredAs(aliceKey, bobKey, id, PROCESSING);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, address(wallet));
        bytes memory bobSignature = signTransfer(bobKey, t);
        expectTransferRefused(
            t,
            bobSignature,
            signTransfer(bobKey, t),
            abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, address(wallet))
        );
        vm.prank(relayer);
        rights.requestTransfer(t, bobSignature, signTransfer(walletOwnerKey, t));
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
        vm.assertEq(rights.holderOf(id, PROCESSING), address(wallet), "wallet holds");

        t = transferTerms(id, PROCESSING, dave);
        vm.prank(relayer);
        rights.requestTransfer(t, signTransfer(walletOwnerKey, t), signTransfer(daveKey, t));
        vm.assertEq(rights.pendingTransferOf(id, PROCESSING).newHolder, dave, "wallet signed as holder");
    }

    function test_transfer_of_a_pledged_right_is_refused() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, PROCESSING, IRights.EncumbranceKind.Pledge, dave);
        expectRequestRefused(aliceKey, bobKey, id, PROCESSING, encumbered(id, PROCESSING));
        vm.expectRevert(encumbered(id, PROCESSING));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, PROCESSING, bob, keccak256("ruling"));
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "holder unchanged");

        vm.prank(dave);
        rights.release(id, PROCESSING);
        transferredAs(aliceKey, bobKey, id, PROCESSING);
        vm.assertEq(rights.holderOf(id, PROCESSING), bob, "transferable once released");
    }

    function test_transfer_of_a_right_in_trust_is_refused() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Trust, dave);
        expectRequestRefused(aliceKey, bobKey, id, HOLDING, encumbered(id, HOLDING));
        vm.expectRevert(encumbered(id, HOLDING));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, HOLDING, bob, keccak256("ruling"));
        transferredAs(aliceKey, bobKey, id, PROCESSING);
        vm.assertEq(rights.holderOf(id, PROCESSING), bob, "the other rights stay free");
    }

    function test_pledge_of_a_right_whose_transfer_is_pending_is_refused() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        expectEncumbranceRefused(
            aliceKey,
            encumbranceTerms(id, PROCESSING, IRights.EncumbranceKind.Pledge, dave),
            transferPending(id, PROCESSING, true)
        );
    }

    function test_second_transfer_while_one_is_pending_is_refused() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        expectRequestRefused(aliceKey, daveKey, id, PROCESSING, transferPending(id, PROCESSING, true));
        vm.expectRevert(transferPending(id, PROCESSING, true));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, PROCESSING, dave, keccak256("ruling"));
    }

    function test_transfer_to_the_holder_itself_or_to_nobody_is_refused() public {
        uint256 id = certified(aliceKey);
        expectRequestRefused(
            aliceKey, aliceKey, id, PROCESSING, abi.encodeWithSelector(IRights.InvalidCounterparty.selector, alice)
        );
        vm.expectRevert(abi.encodeWithSelector(IRights.InvalidCounterparty.selector, address(0)));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, PROCESSING, address(0), keccak256("ruling"));
    }

    function test_transfer_to_a_party_not_admitted_is_refused() public {
        uint256 id = certified(aliceKey);
        expectRequestRefused(aliceKey, carolKey, id, PROCESSING, notAdmitted(carol));
        vm.expectRevert(notAdmitted(carol));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, PROCESSING, carol, keccak256("ruling"));
    }

    function test_transfer_of_an_unclaimed_right_is_refused() public {
        uint256 id = certifiedAs(
            aliceKey,
            IRegistrations.Kind.DataResource,
            IRegistrations.Origin.Enterprise,
            IRegistrations.Grade.General,
            1
        );
        expectRequestRefused(aliceKey, bobKey, id, OPERATION, rightNotHeld(id, OPERATION, alice));
        vm.expectRevert(rightNotHeld(id, OPERATION, address(0)));
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, OPERATION, bob, keccak256("ruling"));
    }

    function test_transfer_without_an_agreement_digest_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        t.agreementDigest = bytes32(0);
        expectTransferRefused(
            t,
            signTransfer(aliceKey, t),
            signTransfer(bobKey, t),
            abi.encodeWithSelector(ILedgerErrors.MissingDigest.selector)
        );
    }

    function test_transfer_is_approved_only_by_the_registrations_authority() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        address[6] memory callers = [otherAuthority, regulator, reviewer, admin, alice, bob];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(notAuthority(authorityId, callers[i]));
            vm.prank(callers[i]);
            rights.approveTransfer(id, PROCESSING);
        }
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "not moved");
    }

    function test_approving_a_transfer_that_is_not_pending_is_refused() public {
        uint256 id = certified(aliceKey);
        vm.expectRevert(transferPending(id, PROCESSING, false));
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
        vm.expectRevert(transferPending(id, PROCESSING, false));
        vm.prank(authority);
        rights.rejectTransfer(id, PROCESSING, keccak256("reason"));
    }

    function test_rejected_transfer_is_cleared_and_a_new_one_may_follow() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.TransferRejected(id, PROCESSING, regulator, keccak256("reason"));
        vm.prank(regulator);
        rights.rejectTransfer(id, PROCESSING, keccak256("reason"));
        vm.assertEq(rights.pendingTransferOf(id, PROCESSING).newHolder, address(0), "cleared");

        requestTransferAs(aliceKey, daveKey, id, PROCESSING);
        vm.expectRevert(notAuthorityNorRole(authorityId, LedgerRoles.REGULATOR, stranger));
        vm.prank(stranger);
        rights.rejectTransfer(id, PROCESSING, keccak256("reason"));
        vm.prank(authority);
        rights.rejectTransfer(id, PROCESSING, keccak256("reason"));
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "never moved");
    }

    function test_new_holder_suspended_before_approval_is_refused() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        suspend(bob);
        vm.expectRevert(notAdmitted(bob));
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
    }

    function test_transfer_requested_before_a_freeze_is_not_approved_while_frozen() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        vm.prank(regulator);
        registrations.freeze(id, keccak256("investigation"));
        vm.expectRevert(abi.encodeWithSelector(IRights.RegistrationNotCertified.selector, id));
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
        vm.prank(regulator);
        rights.rejectTransfer(id, PROCESSING, keccak256("frozen"));
    }

    // =========================================================================================================
    // Important and core data: a regulator's approval
    // =========================================================================================================

    function test_important_data_transfer_without_a_regulators_approval_does_not_take_effect() public {
        uint256 id = certifiedGraded(aliceKey, IRegistrations.Grade.Important);
        requestTransferAs(aliceKey, bobKey, id, HOLDING);
        vm.recordLogs();
        vm.prank(authority);
        rights.approveTransfer(id, HOLDING);
        vm.assertEq(vm.getRecordedLogs().length, 1, "only the approval");
        vm.assertEq(rights.holderOf(id, HOLDING), alice, "still the holder");
        IRights.PendingTransfer memory pending = rights.pendingTransferOf(id, HOLDING);
        vm.assertTrue(pending.authorityApproved && !pending.regulatorApproved, "awaits the regulator");
        vm.expectRevert(abi.encodeWithSelector(IRights.AlreadyApproved.selector, id, HOLDING));
        vm.prank(authority);
        rights.approveTransfer(id, HOLDING);

        vm.expectRevert(missingRole(authority, LedgerRoles.REGULATOR));
        vm.prank(authority);
        rights.regulatorApproveTransfer(id, HOLDING);

        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.TransferApproved(id, HOLDING, regulator, true);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.RightTransferred(id, HOLDING, bob, alice, false, bytes32(0));
        vm.prank(regulator);
        rights.regulatorApproveTransfer(id, HOLDING);
        vm.assertEq(rights.holderOf(id, HOLDING), bob, "takes effect on the regulator's approval");
        vm.assertEq(certificates.ownerOf(propertyToken(id)), bob, "certificate reissued");
    }

    function test_core_data_transfer_approved_by_the_regulator_first_takes_effect_on_the_authoritys() public {
        uint256 id = certifiedGraded(aliceKey, IRegistrations.Grade.Core);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        vm.prank(regulator);
        rights.regulatorApproveTransfer(id, PROCESSING);
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "awaits the authority");
        vm.expectRevert(abi.encodeWithSelector(IRights.AlreadyApproved.selector, id, PROCESSING));
        vm.prank(regulator);
        rights.regulatorApproveTransfer(id, PROCESSING);
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
        vm.assertEq(rights.holderOf(id, PROCESSING), bob, "both approved");
    }

    function test_regulator_approval_of_general_data_is_not_needed() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        vm.expectRevert(IRights.RegulatorApprovalNotNeeded.selector);
        vm.prank(regulator);
        rights.regulatorApproveTransfer(id, PROCESSING);
    }

    // =========================================================================================================
    // Transfer by operation of law
    // =========================================================================================================

    function test_transfer_by_operation_of_law_needs_no_signature_of_the_old_holder() public {
        uint256 id = certified(aliceKey);
        suspend(alice); // e.g. dissolved: it can sign nothing
        bytes32 evidence = keccak256("bankruptcy ruling");
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.RightTransferred(id, HOLDING, bob, alice, true, evidence);
        vm.recordLogs();
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, HOLDING, bob, evidence);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            vm.assertTrue(logs[i].topics[0] != IRights.TransferRequested.selector, "nothing was pending");
        }
        vm.assertEq(rights.holderOf(id, HOLDING), bob, "moved");
        vm.assertEq(certificates.ownerOf(propertyToken(id)), bob, "certificate reissued");
    }

    function test_transfer_by_operation_of_law_is_only_by_the_authority_and_on_evidence() public {
        uint256 id = certified(aliceKey);
        address[4] memory callers = [regulator, otherAuthority, alice, bob];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(notAuthority(authorityId, callers[i]));
            vm.prank(callers[i]);
            rights.transferByOperationOfLaw(id, HOLDING, bob, keccak256("ruling"));
        }
        vm.expectRevert(ILedgerErrors.MissingDigest.selector);
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, HOLDING, bob, bytes32(0));
    }

    function test_transfer_by_operation_of_law_of_important_data_waits_for_a_regulator() public {
        uint256 id = certifiedGraded(aliceKey, IRegistrations.Grade.Important);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.TransferRequested(id, PROCESSING, bob, alice, keccak256("merger record"), true);
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, PROCESSING, bob, keccak256("merger record"));
        IRights.PendingTransfer memory pending = rights.pendingTransferOf(id, PROCESSING);
        vm.assertTrue(pending.lawful && pending.authorityApproved, "initiated by the authority");
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "awaits the regulator");
        vm.expectRevert(abi.encodeWithSelector(IRights.AlreadyApproved.selector, id, PROCESSING));
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.RightTransferred(id, PROCESSING, bob, alice, true, bytes32(0));
        vm.prank(regulator);
        rights.regulatorApproveTransfer(id, PROCESSING);
    }

    function test_transfer_by_operation_of_law_goes_ahead_while_disputed() public {
        uint256 id = certified(aliceKey);
        objectAs(stranger, id);
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, PROCESSING, bob, keccak256("ruling"));
        vm.assertEq(rights.holderOf(id, PROCESSING), bob, "succession does not wait for the dispute");
    }

    // =========================================================================================================
    // Objections (implemented by the registry) as the rights see them
    // =========================================================================================================

    function test_objection_open_at_the_end_of_notice_blocks_certification() public {
        uint256 id = inNotice(aliceKey);
        uint256 objectionId = objectAs(stranger, id);
        vm.warp(noticeEndsAt(id) + 1);
        vm.expectRevert(invalidStatus(id, IRegistrations.Status.Objected));
        vm.prank(authority);
        registrations.certify(id);
        vm.assertEq(rights.holderOf(id, HOLDING), address(0), "no right before certification");

        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, keccak256("dismissed"));
        vm.warp(noticeEndsAt(id));
        vm.prank(authority);
        registrations.certify(id);
        vm.assertEq(rights.holderOf(id, HOLDING), alice, "rights once certified");
    }

    function test_disputed_registration_shows_its_flag_and_refuses_transfers_until_dismissed() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, HOLDING);
        uint256 objectionId = objectAs(stranger, id);
        vm.assertTrue(registrations.isDisputed(id), "disputed");
        bytes memory disputed = abi.encodeWithSelector(ILedgerErrors.RegistrationDisputed.selector, id);
        vm.expectRevert(disputed);
        vm.prank(authority);
        rights.approveTransfer(id, HOLDING);
        expectRequestRefused(aliceKey, bobKey, id, PROCESSING, disputed);

        vm.prank(authority);
        registrations.resolveObjection(objectionId, false, keccak256("dismissed"));
        vm.assertFalse(registrations.isDisputed(id), "flag cleared");
        vm.prank(authority);
        rights.approveTransfer(id, HOLDING);
        vm.assertEq(rights.holderOf(id, HOLDING), bob, "approved once the dispute ended");
    }

    function test_upheld_objection_revokes_and_the_rights_no_longer_move() public {
        uint256 id = certified(aliceKey);
        requestTransferAs(aliceKey, bobKey, id, HOLDING);
        uint256 objectionId = objectAs(stranger, id);
        vm.prank(authority);
        registrations.resolveObjection(objectionId, true, keccak256("upheld"));
        assertStatus(id, IRegistrations.Status.Revoked, "revoked");
        vm.assertFalse(registrations.isDisputed(id), "a revoked registration is not shown disputed");
        vm.expectRevert(abi.encodeWithSelector(IRights.RegistrationNotCertified.selector, id));
        vm.prank(authority);
        rights.approveTransfer(id, HOLDING);
        vm.prank(authority);
        rights.rejectTransfer(id, HOLDING, keccak256("revoked"));
    }

    // =========================================================================================================
    // Licences (许可登记)
    // =========================================================================================================

    function test_licence_signed_by_the_holder_is_recorded_with_an_id_that_names_it() public {
        uint256 id = certified(aliceKey);
        uint256 start = block.timestamp;
        IRights.LicenceTerms memory t =
            licenceTerms(id, OPERATION, alice, bob, IRights.LicenceType.Sole, start, start + YEAR);
        t.sublicensable = true;
        uint256 expectedId = (id << 48) | (uint256(2) << 40) | (uint256(1) << 32) | 1;
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.LicenceGranted(
            expectedId,
            id,
            bob,
            alice,
            IRights.LicenceType.Sole,
            t.scopeDigest,
            false,
            t.startsAt,
            t.endsAt,
            true,
            false
        );
        uint256 licenceId = grantLicenceAs(aliceKey, t);

        vm.assertEq(licenceId, expectedId, "id: registration, right, sublicensable, parent, sequence");
        IRights.Licence memory l = rights.licence(licenceId);
        vm.assertEq(l.registrationId, id, "registration");
        vm.assertEq(uint256(l.right), uint256(OPERATION), "right");
        vm.assertEq(uint256(l.licenceType), uint256(IRights.LicenceType.Sole), "type");
        vm.assertEq(l.parentLicenceId, 0, "no parent");
        vm.assertEq(l.licensee, bob, "licensee");
        vm.assertEq(l.startsAt, start, "start");
        vm.assertEq(l.endsAt, start + YEAR, "end");
        vm.assertEq(uint256(l.status), uint256(IRights.LicenceStatus.Granted), "granted");
        vm.assertTrue(l.sublicensable, "sublicensable");
        vm.assertTrue(rights.isLicenceCurrent(licenceId), "current");
        IRights.Licensing memory bookkeeping = rights.licensingOf(id, OPERATION);
        vm.assertEq(bookkeeping.exclusiveEndsAt, start + YEAR, "sole counts as exclusive");
        vm.assertEq(bookkeeping.licencesEndAt, start + YEAR, "latest end");
        vm.assertEq(rights.nonceOf(id, OPERATION), 1, "the licence raised the right's nonce");
    }

    function test_unknown_licence_cannot_be_read_approved_or_revoked() public {
        vm.expectRevert(abi.encodeWithSelector(IRights.UnknownLicence.selector, 7));
        rights.licence(7);
        vm.expectRevert(abi.encodeWithSelector(IRights.UnknownLicence.selector, 7));
        vm.prank(regulator);
        rights.regulatorApproveLicence(7);
        vm.expectRevert(abi.encodeWithSelector(IRights.UnknownLicence.selector, 7));
        vm.prank(authority);
        rights.revokeLicence(7, keccak256("reason"));
        vm.assertFalse(rights.isLicenceCurrent(7), "not current");
    }

    function test_licence_signed_by_anyone_but_the_holder_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        expectLicenceRefused(daveKey, t, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        t.licensor = dave;
        expectLicenceRefused(daveKey, t, rightNotHeld(id, PROCESSING, dave));
    }

    function test_licence_replaying_a_used_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        bytes memory signature = signLicence(aliceKey, t);
        vm.prank(relayer);
        rights.grantLicence(t, signature);
        vm.expectRevert(abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, PROCESSING, 1));
        vm.prank(relayer);
        rights.grantLicence(t, signature);
    }

    function test_a_change_of_the_right_makes_an_earlier_signature_stale() public {
        uint256 id = certified(aliceKey);
        IRights.TransferTerms memory t = transferTerms(id, PROCESSING, bob);
        bytes memory aliceSignature = signTransfer(aliceKey, t);
        bytes memory bobSignature = signTransfer(bobKey, t);
        // The holder licenses the right before the transfer she signed is relayed: the new holder signed for the
        // right as it stood, unlicensed, so the transfer must be signed again.
        licensed(
            aliceKey, id, PROCESSING, dave, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        expectTransferRefused(
            t,
            aliceSignature,
            bobSignature,
            abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, PROCESSING, 1)
        );
        vm.assertEq(rights.holderOf(id, PROCESSING), alice, "holder unchanged");
        vm.assertEq(rights.pendingTransferOf(id, PROCESSING).newHolder, address(0), "nothing pending");
    }

    function test_requests_about_different_rights_do_not_wait_for_each_other() public {
        uint256 id = certified(aliceKey);
        // Signed together, before either is relayed: each carries its own right's nonce, 0.
        IRights.LicenceTerms memory processing = licenceTerms(
            id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        IRights.LicenceTerms memory operation = licenceTerms(
            id, OPERATION, alice, dave, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        IRights.EncumbranceTerms memory pledge = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, bob);
        bytes memory processingSignature = signLicence(aliceKey, processing);
        bytes memory operationSignature = signLicence(aliceKey, operation);
        bytes memory pledgeSignature = signEncumbrance(aliceKey, pledge);
        vm.startPrank(relayer);
        rights.grantLicence(operation, operationSignature);
        rights.encumber(pledge, pledgeSignature);
        rights.grantLicence(processing, processingSignature);
        vm.stopPrank();
        vm.assertEq(rights.nonceOf(id, PROCESSING), 1, "processing licensed once");
        vm.assertEq(rights.nonceOf(id, OPERATION), 1, "operation licensed once");
        vm.assertEq(rights.nonceOf(id, HOLDING), 0, "a pledge does not raise the nonce until released");
        vm.assertEq(rights.encumbranceOf(id, HOLDING).creditor, bob, "pledged");
    }

    function test_licence_term_must_be_non_empty_and_not_over() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        IRights.LicenceTerms memory t =
            licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, t0 + 10, t0 + 10);
        expectLicenceRefused(aliceKey, t, abi.encodeWithSelector(IRights.InvalidLicenceTerm.selector, t0 + 10, t0 + 10));
        t = licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, t0 - 100, t0);
        expectLicenceRefused(aliceKey, t, abi.encodeWithSelector(IRights.InvalidLicenceTerm.selector, t0 - 100, t0));
        t = licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, t0 - 100, t0 + 1);
        grantLicenceAs(aliceKey, t); // a running contract may be registered back-dated
    }

    function testFuzz_licence_term_is_accepted_only_if_not_empty_and_not_over(uint40 startsAt, uint40 endsAt) public {
        uint256 id = certified(aliceKey);
        IRights.LicenceTerms memory t =
            licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, startsAt, endsAt);
        bytes memory signature = signLicence(aliceKey, t);
        if (startsAt >= endsAt || endsAt <= block.timestamp) {
            vm.expectRevert(abi.encodeWithSelector(IRights.InvalidLicenceTerm.selector, startsAt, endsAt));
        }
        vm.prank(relayer);
        rights.grantLicence(t, signature);
    }

    function test_licence_without_a_scope_document_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        t.scopeDigest = bytes32(0);
        expectLicenceRefused(aliceKey, t, abi.encodeWithSelector(ILedgerErrors.MissingDigest.selector));
    }

    function test_public_data_licence_marks_its_scope_document_public() public {
        uint256 id = certifiedAs(
            aliceKey, IRegistrations.Kind.DataResource, IRegistrations.Origin.Public, IRegistrations.Grade.General, 7
        );
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.LicenceGranted(
            (id << 48) | (uint256(1) << 40) | 1,
            id,
            bob,
            alice,
            IRights.LicenceType.NonExclusive,
            t.scopeDigest,
            true,
            t.startsAt,
            t.endsAt,
            false,
            false
        );
        grantLicenceAs(aliceKey, t);
    }

    function test_licence_to_the_licensor_itself_or_to_nobody_is_refused() public {
        uint256 id = certified(aliceKey);
        IRights.LicenceTerms memory t = licenceTerms(
            id, PROCESSING, alice, alice, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        expectLicenceRefused(aliceKey, t, abi.encodeWithSelector(IRights.InvalidCounterparty.selector, alice));
        t.licensee = address(0);
        expectLicenceRefused(aliceKey, t, abi.encodeWithSelector(IRights.InvalidCounterparty.selector, address(0)));
    }

    function test_licence_to_a_party_not_admitted_is_refused() public {
        uint256 id = certified(aliceKey);
        expectLicenceRefused(
            aliceKey,
            licenceTerms(
                id, PROCESSING, alice, carol, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
            ),
            notAdmitted(carol)
        );
    }

    function test_licence_of_an_unclaimed_right_or_an_uncertified_registration_is_refused() public {
        uint256 id = certifiedAs(
            aliceKey,
            IRegistrations.Kind.DataResource,
            IRegistrations.Origin.Enterprise,
            IRegistrations.Grade.General,
            1
        );
        expectLicenceRefused(
            aliceKey,
            licenceTerms(
                id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
            ),
            rightNotHeld(id, PROCESSING, alice)
        );
        uint256 pending = inNotice(aliceKey);
        expectLicenceRefused(
            aliceKey,
            licenceTerms(
                pending, HOLDING, alice, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
            ),
            abi.encodeWithSelector(IRights.RegistrationNotCertified.selector, pending)
        );
    }

    function test_holder_cannot_license_a_right_pledged_in_trust_or_being_transferred() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        encumberAs(aliceKey, id, OPERATION, IRights.EncumbranceKind.Trust, dave);
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, HOLDING, alice, erin, IRights.LicenceType.NonExclusive, t0, t0 + YEAR),
            encumbered(id, HOLDING)
        );
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, OPERATION, alice, erin, IRights.LicenceType.NonExclusive, t0, t0 + YEAR),
            encumbered(id, OPERATION)
        );
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, erin, IRights.LicenceType.NonExclusive, t0, t0 + YEAR),
            transferPending(id, PROCESSING, true)
        );
        vm.prank(dave);
        rights.release(id, HOLDING);
        licensed(aliceKey, id, HOLDING, erin, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
    }

    function test_sublicence_under_a_licence_granted_before_a_pledge_remains_possible() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + YEAR);
        encumberAs(aliceKey, id, PROCESSING, IRights.EncumbranceKind.Pledge, dave);
        grantLicenceAs(bobKey, sublicenceTerms(id, parent, bob, t0, t0 + 30 days));
    }

    function test_licence_expires_at_the_end_of_its_term() public {
        uint256 id = certified(aliceKey);
        uint256 licenceId = licensed(
            aliceKey,
            id,
            PROCESSING,
            bob,
            IRights.LicenceType.NonExclusive,
            block.timestamp + 1 days,
            block.timestamp + 2 days
        );
        vm.assertFalse(rights.isLicenceCurrent(licenceId), "not started");
        vm.warp(block.timestamp + 1 days);
        vm.assertTrue(rights.isLicenceCurrent(licenceId), "started");
        vm.warp(block.timestamp + 1 days);
        vm.assertFalse(rights.isLicenceCurrent(licenceId), "ended: the end is exclusive");
    }

    function test_licence_survives_a_transfer_and_the_new_holder_becomes_its_licensor() public {
        uint256 id = certified(aliceKey);
        uint256 licenceId = licensed(
            aliceKey, id, OPERATION, dave, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        transferredAs(aliceKey, bobKey, id, OPERATION);
        vm.assertTrue(rights.isLicenceCurrent(licenceId), "still current");
        vm.expectRevert(abi.encodeWithSelector(IRights.NotLicensor.selector, licenceId, alice));
        vm.prank(alice);
        rights.revokeLicence(licenceId, keccak256("reason"));
        vm.prank(bob);
        rights.revokeLicence(licenceId, keccak256("reason"));
        vm.assertFalse(rights.isLicenceCurrent(licenceId), "revoked by the new holder");
    }

    // ---------------------------------------------------------------------------------------------------------
    // The overlap rule
    // ---------------------------------------------------------------------------------------------------------

    function overlap(uint256 id, IRights.Right right, uint256 mustStartAt) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRights.LicenceOverlap.selector, id, right, mustStartAt);
    }

    function test_overlapping_exclusive_licence_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.Exclusive, t0, t0 + 100 days);
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, dave, IRights.LicenceType.Exclusive, t0 + 50 days, t0 + 200 days),
            overlap(id, PROCESSING, t0 + 100 days)
        );
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, dave, IRights.LicenceType.NonExclusive, t0 + 99 days, t0 + 200 days),
            overlap(id, PROCESSING, t0 + 100 days)
        );
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.Sole, t0 + 10 days, t0 + 20 days),
            overlap(id, PROCESSING, t0 + 100 days)
        );
        licensed(aliceKey, id, PROCESSING, dave, IRights.LicenceType.Exclusive, t0 + 100 days, t0 + 200 days);
        licensed(aliceKey, id, OPERATION, dave, IRights.LicenceType.Exclusive, t0, t0 + 200 days); // another right
    }

    function test_exclusive_licence_over_a_running_non_exclusive_one_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + 100 days);
        licensed(aliceKey, id, PROCESSING, dave, IRights.LicenceType.CrossLicence, t0, t0 + 150 days);
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, erin, IRights.LicenceType.Exclusive, t0 + 120 days, t0 + 200 days),
            overlap(id, PROCESSING, t0 + 150 days)
        );
        licensed(aliceKey, id, PROCESSING, erin, IRights.LicenceType.Sole, t0 + 150 days, t0 + 200 days);
    }

    function test_non_exclusive_licences_may_overlap_each_other() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + 100 days);
        licensed(aliceKey, id, PROCESSING, dave, IRights.LicenceType.NonExclusive, t0, t0 + 50 days);
        licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.CrossLicence, t0 + 10 days, t0 + 20 days);
        vm.assertEq(rights.licensingOf(id, PROCESSING).licencesEndAt, t0 + 100 days, "latest end kept");
        vm.assertEq(rights.nonceOf(id, PROCESSING), 3, "three licences");
    }

    /// @dev The documented cost of an O(1) rule: an exclusive licence wholly before an earlier one overlaps nothing
    /// but is refused, and a revoked licence keeps blocking until its original end.
    function test_overlap_rule_is_conservative_for_back_dated_and_revoked_licences() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp + 100 days;
        uint256 first = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.Exclusive, t0, t0 + 100 days);
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, dave, IRights.LicenceType.Exclusive, t0 - 50 days, t0 - 10 days),
            overlap(id, PROCESSING, t0 + 100 days)
        );
        vm.prank(alice);
        rights.revokeLicence(first, keccak256("reason"));
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, dave, IRights.LicenceType.NonExclusive, t0, t0 + 10 days),
            overlap(id, PROCESSING, t0 + 100 days)
        );
    }

    struct Term {
        uint40 startsAt;
        uint40 endsAt;
        bool exclusive;
    }

    /// @notice Whatever licences are attempted, every accepted pair with an exclusive or sole one is disjoint, and
    /// every refusal is of a licence overlapping an earlier exclusive or sole one or starting before the latest end.
    function testFuzz_accepted_exclusive_licences_overlap_no_other_licence(uint256 seed) public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        Term[] memory accepted = new Term[](12);
        uint256 count;
        for (uint256 i = 0; i < 12; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 start = t0 + (r % 400) * 1 days;
            uint256 end = start + 1 days + ((r >> 16) % 100) * 1 days;
            IRights.LicenceType licenceType = IRights.LicenceType(((r >> 32) % 3)); // exclusive, sole, non-exclusive
            bool exclusive = licenceType != IRights.LicenceType.NonExclusive;
            IRights.LicenceTerms memory t =
                licenceTerms(id, PROCESSING, alice, i % 2 == 0 ? bob : dave, licenceType, start, end);
            bytes memory signature = signLicence(aliceKey, t);
            vm.prank(relayer);
            try rights.grantLicence(t, signature) {
                accepted[count++] = Term(t.startsAt, t.endsAt, exclusive);
            } catch {}
        }
        for (uint256 i = 0; i < count; ++i) {
            for (uint256 j = i + 1; j < count; ++j) {
                if (!accepted[i].exclusive && !accepted[j].exclusive) continue;
                bool disjoint = accepted[i].endsAt <= accepted[j].startsAt || accepted[j].endsAt <= accepted[i].startsAt;
                vm.assertTrue(disjoint, "an exclusive licence overlaps another licence");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Sub-licences
    // ---------------------------------------------------------------------------------------------------------

    function sublicensableParent(uint256 id, uint256 start, uint256 end) internal returns (uint256 licenceId) {
        IRights.LicenceTerms memory t =
            licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.Exclusive, start, end);
        t.sublicensable = true;
        licenceId = grantLicenceAs(aliceKey, t);
    }

    function sublicenceTerms(uint256 id, uint256 parent, address licensor, uint256 start, uint256 end)
        internal
        returns (IRights.LicenceTerms memory t)
    {
        t = licenceTerms(id, PROCESSING, licensor, dave, IRights.LicenceType.SubLicence, start, end);
        t.parentLicenceId = parent;
        t.nonce = rights.sublicenceNonceOf(parent);
    }

    function test_sublicence_from_a_current_parent_that_allows_it_is_recorded() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + YEAR);
        uint256 sub = grantLicenceAs(bobKey, sublicenceTerms(id, parent, bob, t0, t0 + 30 days));
        IRights.Licence memory l = rights.licence(sub);
        vm.assertEq(l.parentLicenceId, parent, "parent");
        vm.assertEq(uint256(l.licenceType), uint256(IRights.LicenceType.SubLicence), "type");
        vm.assertFalse(l.sublicensable, "not sublicensable");
        vm.assertTrue(rights.isLicenceCurrent(sub), "current");
        vm.assertEq(rights.licensingOf(id, PROCESSING).licencesEndAt, t0 + YEAR, "a sub-licence counts no end");
        vm.assertTrue(rights.mayProcess(id, dave), "sub-licensee may derive");

        vm.prank(alice);
        rights.revokeLicence(parent, keccak256("reason"));
        vm.assertFalse(rights.isLicenceCurrent(sub), "ends with its parent");
        vm.assertFalse(rights.mayProcess(id, dave), "no longer");
    }

    function test_sublicence_without_a_parent_or_a_parent_without_sublicence_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        IRights.LicenceTerms memory t = sublicenceTerms(id, 0, bob, t0, t0 + 30 days);
        expectLicenceRefused(bobKey, t, abi.encodeWithSelector(IRights.InvalidLicenceType.selector));

        uint256 closed = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        t = sublicenceTerms(id, closed, bob, t0, t0 + 30 days);
        expectLicenceRefused(bobKey, t, abi.encodeWithSelector(IRights.SublicenceNotAllowed.selector, closed));
        uint256 forged = closed | (uint256(1) << 32);
        t = sublicenceTerms(id, forged, bob, t0, t0 + 30 days);
        expectLicenceRefused(bobKey, t, abi.encodeWithSelector(IRights.SublicenceNotAllowed.selector, forged));
    }

    function test_sublicence_by_anyone_but_the_parent_licensee_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + YEAR);
        expectLicenceRefused(
            aliceKey,
            sublicenceTerms(id, parent, alice, t0, t0 + 30 days),
            abi.encodeWithSelector(IRights.SublicenceNotAllowed.selector, parent)
        );
        expectLicenceRefused(
            daveKey,
            sublicenceTerms(id, parent, bob, t0, t0 + 30 days),
            abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, bob)
        );
    }

    function test_sublicence_outside_the_parents_term_or_of_an_ended_parent_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + 100 days);
        bytes memory refused = abi.encodeWithSelector(IRights.SublicenceNotAllowed.selector, parent);
        expectLicenceRefused(bobKey, sublicenceTerms(id, parent, bob, t0, t0 + 101 days), refused);
        uint256 later = sublicensableParent(id, t0 + 100 days, t0 + 200 days);
        expectLicenceRefused(
            bobKey,
            sublicenceTerms(id, later, bob, t0 + 100 days, t0 + 150 days),
            abi.encodeWithSelector(IRights.SublicenceNotAllowed.selector, later)
        );
        vm.warp(t0 + 100 days);
        expectLicenceRefused(bobKey, sublicenceTerms(id, parent, bob, t0 + 100 days, t0 + 100 days + 1), refused);
        grantLicenceAs(bobKey, sublicenceTerms(id, later, bob, t0 + 100 days, t0 + 150 days));
    }

    function test_sublicence_cannot_be_sublicensable_and_a_licence_of_another_type_has_no_parent() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + YEAR);
        IRights.LicenceTerms memory t = sublicenceTerms(id, parent, bob, t0, t0 + 30 days);
        t.sublicensable = true;
        expectLicenceRefused(bobKey, t, abi.encodeWithSelector(IRights.InvalidLicenceType.selector));
        t = licenceTerms(id, PROCESSING, alice, dave, IRights.LicenceType.NonExclusive, t0 + YEAR, t0 + 2 * YEAR);
        t.parentLicenceId = parent;
        t.nonce = rights.sublicenceNonceOf(parent);
        expectLicenceRefused(aliceKey, t, abi.encodeWithSelector(IRights.InvalidLicenceType.selector));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Important data, revocation
    // ---------------------------------------------------------------------------------------------------------

    function test_important_data_licence_counts_only_once_a_regulator_approves_it() public {
        uint256 id = certifiedGraded(aliceKey, IRegistrations.Grade.Important);
        uint256 licenceId = licensed(
            aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        vm.assertEq(
            uint256(rights.licence(licenceId).status), uint256(IRights.LicenceStatus.AwaitingApproval), "awaits"
        );
        vm.assertFalse(rights.isLicenceCurrent(licenceId), "not in force");
        vm.assertFalse(rights.mayProcess(id, bob), "no derivation yet");

        vm.expectRevert(missingRole(authority, LedgerRoles.REGULATOR));
        vm.prank(authority);
        rights.regulatorApproveLicence(licenceId);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.LicenceApproved(licenceId, id, regulator);
        vm.prank(regulator);
        rights.regulatorApproveLicence(licenceId);
        vm.assertTrue(rights.isLicenceCurrent(licenceId), "in force");
        vm.assertTrue(rights.mayProcess(id, bob), "may derive");
        vm.expectRevert(
            abi.encodeWithSelector(IRights.LicenceNotInStatus.selector, licenceId, IRights.LicenceStatus.Granted)
        );
        vm.prank(regulator);
        rights.regulatorApproveLicence(licenceId);
    }

    function test_licence_is_revoked_by_its_licensor_the_authority_or_a_regulator_before_approval() public {
        uint256 id = certifiedGraded(aliceKey, IRegistrations.Grade.Core);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        uint256 b = licensed(aliceKey, id, PROCESSING, dave, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        uint256 c = licensed(aliceKey, id, PROCESSING, erin, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        vm.prank(regulator);
        rights.regulatorApproveLicence(c);

        address[4] memory outsiders = [bob, stranger, otherAuthority, reviewer];
        for (uint256 i = 0; i < outsiders.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRights.NotLicensor.selector, a, outsiders[i]));
            vm.prank(outsiders[i]);
            rights.revokeLicence(a, keccak256("reason"));
        }
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.LicenceRevoked(a, id, regulator, keccak256("refused"));
        vm.prank(regulator);
        rights.revokeLicence(a, keccak256("refused"));
        vm.expectRevert(abi.encodeWithSelector(IRights.NotLicensor.selector, c, regulator));
        vm.prank(regulator);
        rights.revokeLicence(c, keccak256("approved licences are the licensor's or authority's to revoke"));
        vm.prank(alice);
        rights.revokeLicence(b, keccak256("breach"));
        vm.prank(authority);
        rights.revokeLicence(c, keccak256("order"));
        vm.expectRevert(abi.encodeWithSelector(IRights.LicenceNotInStatus.selector, c, IRights.LicenceStatus.Revoked));
        vm.prank(authority);
        rights.revokeLicence(c, keccak256("again"));
        vm.expectRevert(abi.encodeWithSelector(IRights.LicenceNotInStatus.selector, a, IRights.LicenceStatus.Revoked));
        vm.prank(regulator);
        rights.regulatorApproveLicence(a);
    }

    // =========================================================================================================
    // Lineage: deriving under a licence of the processing and use right
    // =========================================================================================================

    function test_current_processing_licence_allows_derivation() public {
        uint256 parent = certified(aliceKey);
        expectDerivationRefused(bobKey, parent);
        licensed(
            aliceKey, parent, PROCESSING, bob, IRights.LicenceType.NonExclusive, block.timestamp, block.timestamp + YEAR
        );
        uint256 child = deriveAs(bobKey, parent);
        assertStatus(child, IRegistrations.Status.Submitted, "derived under licence");
    }

    function test_expired_licence_used_for_lineage_is_refused() public {
        uint256 parent = certified(aliceKey);
        licensed(
            aliceKey,
            parent,
            PROCESSING,
            bob,
            IRights.LicenceType.NonExclusive,
            block.timestamp,
            block.timestamp + 30 days
        );
        vm.warp(block.timestamp + 30 days);
        expectDerivationRefused(bobKey, parent);
    }

    function test_licence_not_yet_started_revoked_or_of_another_right_does_not_allow_derivation() public {
        uint256 parent = certified(aliceKey);
        uint256 t0 = block.timestamp;
        licensed(aliceKey, parent, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0 + 1 days, t0 + YEAR);
        expectDerivationRefused(bobKey, parent);
        licensed(aliceKey, parent, OPERATION, dave, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        expectDerivationRefused(daveKey, parent);
        uint256 revoked = licensed(aliceKey, parent, PROCESSING, erin, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        vm.prank(alice);
        rights.revokeLicence(revoked, keccak256("breach"));
        expectDerivationRefused(erinKey, parent);
    }

    function test_holder_of_a_transferred_processing_right_derives_and_the_registrant_no_longer_does() public {
        uint256 parent = certified(aliceKey);
        transferredAs(aliceKey, bobKey, parent, PROCESSING);
        deriveAs(bobKey, parent);
        expectDerivationRefused(aliceKey, parent);
    }

    /// @dev The documented cost of the O(1) lineage index: only the licensee's processing licence with the latest
    /// end is consulted, so a later one that has not started hides an earlier one that runs.
    /// @dev The index keeps a licence in force against a later-ending one not yet started; once the indexed licence
    /// ends, anyone points the index at the licence then in force.
    function test_lineage_keeps_a_licence_in_force_and_is_pointed_at_the_next_one() public {
        uint256 parent = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 running =
            licensed(aliceKey, parent, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + 100 days);
        uint256 longer =
            licensed(aliceKey, parent, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + 150 days);
        vm.assertEq(rights.processingLicenceOf(parent, bob), longer, "in force, same licensor, ends later");
        uint256 next =
            licensed(aliceKey, parent, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0 + 90 days, t0 + 300 days);
        vm.assertEq(rights.processingLicenceOf(parent, bob), longer, "one not started does not displace it");
        vm.assertTrue(rights.mayProcess(parent, bob), "in force");
        vm.expectRevert(abi.encodeWithSelector(IRights.LineageNotRecorded.selector, running));
        rights.recordLineage(running);
        vm.warp(t0 + 150 days);
        vm.assertFalse(rights.mayProcess(parent, bob), "the indexed licence ended");
        vm.prank(stranger);
        rights.recordLineage(next);
        vm.assertTrue(rights.mayProcess(parent, bob), "pointed at the licence in force");
    }

    // =========================================================================================================
    // Pledges (质押) and trusts (信托)
    // =========================================================================================================

    function test_pledge_signed_by_the_holder_encumbers_the_right_until_the_pledgee_releases_it() public {
        uint256 id = certified(aliceKey);
        IRights.EncumbranceTerms memory t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        bytes memory signature = signEncumbrance(aliceKey, t);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.RightEncumbered(id, HOLDING, dave, IRights.EncumbranceKind.Pledge, t.agreementDigest);
        vm.prank(relayer);
        rights.encumber(t, signature);
        IRights.Encumbrance memory e = rights.encumbranceOf(id, HOLDING);
        vm.assertEq(e.creditor, dave, "pledgee");
        vm.assertEq(uint256(e.kind), uint256(IRights.EncumbranceKind.Pledge), "pledge");
        vm.assertFalse(rights.isUnencumbered(id), "encumbered");
        vm.assertEq(rights.pendingTransferOf(id, HOLDING).newHolder, address(0), "not a transfer");

        address[4] memory others = [alice, authority, regulator, stranger];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRights.NotCreditor.selector, id, HOLDING, others[i]));
            vm.prank(others[i]);
            rights.release(id, HOLDING);
        }
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.EncumbranceReleased(id, HOLDING, dave, IRights.EncumbranceKind.Pledge, bytes32(0));
        vm.prank(dave);
        rights.release(id, HOLDING);
        vm.assertEq(uint256(rights.encumbranceOf(id, HOLDING).kind), 0, "released");
        vm.assertTrue(rights.isUnencumbered(id), "unencumbered");
    }

    function test_trust_is_released_by_the_trustee_or_by_court_order() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, OPERATION, IRights.EncumbranceKind.Trust, erin);
        vm.assertEq(uint256(rights.encumbranceOf(id, OPERATION).kind), uint256(IRights.EncumbranceKind.Trust), "trust");
        vm.expectRevert(ILedgerErrors.MissingDigest.selector);
        vm.prank(authority);
        rights.releaseByCourtOrder(id, OPERATION, bytes32(0));
        vm.expectRevert(notAuthority(authorityId, regulator));
        vm.prank(regulator);
        rights.releaseByCourtOrder(id, OPERATION, keccak256("court order"));
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.EncumbranceReleased(
            id, OPERATION, authority, IRights.EncumbranceKind.Trust, keccak256("court order")
        );
        vm.prank(authority);
        rights.releaseByCourtOrder(id, OPERATION, keccak256("court order"));
        vm.expectRevert(abi.encodeWithSelector(IRights.RightNotEncumbered.selector, id, OPERATION));
        vm.prank(erin);
        rights.release(id, OPERATION);
    }

    function test_encumbered_right_cannot_be_encumbered_again() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        expectEncumbranceRefused(
            aliceKey, encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Trust, erin), encumbered(id, HOLDING)
        );
        encumberAs(aliceKey, id, PROCESSING, IRights.EncumbranceKind.Trust, erin);
    }

    function test_pledge_is_checked_like_any_signed_request() public {
        uint256 id = certified(aliceKey);
        IRights.EncumbranceTerms memory t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.None, dave);
        expectEncumbranceRefused(aliceKey, t, abi.encodeWithSelector(IRights.RightNotEncumbered.selector, id, HOLDING));
        t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        expectEncumbranceRefused(bobKey, t, abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice));
        t.agreementDigest = bytes32(0);
        expectEncumbranceRefused(aliceKey, t, abi.encodeWithSelector(ILedgerErrors.MissingDigest.selector));
        t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, alice);
        expectEncumbranceRefused(aliceKey, t, abi.encodeWithSelector(IRights.InvalidCounterparty.selector, alice));
        t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, carol);
        expectEncumbranceRefused(aliceKey, t, notAdmitted(carol));
        t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        t.holder = bob;
        expectEncumbranceRefused(bobKey, t, rightNotHeld(id, HOLDING, bob));

        t = encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        bytes memory signature = signEncumbrance(aliceKey, t);
        vm.prank(relayer);
        rights.encumber(t, signature);
        vm.prank(dave);
        rights.release(id, HOLDING);
        vm.expectRevert(abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, HOLDING, 1 << 16));
        vm.prank(relayer);
        rights.encumber(t, signature);
    }

    // =========================================================================================================
    // Releases and revocations signed by a creditor or licensor whose key the relayer does not hold
    // =========================================================================================================

    function expectReleaseRefused(IRights.ReleaseTerms memory t, bytes memory signature, bytes memory expected)
        internal
    {
        vm.expectRevert(expected);
        vm.prank(relayer);
        rights.releaseBySignature(t, signature);
    }

    function expectRevocationRefused(IRights.RevocationTerms memory t, bytes memory signature, bytes memory expected)
        internal
    {
        vm.expectRevert(expected);
        vm.prank(relayer);
        rights.revokeLicenceBySignature(t, signature);
    }

    function test_pledgee_releases_by_signature_and_the_relayer_only_pays_the_gas() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.EncumbranceReleased(id, HOLDING, dave, IRights.EncumbranceKind.Pledge, bytes32(0));
        vm.prank(relayer);
        rights.releaseBySignature(t, signRelease(daveKey, t));
        vm.assertEq(uint256(rights.encumbranceOf(id, HOLDING).kind), 0, "released");
        vm.assertEq(rights.nonceOf(id, HOLDING), 1 << 16, "the release raised the right's nonce");
    }

    function test_trustee_releases_by_signature() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, OPERATION, IRights.EncumbranceKind.Trust, erin);
        IRights.ReleaseTerms memory t = releaseTerms(id, OPERATION);
        vm.prank(relayer);
        rights.releaseBySignature(t, signRelease(erinKey, t));
        vm.assertTrue(rights.isUnencumbered(id), "released");
    }

    function test_release_signed_by_anyone_but_the_creditor_is_refused() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        expectReleaseRefused(
            t, signRelease(aliceKey, t), abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, dave)
        );
        t.creditor = alice;
        expectReleaseRefused(
            t, signRelease(aliceKey, t), abi.encodeWithSelector(IRights.NotCreditor.selector, id, HOLDING, alice)
        );
    }

    function testFuzz_release_signed_by_any_other_key_is_refused(uint256 key) public {
        key = bound(key, 1, SECP256K1_ORDER - 1);
        vm.assume(key != daveKey);
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        expectReleaseRefused(
            t, signRelease(key, t), abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, dave)
        );
    }

    function test_release_replaying_a_used_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        bytes memory signature = signRelease(daveKey, t);
        vm.prank(relayer);
        rights.releaseBySignature(t, signature);
        bytes memory stale = abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, HOLDING, 1 << 16);
        expectReleaseRefused(t, signature, stale);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        expectReleaseRefused(t, signature, stale);
    }

    function test_release_after_its_deadline_is_refused() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        bytes memory signature = signRelease(daveKey, t);
        vm.warp(t.deadline + 1);
        expectReleaseRefused(t, signature, abi.encodeWithSelector(ILedgerErrors.SignatureExpired.selector, t.deadline));
    }

    function test_release_signed_for_another_registration_or_right_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 other = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        encumberAs(aliceKey, id, PROCESSING, IRights.EncumbranceKind.Pledge, dave);
        encumberAs(aliceKey, other, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        bytes memory signature = signRelease(daveKey, t);
        bytes memory refused = abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, dave);
        t.registrationId = other;
        expectReleaseRefused(t, signature, refused);
        t.registrationId = id;
        t.right = PROCESSING;
        expectReleaseRefused(t, signature, refused);
    }

    function test_release_by_signature_is_refused_while_paused() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        IRights.ReleaseTerms memory t = releaseTerms(id, HOLDING);
        bytes memory signature = signRelease(daveKey, t);
        vm.prank(pauser);
        registrations.pause();
        expectReleaseRefused(t, signature, abi.encodeWithSelector(ILedgerErrors.LedgerPaused.selector));
    }

    function test_licensor_revokes_by_signature_and_the_relayer_only_pays_the_gas() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(a, alice);
        vm.expectEmit(true, true, true, true, address(rights));
        emit IRights.LicenceRevoked(a, id, alice, t.reasonDigest);
        vm.prank(relayer);
        rights.revokeLicenceBySignature(t, signRevocation(aliceKey, t));
        vm.assertEq(uint256(rights.licence(a).status), uint256(IRights.LicenceStatus.Revoked), "revoked");
        vm.assertFalse(rights.mayProcess(id, bob), "the licensee may no longer derive");
    }

    function test_revocation_signed_by_anyone_but_the_licensor_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(a, alice);
        expectRevocationRefused(
            t, signRevocation(bobKey, t), abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
        t.licensor = bob;
        expectRevocationRefused(
            t, signRevocation(bobKey, t), abi.encodeWithSelector(IRights.NotLicensor.selector, a, bob)
        );
        t.licensor = authority;
        expectRevocationRefused(
            t, signRevocation(bobKey, t), abi.encodeWithSelector(IRights.NotLicensor.selector, a, authority)
        );
    }

    function testFuzz_revocation_signed_by_any_other_key_is_refused(uint256 key) public {
        key = bound(key, 1, SECP256K1_ORDER - 1);
        vm.assume(key != aliceKey);
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(a, alice);
        expectRevocationRefused(
            t, signRevocation(key, t), abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice)
        );
    }

    function test_revocation_replaying_a_used_signature_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(a, alice);
        bytes memory signature = signRevocation(aliceKey, t);
        vm.prank(relayer);
        rights.revokeLicenceBySignature(t, signature);
        expectRevocationRefused(
            t, signature, abi.encodeWithSelector(IRights.LicenceNotInStatus.selector, a, IRights.LicenceStatus.Revoked)
        );
    }

    function test_revocation_signed_before_the_licensor_next_changed_the_right_is_stale() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(a, alice);
        bytes memory signature = signRevocation(aliceKey, t);
        licensed(aliceKey, id, PROCESSING, dave, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        expectRevocationRefused(
            t, signature, abi.encodeWithSelector(IRights.InvalidRightNonce.selector, id, PROCESSING, 2)
        );
    }

    function test_revocation_after_its_deadline_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(a, alice);
        bytes memory signature = signRevocation(aliceKey, t);
        vm.warp(t.deadline + 1);
        expectRevocationRefused(
            t, signature, abi.encodeWithSelector(ILedgerErrors.SignatureExpired.selector, t.deadline)
        );
    }

    function test_revocation_signed_for_another_licence_is_refused() public {
        uint256 id = certified(aliceKey);
        uint256 other = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 a = licensed(aliceKey, id, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        uint256 b = licensed(aliceKey, id, PROCESSING, dave, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        uint256 c = licensed(aliceKey, other, PROCESSING, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        IRights.RevocationTerms memory t = revocationTerms(b, alice);
        bytes memory signature = signRevocation(aliceKey, t);
        bytes memory refused = abi.encodeWithSelector(ILedgerErrors.InvalidSignature.selector, alice);
        t.licenceId = a;
        expectRevocationRefused(t, signature, refused);
        t.licenceId = c;
        t.nonce = rights.nonceOf(other, PROCESSING);
        expectRevocationRefused(t, signature, refused);
    }

    function test_sublicence_is_revoked_by_signature_of_its_parents_licensee_only() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + YEAR);
        uint256 sub = grantLicenceAs(bobKey, sublicenceTerms(id, parent, bob, t0, t0 + 30 days));
        IRights.RevocationTerms memory t = revocationTerms(sub, alice);
        expectRevocationRefused(
            t, signRevocation(aliceKey, t), abi.encodeWithSelector(IRights.NotLicensor.selector, sub, alice)
        );
        t = revocationTerms(sub, bob);
        t.nonce = 0;
        expectRevocationRefused(
            t, signRevocation(bobKey, t), abi.encodeWithSelector(IRights.InvalidSublicenceNonce.selector, parent, 1)
        );
        t = revocationTerms(sub, bob);
        vm.prank(relayer);
        rights.revokeLicenceBySignature(t, signRevocation(bobKey, t));
        vm.assertFalse(rights.isLicenceCurrent(sub), "revoked");
        vm.assertTrue(rights.isLicenceCurrent(parent), "the parent stands");
    }

    function test_cancellation_is_refused_while_a_right_is_encumbered() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, PROCESSING, IRights.EncumbranceKind.Pledge, dave);
        bytes32 reason = keccak256("withdrawn");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, reason);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.RightsNotFree.selector, id));
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);
        vm.prank(dave);
        rights.release(id, PROCESSING);
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);
        assertStatus(id, IRegistrations.Status.Cancelled, "cancelled once released");
    }

    function test_cancellation_is_refused_while_the_rights_are_in_several_hands() public {
        uint256 id = certified(aliceKey);
        transferredAs(aliceKey, bobKey, id, PROCESSING);
        vm.assertFalse(rights.isUnencumbered(id), "bob's right would be cancelled with it");
        bytes32 reason = keccak256("withdrawn");
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(aliceKey, CANCELLATION_TYPEHASH, id, reason);
        vm.expectRevert(abi.encodeWithSelector(IRegistrations.RightsNotFree.selector, id));
        vm.prank(relayer);
        registrations.cancel(id, reason, nonce, deadline, signature);

        transferredAs(bobKey, aliceKey, id, PROCESSING);
        vm.assertTrue(rights.isUnencumbered(id), "back in one hand");
        cancelAs(aliceKey, id, reason);
        assertStatus(id, IRegistrations.Status.Cancelled, "cancelled");
    }

    // =========================================================================================================
    // Suspended parties (失信) and the emergency stop
    // =========================================================================================================

    function test_suspended_holder_can_start_nothing_new() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        suspend(alice);
        expectRequestRefused(aliceKey, bobKey, id, PROCESSING, notAdmitted(alice));
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, PROCESSING, alice, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR),
            notAdmitted(alice)
        );
        expectEncumbranceRefused(
            aliceKey, encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, bob), notAdmitted(alice)
        );
    }

    function test_suspended_counterparty_can_be_party_to_nothing_new() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        uint256 parent = sublicensableParent(id, t0, t0 + YEAR);
        suspend(bob);
        expectRequestRefused(aliceKey, bobKey, id, HOLDING, notAdmitted(bob));
        expectLicenceRefused(
            aliceKey,
            licenceTerms(id, OPERATION, alice, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR),
            notAdmitted(bob)
        );
        expectEncumbranceRefused(
            aliceKey, encumbranceTerms(id, HOLDING, IRights.EncumbranceKind.Pledge, bob), notAdmitted(bob)
        );
        expectLicenceRefused(bobKey, sublicenceTerms(id, parent, bob, t0, t0 + 30 days), notAdmitted(bob));
        vm.assertTrue(rights.isLicenceCurrent(parent), "what was granted stays");
    }

    function test_suspended_creditor_may_still_release() public {
        uint256 id = certified(aliceKey);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        suspend(dave);
        vm.prank(dave);
        rights.release(id, HOLDING);
        vm.assertTrue(rights.isUnencumbered(id), "released");
    }

    function test_while_paused_nothing_starts_and_no_right_moves_but_refusals_remain_possible() public {
        uint256 id = certified(aliceKey);
        uint256 t0 = block.timestamp;
        requestTransferAs(aliceKey, bobKey, id, PROCESSING);
        encumberAs(aliceKey, id, HOLDING, IRights.EncumbranceKind.Pledge, dave);
        uint256 licenceId = licensed(aliceKey, id, OPERATION, bob, IRights.LicenceType.NonExclusive, t0, t0 + YEAR);
        vm.prank(pauser);
        registrations.pause();

        bytes memory paused = abi.encodeWithSelector(ILedgerErrors.LedgerPaused.selector);
        expectRequestRefused(aliceKey, daveKey, id, OPERATION, paused);
        expectLicenceRefused(
            aliceKey, licenceTerms(id, OPERATION, alice, dave, IRights.LicenceType.NonExclusive, t0, t0 + YEAR), paused
        );
        expectEncumbranceRefused(aliceKey, encumbranceTerms(id, OPERATION, IRights.EncumbranceKind.Trust, dave), paused);
        vm.expectRevert(paused);
        vm.prank(authority);
        rights.approveTransfer(id, PROCESSING);
        vm.expectRevert(paused);
        vm.prank(authority);
        rights.transferByOperationOfLaw(id, OPERATION, dave, keccak256("ruling"));
        vm.expectRevert(paused);
        vm.prank(dave);
        rights.release(id, HOLDING);
        vm.expectRevert(paused);
        vm.prank(authority);
        rights.releaseByCourtOrder(id, HOLDING, keccak256("order"));

        vm.prank(authority);
        rights.rejectTransfer(id, PROCESSING, keccak256("emergency"));
        vm.prank(authority);
        rights.revokeLicence(licenceId, keccak256("emergency"));
    }

    // =========================================================================================================
    // Deployment
    // =========================================================================================================

    function test_rights_module_reads_the_registry_and_its_access() public view {
        vm.assertEq(address(rights.registrations()), address(registrations), "registry");
        vm.assertEq(address(rights.access()), address(access), "access");
        vm.assertEq(address(registrations.rights()), address(rights), "connected");
        (, string memory name, string memory version,, address verifyingContract,,) = rights.eip712Domain();
        vm.assertEq(name, "DataRightsLedger", "domain name");
        vm.assertEq(version, "1", "domain version");
        vm.assertEq(verifyingContract, address(rights), "domain contract");
    }
}
