// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {RightsSigning} from "./RightsSigning.sol";
import {ContractWallet} from "./ContractWallet.sol";
import {LedgerAccess} from "../../src/LedgerAccess.sol";
import {Certificates} from "../../src/Certificates.sol";
import {Registrations} from "../../src/Registrations.sol";
import {EvidenceAnchors} from "../../src/EvidenceAnchors.sol";
import {Rights} from "../../src/Rights.sol";
import {Endorsements} from "../../src/Endorsements.sol";
import {IRegistrations} from "../../src/interfaces/IRegistrations.sol";
import {IRights} from "../../src/interfaces/IRights.sol";
import {ILedgerErrors} from "../../src/interfaces/ILedgerErrors.sol";
import {LedgerRoles} from "../../src/libraries/LedgerRoles.sol";

/// @title LedgerFixture
/// @notice The ledger deployed as production deploys it (the registry creates its certificate token and keeps its
/// authorities; the rights module and the endorsements are deployed after it and the rights module connected), its
/// actors, and the lifecycle driven as the service drives it: registrant and holder actions signed (EIP-712) and
/// relayed, reviewer and authority actions sent by their keys.
abstract contract LedgerFixture is RightsSigning {
    /// @notice 2025-03-01 00:00 China Standard Time (2025-02-28 16:00 UTC).
    uint256 internal constant START = 1740758400;
    uint40 internal constant NOTICE_PERIOD = 30 days;
    uint40 internal constant REVIEW_INTERVAL = 365 days;
    uint40 internal constant OTHER_NOTICE_PERIOD = 10 days;
    uint40 internal constant OTHER_REVIEW_INTERVAL = 180 days;
    uint8 internal constant ALL_RIGHTS = 7;
    uint8 internal constant PROCESSING_RIGHT = 2;
    /// @notice How long a transfer of the administrator role waits, as deployments set it.
    uint48 internal constant ADMIN_DELAY = 2 days;

    LedgerAccess internal access;
    Certificates internal certificates;
    Registrations internal registrations;
    EvidenceAnchors internal anchors;
    Rights internal rights;
    Endorsements internal endorsements;

    address internal admin;
    address internal reviewer;
    address internal regulator;
    address internal partyAdmin;
    address internal pauser;
    address internal authority;
    address internal otherAuthority;
    address internal relayer;
    address internal stranger;
    /// @dev Holds the agency role and is admitted.
    address internal agency;
    uint16 internal authorityId;
    uint16 internal otherAuthorityId;

    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    uint256 internal bobKey;
    /// @dev Never admitted.
    address internal carol;
    uint256 internal carolKey;
    ContractWallet internal wallet;
    uint256 internal walletOwnerKey;

    uint256 private _digestCount;

    function setUp() public virtual {
        vm.warp(START);
        admin = actor("admin");
        reviewer = actor("reviewer");
        regulator = actor("regulator");
        partyAdmin = actor("partyAdmin");
        pauser = actor("pauser");
        authority = actor("authority");
        otherAuthority = actor("otherAuthority");
        relayer = actor("relayer");
        stranger = actor("stranger");
        agency = actor("agency");
        (alice, aliceKey) = actorWithKey("alice");
        (bob, bobKey) = actorWithKey("bob");
        (carol, carolKey) = actorWithKey("carol");
        address walletOwner;
        (walletOwner, walletOwnerKey) = actorWithKey("walletOwner");

        access = new LedgerAccess(ADMIN_DELAY, admin);
        registrations = new Registrations(access);
        certificates = Certificates(address(registrations.certificates()));
        anchors = new EvidenceAnchors();
        rights = new Rights(registrations);
        endorsements = new Endorsements(registrations);
        wallet = new ContractWallet(walletOwner);
        vm.label(address(wallet), "wallet");

        vm.startPrank(admin);
        access.grantRole(LedgerRoles.REVIEWER, reviewer);
        access.grantRole(LedgerRoles.REGULATOR, regulator);
        access.grantRole(LedgerRoles.PARTY_ADMIN, partyAdmin);
        access.grantRole(LedgerRoles.PAUSER, pauser);
        access.grantRole(LedgerRoles.AGENCY, agency);
        if (connectsRights()) registrations.setRights(rights);
        authorityId =
            registrations.registerAuthority(authority, keccak256("authority:SZDEX"), NOTICE_PERIOD, REVIEW_INTERVAL);
        otherAuthorityId = registrations.registerAuthority(
            otherAuthority, keccak256("authority:SHDEX"), OTHER_NOTICE_PERIOD, OTHER_REVIEW_INTERVAL
        );
        vm.stopPrank();

        vm.startPrank(partyAdmin);
        access.admitParty(alice, keccak256("identity:alice"));
        access.admitParty(bob, keccak256("identity:bob"));
        access.admitParty(address(wallet), keccak256("identity:wallet"));
        access.admitParty(agency, keccak256("identity:agency"));
        // An admitted party holding no role: it may object, and nothing more.
        access.admitParty(stranger, keccak256("identity:stranger"));
        vm.stopPrank();
    }

    /// @notice Whether setUp connects the rights module to the registry, as production does. Tests of the registry
    /// on its own (before a module is connected, or with a stub) turn it off.
    function connectsRights() internal pure virtual returns (bool) {
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------
    // EIP-712 signatures for this registry and chain
    // ---------------------------------------------------------------------------------------------------------

    function signSubmission(uint256 key, IRegistrations.Submission memory a) internal view returns (bytes memory) {
        return signDigest(key, typedDigest(address(registrations), block.chainid, submissionStructHash(a)));
    }

    function changeRequestDigest(
        uint256 registrationId,
        bytes32 manifestDigest,
        bytes32 dataCommitment,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        return typedDigest(
            address(registrations),
            block.chainid,
            changeRequestStructHash(registrationId, manifestDigest, dataCommitment, nonce, deadline)
        );
    }

    /// @notice A change request signed by `key` with the signer's next nonce and a one-hour deadline.
    function signChangeRequest(uint256 key, uint256 registrationId, bytes32 manifestDigest, bytes32 dataCommitment)
        internal
        view
        returns (uint256 nonce, uint256 deadline, bytes memory signature)
    {
        nonce = registrations.nonces(vm.addr(key));
        deadline = block.timestamp + 1 hours;
        signature =
            signDigest(key, changeRequestDigest(registrationId, manifestDigest, dataCommitment, nonce, deadline));
    }

    function holderActionDigest(
        bytes32 typehash,
        uint256 registrationId,
        bytes32 digest,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        return typedDigest(
            address(registrations),
            block.chainid,
            holderActionStructHash(typehash, registrationId, digest, nonce, deadline)
        );
    }

    /// @notice An annual review or cancellation signed by `key` with the signer's next nonce and a one-hour deadline.
    function signHolderAction(uint256 key, bytes32 typehash, uint256 registrationId, bytes32 digest)
        internal
        view
        returns (uint256 nonce, uint256 deadline, bytes memory signature)
    {
        nonce = registrations.nonces(vm.addr(key));
        deadline = block.timestamp + 1 hours;
        signature = signDigest(key, holderActionDigest(typehash, registrationId, digest, nonce, deadline));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Applications and the lifecycle, driven as the service would
    // ---------------------------------------------------------------------------------------------------------

    function nextDigest(string memory tag) internal returns (bytes32) {
        return keccak256(abi.encode(tag, ++_digestCount));
    }

    /// @notice A valid application of `registrant` to the first authority, claiming every right, without parents.
    function application(address registrant) internal returns (IRegistrations.Submission memory a) {
        a.registrant = registrant;
        a.authorityId = authorityId;
        a.kind = IRegistrations.Kind.DataResource;
        a.origin = IRegistrations.Origin.Enterprise;
        a.grade = IRegistrations.Grade.General;
        a.personalInfo = false;
        a.rights = ALL_RIGHTS;
        a.manifestDigest = nextDigest("manifest");
        a.dataCommitment = nextDigest("data");
        a.parents = new uint256[](0);
        a.nonce = registrations.nonces(registrant);
        a.deadline = block.timestamp + 1 days;
    }

    function submitSigned(uint256 key, IRegistrations.Submission memory a) internal returns (uint256 registrationId) {
        bytes memory signature = signSubmission(key, a);
        vm.prank(relayer);
        registrationId = registrations.submit(a, signature);
    }

    function submitted(uint256 key) internal returns (uint256) {
        return submitSigned(key, application(vm.addr(key)));
    }

    function submittedTo(uint256 key, uint16 authorityId_) internal returns (uint256) {
        IRegistrations.Submission memory a = application(vm.addr(key));
        a.authorityId = authorityId_;
        return submitSigned(key, a);
    }

    function underReview(uint256 key) internal returns (uint256 registrationId) {
        registrationId = submitted(key);
        vm.prank(reviewer);
        registrations.accept(registrationId);
    }

    function inNotice(uint256 key) internal returns (uint256 registrationId) {
        registrationId = underReview(key);
        vm.prank(authority);
        registrations.approve(registrationId);
    }

    /// @notice A registration certified at the end of its notice window (the clock moves there).
    function certified(uint256 key) internal returns (uint256 registrationId) {
        registrationId = inNotice(key);
        vm.warp(noticeEndsAt(registrationId));
        vm.prank(authority);
        registrations.certify(registrationId);
    }

    /// @notice Drives an already submitted registration of the first authority to Certified.
    function driveToCertified(uint256 registrationId) internal {
        vm.prank(reviewer);
        registrations.accept(registrationId);
        vm.prank(authority);
        registrations.approve(registrationId);
        vm.warp(noticeEndsAt(registrationId));
        vm.prank(authority);
        registrations.certify(registrationId);
    }

    /// @notice The admin proposes `newKey` for an authority, the delay passes, and the new key takes over.
    function rotateAuthority(uint16 id, address newKey) internal {
        vm.prank(admin);
        registrations.changeAuthorityAccount(id, newKey);
        vm.warp(block.timestamp + registrations.AUTHORITY_ACCOUNT_DELAY());
        vm.prank(newKey);
        registrations.acceptAuthorityAccount(id);
    }

    function objectAs(address objector, uint256 registrationId) internal returns (uint256 objectionId) {
        vm.prank(objector);
        objectionId = registrations.fileObjection(registrationId, nextDigest("objection"));
    }

    /// @notice The holder asks, through the relayer, for a change to `manifestDigest` and a fresh data commitment.
    function requestChangeAs(uint256 key, uint256 registrationId, bytes32 manifestDigest) internal {
        requestChangeAs(key, registrationId, manifestDigest, nextDigest("data"));
    }

    function requestChangeAs(uint256 key, uint256 registrationId, bytes32 manifestDigest, bytes32 dataCommitment)
        internal
    {
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signChangeRequest(key, registrationId, manifestDigest, dataCommitment);
        vm.prank(relayer);
        registrations.requestChange(registrationId, manifestDigest, dataCommitment, nonce, deadline, signature);
    }

    function fileAnnualReviewAs(uint256 key, uint256 registrationId, bytes32 reportDigest) internal {
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(key, ANNUAL_REVIEW_TYPEHASH, registrationId, reportDigest);
        vm.prank(relayer);
        registrations.fileAnnualReview(registrationId, reportDigest, nonce, deadline, signature);
    }

    function cancelAs(uint256 key, uint256 registrationId, bytes32 reasonDigest) internal {
        (uint256 nonce, uint256 deadline, bytes memory signature) =
            signHolderAction(key, CANCELLATION_TYPEHASH, registrationId, reasonDigest);
        vm.prank(relayer);
        registrations.cancel(registrationId, reasonDigest, nonce, deadline, signature);
    }

    /// @notice A certified registration whose annual review was missed, marked Lapsed (the clock moves past due).
    function lapsed(uint256 key) internal returns (uint256 registrationId) {
        registrationId = certified(key);
        vm.warp(registrations.registration(registrationId).reviewDueAt + 1);
        registrations.lapse(registrationId);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rights: signed terms, relayed as the service would
    // ---------------------------------------------------------------------------------------------------------

    function rightsDigest(bytes32 structHash) internal view returns (bytes32) {
        return typedDigest(address(rights), block.chainid, structHash);
    }

    /// @notice Transfer terms from the right's current holder to `newHolder`, with the right's nonce and a
    /// one-hour deadline.
    function transferTerms(uint256 registrationId, IRights.Right right, address newHolder)
        internal
        returns (IRights.TransferTerms memory t)
    {
        t.registrationId = registrationId;
        t.right = right;
        t.holder = rights.holderOf(registrationId, right);
        t.newHolder = newHolder;
        t.agreementDigest = nextDigest("transfer agreement");
        t.nonce = rights.nonceOf(registrationId, right);
        t.deadline = block.timestamp + 1 hours;
    }

    function signTransfer(uint256 key, IRights.TransferTerms memory t) internal view returns (bytes memory) {
        return signDigest(key, rightsDigest(transferStructHash(t)));
    }

    /// @notice The holder (`holderKey`) and the new holder (`newHolderKey`) sign a transfer, and the relayer
    /// registers it.
    function requestTransferAs(uint256 holderKey, uint256 newHolderKey, uint256 registrationId, IRights.Right right)
        internal
        returns (IRights.TransferTerms memory t)
    {
        t = transferTerms(registrationId, right, vm.addr(newHolderKey));
        bytes memory holderSignature = signTransfer(holderKey, t);
        bytes memory newHolderSignature = signTransfer(newHolderKey, t);
        vm.prank(relayer);
        rights.requestTransfer(t, holderSignature, newHolderSignature);
    }

    /// @notice A transfer requested and approved by the authority (general data: it takes effect).
    function transferredAs(uint256 holderKey, uint256 newHolderKey, uint256 registrationId, IRights.Right right)
        internal
    {
        requestTransferAs(holderKey, newHolderKey, registrationId, right);
        vm.prank(authorityOf(registrationId));
        rights.approveTransfer(registrationId, right);
    }

    /// @notice Licence terms signed by `licensor` for a term of [startsAt, endsAt), not sublicensable, no parent.
    function licenceTerms(
        uint256 registrationId,
        IRights.Right right,
        address licensor,
        address licensee,
        IRights.LicenceType licenceType,
        uint256 startsAt,
        uint256 endsAt
    ) internal returns (IRights.LicenceTerms memory t) {
        t.registrationId = registrationId;
        t.right = right;
        t.licensor = licensor;
        t.licensee = licensee;
        t.licenceType = licenceType;
        t.scopeDigest = nextDigest("licence scope");
        // casting to uint40 is safe: the tests' instants are decades from now, far below 2^40 seconds
        // forge-lint: disable-next-line(unsafe-typecast)
        t.startsAt = uint40(startsAt);
        // forge-lint: disable-next-line(unsafe-typecast)
        t.endsAt = uint40(endsAt);
        t.nonce = rights.nonceOf(registrationId, right);
        t.deadline = block.timestamp + 1 hours;
    }

    function signLicence(uint256 key, IRights.LicenceTerms memory t) internal view returns (bytes memory) {
        return signDigest(key, rightsDigest(licenceStructHash(t)));
    }

    function grantLicenceAs(uint256 key, IRights.LicenceTerms memory t) internal returns (uint256 licenceId) {
        bytes memory signature = signLicence(key, t);
        vm.prank(relayer);
        licenceId = rights.grantLicence(t, signature);
    }

    /// @notice The holder (`key`) licenses `licensee` for [startsAt, endsAt).
    function licensed(
        uint256 key,
        uint256 registrationId,
        IRights.Right right,
        address licensee,
        IRights.LicenceType licenceType,
        uint256 startsAt,
        uint256 endsAt
    ) internal returns (uint256 licenceId) {
        return grantLicenceAs(
            key, licenceTerms(registrationId, right, vm.addr(key), licensee, licenceType, startsAt, endsAt)
        );
    }

    function encumbranceTerms(
        uint256 registrationId,
        IRights.Right right,
        IRights.EncumbranceKind kind,
        address creditor
    ) internal returns (IRights.EncumbranceTerms memory t) {
        t.registrationId = registrationId;
        t.right = right;
        t.kind = kind;
        t.holder = rights.holderOf(registrationId, right);
        t.creditor = creditor;
        t.agreementDigest = nextDigest("encumbrance agreement");
        t.nonce = rights.nonceOf(registrationId, right);
        t.deadline = block.timestamp + 1 hours;
    }

    function signEncumbrance(uint256 key, IRights.EncumbranceTerms memory t) internal view returns (bytes memory) {
        return signDigest(key, rightsDigest(encumbranceStructHash(t)));
    }

    /// @notice A release by the right's current creditor, with the right's nonce and a one-hour deadline.
    function releaseTerms(uint256 registrationId, IRights.Right right)
        internal
        view
        returns (IRights.ReleaseTerms memory t)
    {
        t.registrationId = registrationId;
        t.right = right;
        t.creditor = rights.encumbranceOf(registrationId, right).creditor;
        t.nonce = rights.nonceOf(registrationId, right);
        t.deadline = block.timestamp + 1 hours;
    }

    function signRelease(uint256 key, IRights.ReleaseTerms memory t) internal view returns (bytes memory) {
        return signDigest(key, rightsDigest(releaseStructHash(t)));
    }

    /// @notice A revocation of `licenceId` by `licensor`, with the nonce its grants carry and a one-hour deadline.
    function revocationTerms(uint256 licenceId, address licensor)
        internal
        view
        returns (IRights.RevocationTerms memory t)
    {
        t.licenceId = licenceId;
        t.licensor = licensor;
        t.reasonDigest = keccak256("breach of the licence");
        IRights.Licence memory l = rights.licence(licenceId);
        t.nonce = l.parentLicenceId == 0
            ? rights.nonceOf(l.registrationId, l.right)
            : rights.sublicenceNonceOf(l.parentLicenceId);
        t.deadline = block.timestamp + 1 hours;
    }

    function signRevocation(uint256 key, IRights.RevocationTerms memory t) internal view returns (bytes memory) {
        return signDigest(key, rightsDigest(revocationStructHash(t)));
    }

    /// @notice The holder (`key`) pledges the right to, or places it in trust with, `creditor`.
    function encumberAs(
        uint256 key,
        uint256 registrationId,
        IRights.Right right,
        IRights.EncumbranceKind kind,
        address creditor
    ) internal returns (IRights.EncumbranceTerms memory t) {
        t = encumbranceTerms(registrationId, right, kind, creditor);
        bytes memory signature = signEncumbrance(key, t);
        vm.prank(relayer);
        rights.encumber(t, signature);
    }

    function authorityOf(uint256 registrationId) internal view returns (address account) {
        (account,,) = registrations.authorityTerms(registrations.registration(registrationId).authorityId);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reading
    // ---------------------------------------------------------------------------------------------------------

    function noticeEndsAt(uint256 registrationId) internal view returns (uint40) {
        return registrations.registration(registrationId).noticeEndsAt;
    }

    function assertStatus(uint256 registrationId, IRegistrations.Status expected, string memory message) internal view {
        vm.assertEq(uint256(registrations.statusOf(registrationId)), uint256(expected), message);
    }

    function invalidStatus(uint256 registrationId, IRegistrations.Status status) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRegistrations.InvalidStatus.selector, registrationId, status);
    }

    function missingRole(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ILedgerErrors.MissingRole.selector, caller, role);
    }

    function notAuthority(uint16 id, address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ILedgerErrors.NotAuthorityAccount.selector, id, caller);
    }

    function notAuthorityNorRole(uint16 id, bytes32 role, address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ILedgerErrors.NotAuthorityNorRole.selector, id, role, caller);
    }

    /// @dev Each caller is refused with the error `refusal` builds for it, which names what it lacks.
    function _assertRefused(
        address[] memory callers,
        bytes memory data,
        function(address) internal view returns (bytes memory) refusal
    ) internal {
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.prank(callers[i]);
            (bool ok, bytes memory returned) = address(registrations).call(data);
            string memory label = string.concat("caller ", vm.toString(i));
            vm.assertFalse(ok, label);
            vm.assertEq(keccak256(returned), keccak256(refusal(callers[i])), label);
        }
    }

    function _notAuthorityOf(address caller) internal view returns (bytes memory) {
        return notAuthority(authorityId, caller);
    }

    function _notReviewerOf(address caller) internal view returns (bytes memory) {
        return notAuthorityNorRole(authorityId, LedgerRoles.REVIEWER, caller);
    }

    function _notRegulatorNorAuthorityOf(address caller) internal view returns (bytes memory) {
        return notAuthorityNorRole(authorityId, LedgerRoles.REGULATOR, caller);
    }

    function _notRegulator(address caller) internal pure returns (bytes memory) {
        return missingRole(caller, LedgerRoles.REGULATOR);
    }

    function _notPauser(address caller) internal pure returns (bytes memory) {
        return missingRole(caller, LedgerRoles.PAUSER);
    }

    function _notAdmin(address caller) internal pure returns (bytes memory) {
        return missingRole(caller, LedgerRoles.ADMIN);
    }

    function _notRightsModule(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRegistrations.NotRightsModule.selector, caller);
    }
}
