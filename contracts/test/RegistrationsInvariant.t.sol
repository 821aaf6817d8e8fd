// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {RegistrantSigning} from "./utils/RegistrantSigning.sol";
import {Certificates} from "../src/Certificates.sol";
import {Registrations} from "../src/Registrations.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {CertificateNumbers} from "../src/libraries/CertificateNumbers.sol";

/// @title RegistrationsHandler
/// @notice Drives the lifecycle at random with bounded inputs: every registrant, reviewer, authority, regulator
/// and objector action, and the passing of time. Each action prefers a registration in the status the action
/// starts from, but sometimes picks any, so refusals are exercised too. Ghost state records what the ledger
/// must never do.
contract RegistrationsHandler is RegistrantSigning {
    Registrations public immutable registrations;
    Certificates public immutable certificates;
    address internal immutable reviewer;
    address internal immutable regulator;
    address internal immutable relayer;

    uint256[] internal _keys;
    address[] internal _objectors;

    /// @notice The chain clock as this handler moved it (kept here so it survives between calls).
    uint256 public currentTime;
    uint256[] public ids;
    uint256[] public objectionIds;

    /// @notice When each registration was first certified, and the notice end it had then.
    mapping(uint256 registrationId => uint256) public certifiedAt;
    mapping(uint256 registrationId => uint256) public noticeEndAtCertification;
    /// @notice Certifications that went through before their notice window ended (must stay 0).
    uint256 public certifiedBeforeNoticeEnded;

    uint256[] public revokedIds;
    mapping(uint256 registrationId => bool) public isRevoked;

    mapping(bytes32 authorityTypeAndNumber => bool) internal _issued;
    uint256 public certificatesIssued;
    /// @notice Certificate numbers seen twice for one authority and type (must stay 0).
    uint256 public repeatedNumbers;
    /// @notice Certificate numbers whose date is not the China Standard Time date of issue (must stay 0).
    uint256 public misdatedNumbers;

    mapping(uint256 registrationId => uint256) public openObjections;
    mapping(string action => uint256) public succeeded;

    constructor(
        Registrations registrations_,
        Certificates certificates_,
        address reviewer_,
        address regulator_,
        address relayer_,
        uint256[] memory keys_,
        address[] memory objectors_,
        uint256 start
    ) {
        registrations = registrations_;
        certificates = certificates_;
        reviewer = reviewer_;
        regulator = regulator_;
        relayer = relayer_;
        _keys = keys_;
        _objectors = objectors_;
        currentTime = start;
    }

    modifier atCurrentTime() {
        vm.warp(currentTime);
        _;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------------------

    function passTime(uint256 seconds_) external {
        seconds_ = bound(seconds_, 1 hours, 40 days);
        // Now and then a year goes by, so that annual reviews come due and registrations lapse.
        if (seconds_ % 8 == 0) seconds_ += 400 days;
        currentTime += seconds_;
    }

    function submit(uint256 registrantSeed, bool toSecondAuthority, uint256 rights, uint256 parentSeed)
        external
        atCurrentTime
    {
        uint256 key = _keys[registrantSeed % _keys.length];
        IRegistrations.Submission memory a;
        a.registrant = vm.addr(key);
        a.authorityId = toSecondAuthority ? 2 : 1;
        a.kind = IRegistrations.Kind(registrantSeed % 3);
        a.origin = IRegistrations.Origin((registrantSeed / 3) % 3);
        a.grade = IRegistrations.Grade((registrantSeed / 9) % 3);
        // casting to uint8 is safe: bounded to 1..7
        // forge-lint: disable-next-line(unsafe-typecast)
        a.rights = uint8(bound(rights, 1, 7));
        a.manifestDigest = keccak256(abi.encode("manifest", ids.length, registrantSeed));
        a.dataCommitment = keccak256(abi.encode("data", ids.length, registrantSeed));
        if (ids.length > 0 && parentSeed % 3 == 0) {
            a.parents = new uint256[](1);
            a.parents[0] = ids[parentSeed % ids.length];
        } else {
            a.parents = new uint256[](0);
        }
        a.nonce = registrations.nonces(a.registrant);
        a.deadline = block.timestamp + 1 hours;
        bytes memory signature =
            signDigest(key, typedDigest(address(registrations), block.chainid, submissionStructHash(a)));
        vm.prank(relayer);
        try registrations.submit(a, signature) returns (uint256 id) {
            ids.push(id);
            succeeded["submit"] += 1;
        } catch {}
    }

    /// @notice Takes one registration one step along its natural path: the action its status calls for.
    function advance(uint256 seed) external atCurrentTime {
        (uint256 id, bool found) = _pickLive(seed);
        if (!found) return;
        IRegistrations.Status status = registrations.statusOf(id);
        uint256 choice = seed >> 128;
        if (status == IRegistrations.Status.Submitted) _accept(id, choice % 2 == 0);
        else if (status == IRegistrations.Status.UnderReview) _approve(id);
        else if (status == IRegistrations.Status.PublicNotice) _certify(id);
        else if (status == IRegistrations.Status.Objected) _closeAnObjectionOf(id, choice);
        else if (status == IRegistrations.Status.Certified) _maintain(id, choice);
        else if (status == IRegistrations.Status.Lapsed) _renew(id);
        else if (status == IRegistrations.Status.Frozen) _unfreeze(id);
    }

    /// @notice A reviewer's or authority's review step: accept, reject or approve.
    function review(uint256 seed, uint256 op) external atCurrentTime {
        op %= 3;
        IRegistrations.Status wanted = op == 2 ? IRegistrations.Status.UnderReview : IRegistrations.Status.Submitted;
        (uint256 id, bool found) = _pick(seed, wanted);
        if (!found) return;
        if (op == 0) _accept(id, seed % 2 == 0);
        else if (op == 1) _reject(id);
        else _approve(id);
    }

    function certify(uint256 seed) external atCurrentTime {
        (uint256 id, bool found) = _pick(seed, IRegistrations.Status.PublicNotice);
        if (found) _certify(id);
    }

    function issueEvidenceCertificate(uint256 seed) external atCurrentTime {
        (uint256 id, bool found) = _pickAny(seed);
        if (!found) return;
        vm.prank(_authorityOf(id));
        try registrations.issueEvidenceCertificate(id) returns (uint256 tokenId) {
            _recordCertificate(tokenId);
            succeeded["evidence"] += 1;
        } catch {}
    }

    /// @notice Files an objection against a registration in notice, certified or lapsed, or closes an open one.
    function object(uint256 seed, uint256 op) external atCurrentTime {
        op %= 4;
        if (op == 0) {
            IRegistrations.Status wanted = seed % 3 == 0
                ? IRegistrations.Status.PublicNotice
                : seed % 3 == 1 ? IRegistrations.Status.Certified : IRegistrations.Status.Lapsed;
            (uint256 id, bool found) = wanted == IRegistrations.Status.Lapsed ? _pickLapsed(seed) : _pick(seed, wanted);
            if (found) _fileObjection(id, seed);
            return;
        }
        (uint256 objectionId, bool open) = _pickObjection(seed);
        if (!open) return;
        if (op == 1) _withdrawObjection(objectionId);
        else _resolveObjection(objectionId, op == 3);
    }

    /// @notice A change request by the holder, or the authority's decision on it.
    function change(uint256 seed, uint256 op) external atCurrentTime {
        (uint256 id, bool found) = _pick(seed, IRegistrations.Status.Certified);
        if (!found) return;
        op %= 3;
        if (op == 0) _requestChange(id, seed);
        else _decideChange(id, op == 1);
    }

    /// @notice Annual review, lapse, renewal or cancellation.
    function maintain(uint256 seed, uint256 op) external atCurrentTime {
        IRegistrations.Status wanted = op % 4 == 2 ? IRegistrations.Status.Lapsed : IRegistrations.Status.Certified;
        (uint256 id, bool found) = _pick(seed, wanted);
        if (!found) return;
        if (op % 4 == 2) _renew(id);
        else _maintain(id, op);
    }

    /// @notice A regulator's (or for revocation, the authority's) intervention: freeze, unfreeze, revoke.
    function regulate(uint256 seed, uint256 op, bool byRegulator) external atCurrentTime {
        op %= 3;
        IRegistrations.Status wanted = op == 1 ? IRegistrations.Status.Frozen : IRegistrations.Status.Certified;
        if (op == 2 && seed % 3 == 0) wanted = IRegistrations.Status.Frozen;
        if (op == 2 && seed % 3 == 1) wanted = IRegistrations.Status.Lapsed;
        (uint256 id, bool found) = wanted == IRegistrations.Status.Lapsed ? _pickLapsed(seed) : _pick(seed, wanted);
        if (!found) return;
        if (op == 0) {
            vm.prank(regulator);
            try registrations.freeze(id, keccak256("reason")) {
                succeeded["freeze"] += 1;
            } catch {}
        } else if (op == 1) {
            _unfreeze(id);
        } else {
            vm.prank(byRegulator ? regulator : _authorityOf(id));
            try registrations.revoke(id, keccak256("reason")) {
                succeeded["revoke"] += 1;
            } catch {}
            _observe(id);
        }
    }

    /// @notice Tries every way back to Certified on a revoked registration; the ledger must refuse them all.
    function reviveRevoked(uint256 seed) external atCurrentTime {
        if (revokedIds.length == 0) return;
        uint256 id = revokedIds[seed % revokedIds.length];
        address authority = _authorityOf(id);
        vm.prank(authority);
        try registrations.certify(id) {} catch {}
        vm.prank(authority);
        try registrations.renew(id, keccak256("report")) {} catch {}
        vm.prank(regulator);
        try registrations.unfreeze(id) {} catch {}
        vm.prank(authority);
        try registrations.approve(id) {} catch {}
        vm.prank(authority);
        try registrations.accept(id) {} catch {}
    }

    // ---------------------------------------------------------------------------------------------------------
    // Single steps on a chosen registration
    // ---------------------------------------------------------------------------------------------------------

    function _accept(uint256 id, bool byAuthority) internal {
        vm.prank(byAuthority ? _authorityOf(id) : reviewer);
        try registrations.accept(id) {
            succeeded["accept"] += 1;
        } catch {}
    }

    function _reject(uint256 id) internal {
        vm.prank(reviewer);
        try registrations.reject(id, keccak256("reason")) {
            succeeded["reject"] += 1;
        } catch {}
    }

    function _approve(uint256 id) internal {
        vm.prank(_authorityOf(id));
        try registrations.approve(id) {
            succeeded["approve"] += 1;
        } catch {}
    }

    function _certify(uint256 id) internal {
        uint256 endsAt = registrations.registration(id).noticeEndsAt;
        vm.prank(_authorityOf(id));
        try registrations.certify(id) returns (uint256 tokenId) {
            if (block.timestamp < endsAt) certifiedBeforeNoticeEnded += 1;
            if (certifiedAt[id] == 0) {
                certifiedAt[id] = block.timestamp;
                noticeEndAtCertification[id] = endsAt;
            }
            _recordCertificate(tokenId);
            succeeded["certify"] += 1;
        } catch {}
    }

    function _fileObjection(uint256 id, uint256 seed) internal {
        vm.prank(_objectors[seed % _objectors.length]);
        try registrations.fileObjection(id, keccak256(abi.encode("evidence", seed))) returns (uint256 objectionId) {
            objectionIds.push(objectionId);
            openObjections[id] += 1;
            succeeded["fileObjection"] += 1;
        } catch {}
    }

    function _withdrawObjection(uint256 objectionId) internal {
        IRegistrations.Objection memory o = registrations.objection(objectionId);
        vm.prank(o.objector);
        try registrations.withdrawObjection(objectionId) {
            openObjections[o.registrationId] -= 1;
            succeeded["withdrawObjection"] += 1;
        } catch {}
        _observe(o.registrationId);
    }

    function _resolveObjection(uint256 objectionId, bool upheld) internal {
        uint256 id = registrations.objection(objectionId).registrationId;
        vm.prank(_authorityOf(id));
        try registrations.resolveObjection(objectionId, upheld, keccak256("decision")) {
            openObjections[id] -= 1;
            succeeded["resolveObjection"] += 1;
        } catch {}
        _observe(id);
    }

    /// @dev Closes the first open objection against `id`: withdrawn, dismissed or upheld.
    function _closeAnObjectionOf(uint256 id, uint256 choice) internal {
        for (uint256 i = 0; i < objectionIds.length; ++i) {
            IRegistrations.Objection memory o = registrations.objection(objectionIds[i]);
            if (o.registrationId != id || o.status != IRegistrations.ObjectionStatus.Open) continue;
            if (choice % 3 == 0) _withdrawObjection(objectionIds[i]);
            else _resolveObjection(objectionIds[i], choice % 3 == 2);
            return;
        }
    }

    function _requestChange(uint256 id, uint256 seed) internal {
        bytes32 manifest = keccak256(abi.encode("manifest change", id, seed));
        bytes32 data = keccak256(abi.encode("data change", id, seed));
        address holder = registrations.holderOf(id);
        uint256 nonce = registrations.nonces(holder);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = signDigest(
            _keyOf(holder),
            typedDigest(
                address(registrations), block.chainid, changeRequestStructHash(id, manifest, data, nonce, deadline)
            )
        );
        vm.prank(relayer);
        try registrations.requestChange(id, manifest, data, nonce, deadline, signature) {
            succeeded["requestChange"] += 1;
        } catch {}
    }

    function _decideChange(uint256 id, bool approved) internal {
        vm.prank(_authorityOf(id));
        if (approved) {
            try registrations.approveChange(id) {
                succeeded["approveChange"] += 1;
            } catch {}
        } else {
            try registrations.rejectChange(id, keccak256("reason")) {
                succeeded["rejectChange"] += 1;
            } catch {}
        }
    }

    /// @dev What happens to a certified registration over time: review, change, lapse or cancellation.
    function _maintain(uint256 id, uint256 choice) internal {
        choice %= 5;
        if (choice == 0) _fileAnnualReview(id);
        else if (choice == 1) _requestChange(id, choice);
        else if (choice == 2) _decideChange(id, true);
        else if (choice == 3) _lapse(id);
        else _cancel(id);
    }

    function _fileAnnualReview(uint256 id) internal {
        bytes32 report = keccak256(abi.encode("report", id, block.timestamp));
        (uint256 nonce, uint256 deadline, bytes memory signature) = _signHolder(ANNUAL_REVIEW_TYPEHASH, id, report);
        vm.prank(relayer);
        try registrations.fileAnnualReview(id, report, nonce, deadline, signature) {
            succeeded["fileAnnualReview"] += 1;
        } catch {}
    }

    function _lapse(uint256 id) internal {
        try registrations.lapse(id) {
            succeeded["lapse"] += 1;
        } catch {}
    }

    function _renew(uint256 id) internal {
        vm.prank(_authorityOf(id));
        try registrations.renew(id, keccak256("late report")) {
            succeeded["renew"] += 1;
        } catch {}
    }

    function _unfreeze(uint256 id) internal {
        vm.prank(regulator);
        try registrations.unfreeze(id) {
            succeeded["unfreeze"] += 1;
        } catch {}
    }

    function _cancel(uint256 id) internal {
        bytes32 reason = keccak256("reason");
        (uint256 nonce, uint256 deadline, bytes memory signature) = _signHolder(CANCELLATION_TYPEHASH, id, reason);
        vm.prank(relayer);
        try registrations.cancel(id, reason, nonce, deadline, signature) {
            succeeded["cancel"] += 1;
        } catch {}
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------------------------

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function revokedCount() external view returns (uint256) {
        return revokedIds.length;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev One pick in five is any registration; otherwise the first in `wanted` status from a random offset,
    /// falling back to any registration when none is in that status.
    function _pick(uint256 seed, IRegistrations.Status wanted) internal view returns (uint256 id, bool found) {
        uint256 count = ids.length;
        if (count == 0) return (0, false);
        uint256 offset = (seed / 5) % count;
        if (seed % 5 == 0) return (ids[offset], true);
        for (uint256 i = 0; i < count; ++i) {
            uint256 candidate = ids[(offset + i) % count];
            if (registrations.statusOf(candidate) == wanted) return (candidate, true);
        }
        return (ids[offset], true);
    }

    /// @dev Lapsed registrations are rare (a review must be missed first): when the pick is a certified one, it is
    /// lapsed first if its review is overdue, as anyone may do.
    function _pickLapsed(uint256 seed) internal returns (uint256 id, bool found) {
        (id, found) = _pick(seed, IRegistrations.Status.Lapsed);
        if (found && registrations.statusOf(id) == IRegistrations.Status.Certified) _lapse(id);
    }

    function _pickAny(uint256 seed) internal view returns (uint256 id, bool found) {
        if (ids.length == 0) return (0, false);
        return (ids[seed % ids.length], true);
    }

    /// @dev A registration that can still move (not Rejected, Revoked or Cancelled), from a random offset.
    function _pickLive(uint256 seed) internal view returns (uint256 id, bool found) {
        uint256 count = ids.length;
        if (count == 0) return (0, false);
        uint256 offset = seed % count;
        for (uint256 i = 0; i < count; ++i) {
            uint256 candidate = ids[(offset + i) % count];
            IRegistrations.Status status = registrations.statusOf(candidate);
            if (
                status != IRegistrations.Status.Rejected && status != IRegistrations.Status.Revoked
                    && status != IRegistrations.Status.Cancelled
            ) return (candidate, true);
        }
        return (0, false);
    }

    function _pickObjection(uint256 seed) internal view returns (uint256 objectionId, bool found) {
        uint256 count = objectionIds.length;
        if (count == 0) return (0, false);
        uint256 offset = seed % count;
        for (uint256 i = 0; i < count; ++i) {
            uint256 candidate = objectionIds[(offset + i) % count];
            if (registrations.objection(candidate).status == IRegistrations.ObjectionStatus.Open) {
                return (candidate, true);
            }
        }
        return (objectionIds[offset], true);
    }

    function _authorityOf(uint256 id) internal view returns (address account) {
        (account,,) = registrations.authorityTerms(registrations.registration(id).authorityId);
    }

    function _signHolder(bytes32 typehash, uint256 id, bytes32 digest)
        internal
        view
        returns (uint256 nonce, uint256 deadline, bytes memory signature)
    {
        address holder = registrations.holderOf(id);
        uint256 key = _keyOf(holder);
        nonce = registrations.nonces(holder);
        deadline = block.timestamp + 1 hours;
        bytes32 structHash = holderActionStructHash(typehash, id, digest, nonce, deadline);
        signature = signDigest(key, typedDigest(address(registrations), block.chainid, structHash));
    }

    function _keyOf(address account) internal view returns (uint256) {
        for (uint256 i = 0; i < _keys.length; ++i) {
            if (vm.addr(_keys[i]) == account) return _keys[i];
        }
        return 1;
    }

    function _recordCertificate(uint256 tokenId) internal {
        ICertificates.Certificate memory c = certificates.certificate(tokenId);
        bytes32 key = keccak256(abi.encode(c.authorityId, c.certificateType, c.number));
        if (_issued[key]) repeatedNumbers += 1;
        _issued[key] = true;
        certificatesIssued += 1;
        if (c.number / 10000 != CertificateNumbers.dayOf(block.timestamp)) misdatedNumbers += 1;
    }

    function _observe(uint256 id) internal {
        if (!isRevoked[id] && registrations.statusOf(id) == IRegistrations.Status.Revoked) {
            isRevoked[id] = true;
            revokedIds.push(id);
        }
    }
}

/// @notice What must hold whatever order the lifecycle is driven in.
contract RegistrationsInvariantTest is LedgerFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    RegistrationsHandler internal handler;

    function setUp() public override {
        super.setUp();
        (address dave, uint256 daveKey) = actorWithKey("dave");
        vm.prank(partyAdmin);
        access.admitParty(dave, keccak256("identity:dave"));

        uint256[] memory keys = new uint256[](3);
        keys[0] = aliceKey;
        keys[1] = bobKey;
        keys[2] = daveKey;
        address[] memory objectors = new address[](3);
        objectors[0] = stranger;
        objectors[1] = bob;
        objectors[2] = actor("objector");
        handler =
            new RegistrationsHandler(registrations, certificates, reviewer, regulator, relayer, keys, objectors, START);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = RegistrationsHandler.passTime.selector;
        selectors[1] = RegistrationsHandler.submit.selector;
        selectors[2] = RegistrationsHandler.advance.selector;
        selectors[3] = RegistrationsHandler.review.selector;
        selectors[4] = RegistrationsHandler.certify.selector;
        selectors[5] = RegistrationsHandler.issueEvidenceCertificate.selector;
        selectors[6] = RegistrationsHandler.object.selector;
        selectors[7] = RegistrationsHandler.change.selector;
        selectors[8] = RegistrationsHandler.maintain.selector;
        selectors[9] = RegistrationsHandler.regulate.selector;
        selectors[10] = RegistrationsHandler.reviveRevoked.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// @notice (1) No registration is certified, or in a state reached only through certification (Lapsed, Frozen),
    /// unless its public-notice window had ended when it was certified.
    /// forge-config: default.invariant.depth = 256
    /// forge-config: ci.invariant.depth = 256
    function invariant_certified_only_after_the_notice_window_ended() public view {
        vm.assertEq(handler.certifiedBeforeNoticeEnded(), 0, "certified inside the notice window");
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            IRegistrations.Registration memory r = registrations.registration(id);
            if (
                r.status != IRegistrations.Status.Certified && r.status != IRegistrations.Status.Lapsed
                    && r.status != IRegistrations.Status.Frozen
            ) continue;
            uint256 certifiedAt = handler.certifiedAt(id);
            vm.assertTrue(certifiedAt != 0, "certified without a certify call");
            vm.assertLe(handler.noticeEndAtCertification(id), certifiedAt, "notice still open at certification");
            vm.assertEq(r.noticeEndsAt, handler.noticeEndAtCertification(id), "notice end moved after certification");
            vm.assertGe(r.version, 1, "certified without a version");
            vm.assertTrue(r.certificateNumber != 0, "certified without a certificate");
        }
    }

    /// @notice (2) A revoked registration stays revoked.
    /// forge-config: default.invariant.depth = 256
    /// forge-config: ci.invariant.depth = 256
    function invariant_revoked_registration_is_never_certified_again() public view {
        uint256 count = handler.revokedCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.revokedIds(i);
            vm.assertEq(uint256(registrations.statusOf(id)), uint256(IRegistrations.Status.Revoked), "revived");
        }
    }

    /// @notice (3) Certificate numbers never repeat for one authority and type, and carry their issue date.
    /// forge-config: default.invariant.depth = 256
    /// forge-config: ci.invariant.depth = 256
    function invariant_certificate_numbers_never_repeat() public view {
        vm.assertEq(handler.repeatedNumbers(), 0, "number issued twice");
        vm.assertEq(handler.misdatedNumbers(), 0, "number not dated by the day of issue");
    }

    /// @notice Every objection filed is counted open until it is withdrawn or resolved.
    /// forge-config: default.invariant.depth = 256
    /// forge-config: ci.invariant.depth = 256
    function invariant_open_objections_are_counted() public view {
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            vm.assertEq(registrations.registration(id).openObjections, handler.openObjections(id), "open objections");
        }
    }

    /// @notice A registration is shown disputed exactly while an objection stands against it certified, lapsed or
    /// frozen.
    /// forge-config: default.invariant.depth = 256
    /// forge-config: ci.invariant.depth = 256
    function invariant_disputed_exactly_while_an_objection_stands_against_a_live_registration() public view {
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            IRegistrations.Status status = registrations.statusOf(id);
            bool live = status == IRegistrations.Status.Certified || status == IRegistrations.Status.Lapsed
                || status == IRegistrations.Status.Frozen;
            vm.assertEq(registrations.isDisputed(id), live && handler.openObjections(id) > 0, "disputed flag");
        }
    }
}
