// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {RightsSigning} from "./utils/RightsSigning.sol";
import {Vm} from "./utils/Vm.sol";
import {Certificates} from "../src/Certificates.sol";
import {Registrations} from "../src/Registrations.sol";
import {Rights} from "../src/Rights.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {IRights} from "../src/interfaces/IRights.sol";

/// @title RightsHandler
/// @notice Drives the rights of a few certified registrations at random with bounded inputs: transfers by
/// agreement and by operation of law with their approvals and rejections, licences of every type (sub-licences
/// included), pledges and trusts and their releases, objections, freezes, and the passing of time. Every attempt
/// goes through the contracts as the service would send it; refusals are expected and ignored. Ghost state is
/// built from the events alone, so it is a model independent of the contract's storage.
contract RightsHandler is RightsSigning {
    Registrations public immutable registrations;
    Rights public immutable rights;
    address internal immutable authority;
    address internal immutable regulator;
    address internal immutable relayer;
    address internal immutable objector;

    uint256[] internal _keys;
    uint256[] public ids;
    uint256[] public licenceIds;
    uint256[] public objectionIds;

    /// @notice The chain clock as this handler moved it (kept here so it survives between calls).
    uint256 public currentTime;

    /// @notice Holder of each right as the RightTransferred events tell it; zero until the right first moves.
    mapping(uint256 registrationId => mapping(uint8 right => address)) public movedTo;
    /// @notice RightTransferred events whose previous holder was not the holder the events had named (must stay 0).
    uint256 public transfersFromTheWrongHolder;
    /// @notice Holders that changed in a call that started with the right pledged or in trust (must stay 0).
    uint256 public holderChangesWhileEncumbered;
    /// @notice Rights whose nonce went down in a call (must stay 0).
    uint256 public nonceDecreases;
    /// @notice Rights that changed hands, or had a pledge, trust or pending transfer end, without their nonce rising,
    /// so that a signature made before could be used after (must stay 0).
    uint256 public changesWithoutNonceRaise;
    /// @notice Objections filed and not yet closed, per registration.
    mapping(uint256 registrationId => uint256) public openObjections;
    mapping(string action => uint256) public succeeded;

    constructor(
        Registrations registrations_,
        Rights rights_,
        address authority_,
        address regulator_,
        address relayer_,
        address objector_,
        uint256[] memory keys_,
        uint256[] memory ids_,
        uint256 start
    ) {
        registrations = registrations_;
        rights = rights_;
        authority = authority_;
        regulator = regulator_;
        relayer = relayer_;
        objector = objector_;
        _keys = keys_;
        ids = ids_;
        currentTime = start;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Gives a right the history of tens of thousands of licences and transfers in one step: its changes
    /// counter (the top 16 bits of its first slot) jumps to near its maximum, never down. Sub-licences, whatever their
    /// number, do not touch it.
    function ageRight(uint256 seed) external {
        uint256 id = ids[seed % ids.length];
        uint256 right = (seed >> 8) % 3;
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(id, uint256(2)))) + 2 * right);
        uint256 word = uint256(vm.load(address(rights), slot));
        uint256 aged = type(uint16).max - ((seed >> 16) % 3);
        if (word >> 240 >= aged) return;
        vm.store(address(rights), slot, bytes32((word & ~(uint256(type(uint16).max) << 240)) | (aged << 240)));
        succeeded["ageRight"] += 1;
    }

    function passTime(uint256 seed) external {
        currentTime += bound(seed, 1 hours, 60 days);
    }

    /// @notice Holder and new holder sign a transfer; the relayer registers it.
    function requestTransfer(uint256 seed) external observed {
        (uint256 id, IRights.Right right) = _pickRight(seed, Wanted.Free);
        address holder = rights.holderOf(id, right);
        uint256 holderKey = _keyOf(holder);
        uint256 newHolderKey = _keys[(seed >> 16) % _keys.length];
        if (holderKey == 0 || newHolderKey == holderKey) return;
        IRights.TransferTerms memory t = IRights.TransferTerms({
            registrationId: id,
            right: right,
            holder: holder,
            newHolder: vm.addr(newHolderKey),
            agreementDigest: keccak256(abi.encode("agreement", seed)),
            nonce: rights.nonceOf(id, right),
            deadline: block.timestamp + 1 hours
        });
        bytes32 digest = typedDigest(address(rights), block.chainid, transferStructHash(t));
        bytes memory holderSignature = signDigest(holderKey, digest);
        bytes memory newHolderSignature = signDigest(newHolderKey, digest);
        vm.prank(relayer);
        try rights.requestTransfer(t, holderSignature, newHolderSignature) {
            succeeded["requestTransfer"] += 1;
        } catch {}
    }

    /// @notice The authority or a regulator approves, or either rejects, a pending transfer.
    function decideTransfer(uint256 seed) external observed {
        (uint256 id, IRights.Right right) = _pickRight(seed, Wanted.Pending);
        uint256 choice = (seed >> 24) % 6;
        if (choice < 2) {
            vm.prank(authority);
            try rights.approveTransfer(id, right) {
                succeeded["approveTransfer"] += 1;
            } catch {}
        } else if (choice < 4) {
            vm.prank(regulator);
            try rights.regulatorApproveTransfer(id, right) {
                succeeded["regulatorApproveTransfer"] += 1;
            } catch {}
        } else {
            vm.prank(choice == 4 ? authority : regulator);
            try rights.rejectTransfer(id, right, keccak256("reason")) {
                succeeded["rejectTransfer"] += 1;
            } catch {}
        }
    }

    /// @notice The authority transfers a right by operation of law.
    function transferByOperationOfLaw(uint256 seed) external observed {
        (uint256 id, IRights.Right right) = _pickRight(seed, Wanted.Free);
        address newHolder = vm.addr(_keys[(seed >> 16) % _keys.length]);
        vm.prank(authority);
        try rights.transferByOperationOfLaw(id, right, newHolder, keccak256(abi.encode("ruling", seed))) {
            succeeded["transferByOperationOfLaw"] += 1;
        } catch {}
    }

    /// @notice The holder pledges the right or places it in trust.
    function encumber(uint256 seed) external observed {
        (uint256 id, IRights.Right right) = _pickRight(seed, Wanted.Free);
        address holder = rights.holderOf(id, right);
        uint256 holderKey = _keyOf(holder);
        if (holderKey == 0) return;
        IRights.EncumbranceTerms memory t = IRights.EncumbranceTerms({
            registrationId: id,
            right: right,
            kind: (seed >> 24) % 2 == 0 ? IRights.EncumbranceKind.Pledge : IRights.EncumbranceKind.Trust,
            holder: holder,
            creditor: vm.addr(_keys[(seed >> 16) % _keys.length]),
            agreementDigest: keccak256(abi.encode("pledge", seed)),
            nonce: rights.nonceOf(id, right),
            deadline: block.timestamp + 1 hours
        });
        bytes memory signature =
            signDigest(holderKey, typedDigest(address(rights), block.chainid, encumbranceStructHash(t)));
        vm.prank(relayer);
        try rights.encumber(t, signature) {
            succeeded["encumber"] += 1;
        } catch {}
    }

    /// @notice The creditor releases, or the authority releases by court order.
    function release(uint256 seed) external observed {
        (uint256 id, IRights.Right right) = _pickRight(seed, Wanted.Encumbered);
        if ((seed >> 24) % 3 == 0) {
            vm.prank(authority);
            try rights.releaseByCourtOrder(id, right, keccak256("court order")) {
                succeeded["releaseByCourtOrder"] += 1;
            } catch {}
        } else {
            vm.prank(rights.encumbranceOf(id, right).creditor);
            try rights.release(id, right) {
                succeeded["release"] += 1;
            } catch {}
        }
    }

    /// @notice The holder (or the licensee of a sublicensable licence) grants a licence of random type and term.
    function grantLicence(uint256 seed) external observed {
        (uint256 id, IRights.Right right) = _pickRight(seed, Wanted.Free);
        IRights.LicenceTerms memory t;
        t.registrationId = id;
        t.right = right;
        t.licenceType = IRights.LicenceType((seed >> 24) % 5);
        uint256 start = block.timestamp + ((seed >> 32) % 120) * 1 days;
        start = start > 30 days ? start - 30 days : start;
        // casting to uint40 is safe: the handler's clock stays within decades of 2025
        // forge-lint: disable-next-line(unsafe-typecast)
        t.startsAt = uint40(start);
        // forge-lint: disable-next-line(unsafe-typecast)
        t.endsAt = uint40(start + 1 days + ((seed >> 48) % 180) * 1 days);
        t.scopeDigest = keccak256(abi.encode("scope", seed));
        t.sublicensable = t.licenceType != IRights.LicenceType.SubLicence && (seed >> 64) % 2 == 0;
        if (t.licenceType == IRights.LicenceType.SubLicence) {
            if (licenceIds.length == 0) return;
            t.parentLicenceId = licenceIds[(seed >> 72) % licenceIds.length];
            IRights.Licence memory parent = rights.licence(t.parentLicenceId);
            t.registrationId = parent.registrationId;
            t.right = parent.right;
            t.licensor = parent.licensee;
        } else {
            t.licensor = rights.holderOf(id, right);
        }
        uint256 licensorKey = _keyOf(t.licensor);
        if (licensorKey == 0) return;
        t.licensee = vm.addr(_keys[(seed >> 16) % _keys.length]);
        t.nonce = t.parentLicenceId == 0 ? rights.nonceOf(id, right) : rights.sublicenceNonceOf(t.parentLicenceId);
        t.deadline = block.timestamp + 1 hours;
        bytes memory signature =
            signDigest(licensorKey, typedDigest(address(rights), block.chainid, licenceStructHash(t)));
        vm.prank(relayer);
        try rights.grantLicence(t, signature) returns (uint256 licenceId) {
            licenceIds.push(licenceId);
            succeeded["grantLicence"] += 1;
        } catch {}
    }

    /// @notice A regulator approves, or the authority revokes, a licence.
    function decideLicence(uint256 seed) external observed {
        if (licenceIds.length == 0) return;
        uint256 licenceId = licenceIds[seed % licenceIds.length];
        if ((seed >> 8) % 2 == 0) {
            vm.prank(regulator);
            try rights.regulatorApproveLicence(licenceId) {
                succeeded["regulatorApproveLicence"] += 1;
            } catch {}
        } else {
            vm.prank(authority);
            try rights.revokeLicence(licenceId, keccak256("reason")) {
                succeeded["revokeLicence"] += 1;
            } catch {}
        }
    }

    /// @notice Files an objection, or closes one: withdrawn, dismissed or (rarely) upheld.
    function object(uint256 seed) external observed {
        if (seed % 4 == 0 || objectionIds.length == 0) {
            uint256 id = ids[(seed >> 8) % ids.length];
            vm.prank(objector);
            try registrations.fileObjection(id, keccak256(abi.encode("evidence", seed))) returns (uint256 filed) {
                objectionIds.push(filed);
                openObjections[id] += 1;
                succeeded["fileObjection"] += 1;
            } catch {}
            return;
        }
        uint256 objectionId = objectionIds[(seed >> 8) % objectionIds.length];
        IRegistrations.Objection memory o = registrations.objection(objectionId);
        if (o.status != IRegistrations.ObjectionStatus.Open) {
            for (uint256 i = 0; i < objectionIds.length; ++i) {
                o = registrations.objection(objectionIds[i]);
                if (o.status == IRegistrations.ObjectionStatus.Open) {
                    objectionId = objectionIds[i];
                    break;
                }
            }
            if (o.status != IRegistrations.ObjectionStatus.Open) return;
        }
        uint256 choice = (seed >> 16) % 10;
        if (choice < 4) {
            vm.prank(objector);
            registrations.withdrawObjection(objectionId);
        } else {
            vm.prank(authority);
            registrations.resolveObjection(objectionId, choice == 9, keccak256("decision"));
        }
        openObjections[o.registrationId] -= 1;
        succeeded["closeObjection"] += 1;
    }

    /// @notice A regulator freezes or unfreezes a registration.
    function regulate(uint256 seed) external observed {
        uint256 id = ids[seed % ids.length];
        vm.prank(regulator);
        if ((seed >> 8) % 4 == 0) {
            try registrations.freeze(id, keccak256("investigation")) {} catch {}
        } else {
            try registrations.unfreeze(id) {} catch {}
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------------------------

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function licenceCount() external view returns (uint256) {
        return licenceIds.length;
    }

    /// @notice The holder the events name: the last RightTransferred's new holder, or the registrant.
    function expectedHolder(uint256 id, IRights.Right right) public view returns (address) {
        address moved = movedTo[id][uint8(right)];
        return moved != address(0) ? moved : registrations.registration(id).registrant;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Runs an action at the handler's clock, with the holders and encumbrances before it noted, and folds the
    /// events it emitted into the ghost state.
    modifier observed() {
        vm.warp(currentTime);
        RightsSnapshot memory before = _snapshot();
        vm.recordLogs();
        _;
        _foldEvents(vm.getRecordedLogs());
        _compare(before);
    }

    /// @dev Each right's holder, nonce, and whether it is encumbered or has a transfer pending.
    struct RightsSnapshot {
        address[] holders;
        bool[] encumbered;
        bool[] pending;
        uint256[] nonces;
    }

    function _snapshot() internal view returns (RightsSnapshot memory snapshot) {
        uint256 size = ids.length * 3;
        snapshot = RightsSnapshot(new address[](size), new bool[](size), new bool[](size), new uint256[](size));
        for (uint256 k = 0; k < size; ++k) {
            (uint256 id, IRights.Right right) = (ids[k / 3], IRights.Right(k % 3));
            snapshot.holders[k] = rights.holderOf(id, right);
            snapshot.encumbered[k] = rights.encumbranceOf(id, right).creditor != address(0);
            snapshot.pending[k] = rights.pendingTransferOf(id, right).newHolder != address(0);
            snapshot.nonces[k] = rights.nonceOf(id, right);
        }
    }

    /// @dev Counts what the call did that it must not: move an encumbered right, lower a nonce, or change a right
    /// (its holder, or the end of a pledge, trust or pending transfer) without raising its nonce.
    function _compare(RightsSnapshot memory before) internal {
        RightsSnapshot memory afterwards = _snapshot();
        for (uint256 k = 0; k < before.holders.length; ++k) {
            bool moved = afterwards.holders[k] != before.holders[k];
            if (before.encumbered[k] && moved) holderChangesWhileEncumbered += 1;
            if (afterwards.nonces[k] < before.nonces[k]) nonceDecreases += 1;
            bool dealingEnded =
                (before.encumbered[k] && !afterwards.encumbered[k]) || (before.pending[k] && !afterwards.pending[k]);
            if ((moved || dealingEnded) && afterwards.nonces[k] <= before.nonces[k]) changesWithoutNonceRaise += 1;
        }
    }

    function _foldEvents(Vm.Log[] memory logs) internal {
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory entry = logs[i];
            if (entry.emitter != address(rights) || entry.topics[0] != IRights.RightTransferred.selector) continue;
            uint256 id = uint256(entry.topics[1]);
            IRights.Right right = IRights.Right(uint8(uint256(entry.topics[2])));
            address newHolder = address(uint160(uint256(entry.topics[3])));
            (address previousHolder,,) = abi.decode(entry.data, (address, bool, bytes32));
            if (previousHolder != expectedHolder(id, right)) transfersFromTheWrongHolder += 1;
            movedTo[id][uint8(right)] = newHolder;
        }
    }

    function _pickRight(uint256 seed) internal view returns (uint256 id, IRights.Right right) {
        id = ids[seed % ids.length];
        right = IRights.Right((seed >> 8) % 3);
    }

    enum Wanted {
        Free,
        Pending,
        Encumbered
    }

    /// @dev One pick in five is any right; otherwise the first right in the wanted state from a random offset (a
    /// free one of a certified registration, one with a transfer pending, or an encumbered one), falling back to any.
    function _pickRight(uint256 seed, Wanted wanted) internal view returns (uint256 id, IRights.Right right) {
        (id, right) = _pickRight(seed);
        if (seed % 5 == 0) return (id, right);
        uint256 count = ids.length * 3;
        uint256 offset = (seed >> 96) % count;
        for (uint256 i = 0; i < count; ++i) {
            uint256 k = (offset + i) % count;
            uint256 candidate = ids[k / 3];
            IRights.Right r = IRights.Right(k % 3);
            bool match_;
            if (wanted == Wanted.Pending) {
                match_ = rights.pendingTransferOf(candidate, r).newHolder != address(0);
            } else if (wanted == Wanted.Encumbered) {
                match_ = rights.encumbranceOf(candidate, r).creditor != address(0);
            } else {
                match_ = registrations.statusOf(candidate) == IRegistrations.Status.Certified
                    && rights.holderOf(candidate, r) != address(0)
                    && rights.pendingTransferOf(candidate, r).newHolder == address(0)
                    && rights.encumbranceOf(candidate, r).creditor == address(0);
            }
            if (match_) return (candidate, r);
        }
    }

    function _keyOf(address account) internal view returns (uint256) {
        if (account == address(0)) return 0;
        for (uint256 i = 0; i < _keys.length; ++i) {
            if (vm.addr(_keys[i]) == account) return _keys[i];
        }
        return 0;
    }
}

/// @notice What must hold of the rights whatever order they are driven in.
contract RightsInvariantTest is LedgerFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    RightsHandler internal handler;

    function _certifiedAs(uint256 key, IRegistrations.Kind kind, IRegistrations.Grade grade, uint8 claimed)
        internal
        returns (uint256 id)
    {
        IRegistrations.Submission memory a = application(vm.addr(key));
        a.kind = kind;
        a.grade = grade;
        a.rights = claimed;
        id = submitSigned(key, a);
        driveToCertified(id);
    }

    function setUp() public override {
        super.setUp();
        (address dave, uint256 daveKey) = actorWithKey("dave");
        vm.prank(partyAdmin);
        access.admitParty(dave, keccak256("identity:dave"));

        uint256[] memory ids = new uint256[](5);
        ids[0] = _certifiedAs(aliceKey, IRegistrations.Kind.DataResource, IRegistrations.Grade.General, 7);
        ids[1] = _certifiedAs(bobKey, IRegistrations.Kind.DataProduct, IRegistrations.Grade.General, 7);
        ids[2] = _certifiedAs(aliceKey, IRegistrations.Kind.DataResource, IRegistrations.Grade.Important, 1 | 2);
        ids[3] = _certifiedAs(daveKey, IRegistrations.Kind.DataAsset, IRegistrations.Grade.Core, 2 | 4);
        ids[4] = _certifiedAs(bobKey, IRegistrations.Kind.DataProduct, IRegistrations.Grade.General, 2);
        uint256[] memory keys = new uint256[](3);
        keys[0] = aliceKey;
        keys[1] = bobKey;
        keys[2] = daveKey;
        handler = new RightsHandler(
            registrations, rights, authority, regulator, relayer, stranger, keys, ids, block.timestamp
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = RightsHandler.passTime.selector;
        selectors[1] = RightsHandler.requestTransfer.selector;
        selectors[2] = RightsHandler.decideTransfer.selector;
        selectors[3] = RightsHandler.decideTransfer.selector;
        selectors[4] = RightsHandler.transferByOperationOfLaw.selector;
        selectors[5] = RightsHandler.encumber.selector;
        selectors[6] = RightsHandler.release.selector;
        selectors[7] = RightsHandler.grantLicence.selector;
        selectors[8] = RightsHandler.decideLicence.selector;
        selectors[9] = RightsHandler.object.selector;
        selectors[10] = RightsHandler.regulate.selector;
        selectors[11] = RightsHandler.ageRight.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// @notice No sequence of actions leaves a right locked: whatever stands on it can always be ended (a pledge or
    /// trust released by its creditor, a pending transfer rejected by the authority), and a free right of a certified
    /// registration can always be transferred by operation of law. Each is tried on a copy of the state, unpaused.
    function invariant_no_right_is_ever_locked() public {
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            bool certified = registrations.statusOf(id) == IRegistrations.Status.Certified;
            for (uint8 r = 0; r < 3; ++r) {
                IRights.Right right = IRights.Right(r);
                address holder = rights.holderOf(id, right);
                if (holder == address(0)) continue;
                uint256 snapshot = vm.snapshotState();
                if (registrations.paused()) {
                    vm.prank(pauser);
                    registrations.unpause();
                }
                address creditor = rights.encumbranceOf(id, right).creditor;
                if (creditor != address(0)) {
                    vm.prank(creditor);
                    rights.release(id, right);
                } else if (rights.pendingTransferOf(id, right).newHolder != address(0)) {
                    vm.prank(authorityOf(id));
                    rights.rejectTransfer(id, right, keccak256("rejected"));
                }
                if (certified) {
                    vm.prank(authorityOf(id));
                    rights.transferByOperationOfLaw(id, right, holder == alice ? bob : alice, keccak256("ruling"));
                }
                vm.revertToState(snapshot);
            }
        }
    }

    /// @notice Each right a registration claimed has exactly one holder at all times: the one the transfer events
    /// name (the registrant until it first moves); an unclaimed right has none.
    /// forge-config: default.invariant.depth = 128
    /// forge-config: ci.invariant.depth = 256
    function invariant_each_right_has_exactly_one_holder() public view {
        vm.assertEq(handler.transfersFromTheWrongHolder(), 0, "a transfer named another previous holder");
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            uint8 claimed = registrations.registration(id).rights;
            for (uint8 r = 0; r < 3; ++r) {
                IRights.Right right = IRights.Right(r);
                address holder = rights.holderOf(id, right);
                if (claimed & (uint8(1) << r) == 0) {
                    vm.assertEq(holder, address(0), "an unclaimed right has a holder");
                } else {
                    vm.assertTrue(holder != address(0), "a claimed right has no holder");
                    vm.assertEq(holder, handler.expectedHolder(id, right), "holder differs from the events");
                }
            }
        }
    }

    /// @notice A right's nonce never goes down, and rises whenever the right changes hands or a pledge, trust or
    /// pending transfer on it ends, so no signature outlives the state of the right it was made for.
    /// forge-config: default.invariant.depth = 128
    /// forge-config: ci.invariant.depth = 256
    function invariant_a_rights_nonce_rises_with_every_change() public view {
        vm.assertEq(handler.nonceDecreases(), 0, "a right's nonce went down");
        vm.assertEq(handler.changesWithoutNonceRaise(), 0, "a right changed and its nonce did not rise");
    }

    /// @notice A pledged or trusted right never changes hands while encumbered.
    /// forge-config: default.invariant.depth = 128
    /// forge-config: ci.invariant.depth = 256
    function invariant_encumbered_rights_holder_never_changes() public view {
        vm.assertEq(handler.holderChangesWhileEncumbered(), 0, "an encumbered right moved");
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            for (uint8 r = 0; r < 3; ++r) {
                IRights.Right right = IRights.Right(r);
                bool isEncumbered = rights.encumbranceOf(id, right).creditor != address(0);
                if (isEncumbered) {
                    vm.assertEq(rights.pendingTransferOf(id, right).newHolder, address(0), "pending while encumbered");
                    vm.assertFalse(rights.isUnencumbered(id), "registration reported unencumbered");
                }
            }
        }
    }

    /// @notice Two licences of the same right, one of them exclusive or sole, never overlap in time (sub-licences
    /// lie within their parent and are not compared).
    /// forge-config: default.invariant.depth = 128
    /// forge-config: ci.invariant.depth = 256
    function invariant_exclusive_licences_never_overlap() public view {
        uint256 count = handler.licenceCount();
        for (uint256 i = 0; i < count; ++i) {
            IRights.Licence memory a = rights.licence(handler.licenceIds(i));
            if (a.licenceType == IRights.LicenceType.SubLicence) {
                IRights.Licence memory parent = rights.licence(a.parentLicenceId);
                vm.assertTrue(
                    parent.startsAt <= a.startsAt && a.endsAt <= parent.endsAt, "sub-licence outside its parent"
                );
                continue;
            }
            for (uint256 j = i + 1; j < count; ++j) {
                IRights.Licence memory b = rights.licence(handler.licenceIds(j));
                if (b.licenceType == IRights.LicenceType.SubLicence) continue;
                if (a.registrationId != b.registrationId || a.right != b.right) continue;
                if (!_isExclusive(a) && !_isExclusive(b)) continue;
                vm.assertTrue(a.endsAt <= b.startsAt || b.endsAt <= a.startsAt, "exclusive licences overlap");
            }
        }
    }

    /// @notice A registration with an objection standing against it certified, lapsed or frozen is always reported
    /// disputed, and never otherwise.
    /// forge-config: default.invariant.depth = 128
    /// forge-config: ci.invariant.depth = 256
    function invariant_disputed_registration_is_never_reported_without_its_flag() public view {
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            IRegistrations.Status status = registrations.statusOf(id);
            bool live = status == IRegistrations.Status.Certified || status == IRegistrations.Status.Lapsed
                || status == IRegistrations.Status.Frozen;
            uint256 open = handler.openObjections(id);
            vm.assertEq(registrations.registration(id).openObjections, open, "open objections");
            vm.assertEq(registrations.isDisputed(id), live && open > 0, "disputed flag");
        }
    }

    /// @notice The property registration certificate is always held by the registration's primary holder.
    /// forge-config: default.invariant.depth = 128
    /// forge-config: ci.invariant.depth = 256
    function invariant_certificate_follows_the_primary_holder() public view {
        uint256 count = handler.idCount();
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = handler.ids(i);
            IRegistrations.Registration memory r = registrations.registration(id);
            uint256 token = certificates.tokenIdOf(
                id, r.authorityId, ICertificates.CertificateType.PropertyRegistration, r.certificateNumber
            );
            vm.assertEq(certificates.ownerOf(token), rights.primaryHolder(id), "certificate holder");
            vm.assertEq(registrations.holderOf(id), rights.primaryHolder(id), "the registry and the module agree");
        }
    }

    function _isExclusive(IRights.Licence memory l) internal pure returns (bool) {
        return l.licenceType == IRights.LicenceType.Exclusive || l.licenceType == IRights.LicenceType.Sole;
    }
}
