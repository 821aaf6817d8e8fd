// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerAccess} from "./interfaces/ILedgerAccess.sol";
import {IRegistrations} from "./interfaces/IRegistrations.sol";
import {IRights} from "./interfaces/IRights.sol";
import {IRightsView} from "./interfaces/IRightsView.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {SignedRequests} from "./SignedRequests.sol";
import {LedgerRoles} from "./libraries/LedgerRoles.sol";

/// @title Rights
/// @notice The three rights of every certified registration and what happens to them (DESIGN.md §2): transfer
/// registration (转移登记) signed by both holders and approved by the authority, transfer by operation of law,
/// licence registration (许可登记), pledges (质押) and trusts (信托), and a regulator's approval of transfers and
/// licences of data graded important or core. The registry asks it, through `IRightsView`, who holds a
/// registration, who may derive from it and whether it may be cancelled.
/// @dev Holders are set lazily, so certification costs nothing here: a right's holder is the stored one once it has
/// been transferred, and before that the registrant, if the registration claimed the right and was certified. After
/// a revocation or cancellation the holders stay as they were last, for the record, and nothing can move any more:
/// every transfer, licence and encumbrance needs a Certified registration. Only releases, revocations and
/// rejections, which end something, are possible in any status.
///
/// Signed requests are EIP-712 messages in the domain `DataRightsLedger` / `1` / chain id / this contract, with the
/// right's nonce and a deadline, checked with OpenZeppelin `SignatureChecker` so contract wallets sign through
/// ERC-1271; anyone may relay them. The nonce belongs to the right, not to the signer: every change of the right (a
/// licence, a transfer taking effect or refused, a release) raises it, so a signature is good for the right only as
/// it stood when it was signed, and cannot be used twice. It is kept in the slot each of those changes writes
/// anyway, which is what makes a signed request about 5,000 gas cheaper than with a per-signer nonce (see
/// docs/contracts.md). No state-changing function loops.
///
/// The ledger's emergency stop is the registry's: while it is paused nothing new starts and no right moves here;
/// revoking a licence and rejecting a transfer, which only stop things, stay possible.
contract Rights is IRights, SignedRequests {
    bytes32 private constant TRANSFER_TYPEHASH = keccak256(
        "RightTransfer(uint256 registrationId,uint8 right,address holder,address newHolder,bytes32 agreementDigest,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant LICENCE_TYPEHASH = keccak256(
        "Licence(uint256 registrationId,uint8 right,address licensor,address licensee,uint8 licenceType,"
        "bytes32 scopeDigest,uint40 startsAt,uint40 endsAt,bool sublicensable,uint256 parentLicenceId,uint256 nonce,"
        "uint256 deadline)"
    );
    bytes32 private constant ENCUMBRANCE_TYPEHASH = keccak256(
        "Encumbrance(uint256 registrationId,uint8 right,uint8 kind,address holder,address creditor,"
        "bytes32 agreementDigest,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant RELEASE_TYPEHASH =
        keccak256("Release(uint256 registrationId,uint8 right,address creditor,uint256 nonce,uint256 deadline)");
    bytes32 private constant REVOCATION_TYPEHASH = keccak256(
        "LicenceRevocation(uint256 licenceId,address licensor,bytes32 reasonDigest,uint256 nonce,uint256 deadline)"
    );

    /// @dev Bit positions of a licence id: `registrationId << 48 | right << 40 | sublicensable << 32 |
    /// parentSequence << 16 | sequence`, a licence's sequence being the nonce its grant raised the right to: from 1,
    /// increasing, not consecutive (transfers and releases raise the nonce too).
    uint256 private constant REGISTRATION_SHIFT = 48;
    uint256 private constant RIGHT_SHIFT = 40;
    uint256 private constant SUBLICENSABLE_SHIFT = 32;
    uint256 private constant PARENT_SHIFT = 16;
    uint256 private constant SEQUENCE_MASK = 0xffff;
    uint256 private constant RIGHT_MASK = 0xff;
    /// @dev Width of the changes counter in a right's nonce, below the count of dealings ended.
    uint256 private constant CHANGES_BITS = 16;

    /// @dev What stands on a right, one thing at a time: nothing, a pledge, a trust, or a transfer awaiting its
    /// approvals. Pledged and InTrust have the values of EncumbranceKind.Pledge and EncumbranceKind.Trust.
    enum Standing {
        Free,
        Pledged,
        InTrust,
        TransferPending
    }

    /// @dev What stands on a right, in one slot: the pledgee, the trustee or the incoming holder, and for a pending
    /// transfer its approvals. A right with a transfer pending cannot be pledged or placed in trust, nor an encumbered
    /// one transferred, so one slot serves the creditor and the incoming holder.
    struct Dealing {
        address counterparty;
        Standing standing;
        bool authorityApproved;
        bool regulatorApproved;
        bool lawful;
        uint64 dealingsEnded;
    }

    /// @dev One right of one registration, in two slots: its holder (zero until it first moves) with the licensing
    /// bookkeeping and the right's nonce, and what stands on it. A licence's sequence number is the nonce its grant
    /// raised the right to.
    struct RightState {
        address holder;
        uint40 exclusiveEndsAt;
        uint40 licencesEndAt;
        uint16 changes;
        Dealing dealing;
    }

    /// @dev A licence in one slot; the registration, right, parent and whether it is sublicensable are in its id.
    struct LicenceRecord {
        address licensee;
        uint40 startsAt;
        uint40 endsAt;
        LicenceType licenceType;
        LicenceStatus status;
    }

    /// @notice The registry whose registrations these rights belong to.
    IRegistry public immutable registrations;
    /// @notice Roles and admitted parties (the registry's).
    ILedgerAccess public immutable access;

    mapping(uint256 registrationId => RightState[3]) private _rights;
    mapping(uint256 licenceId => LicenceRecord) private _licences;
    mapping(uint256 registrationId => mapping(address licensee => uint256 licenceId)) private _processingLicences;
    mapping(uint256 parentLicenceId => uint256 count) private _sublicenceCounts;

    /// @param registrations_ the registry; its administrator then connects this module with `setRights`
    constructor(IRegistry registrations_) {
        registrations = registrations_;
        access = registrations_.access();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Transfer registration (转移登记)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Registers a transfer of one right signed by its holder and by the new holder, both over the same
    /// `RightTransfer` message; it waits for the authority's approval (and a regulator's, for important or core
    /// data). Anyone may relay it.
    /// @dev Refused while the right is pledged or in trust, while another transfer of it is pending, while an
    /// objection stands against the registration, or unless both parties are admitted.
    function requestTransfer(
        TransferTerms calldata terms,
        bytes calldata holderSignature,
        bytes calldata newHolderSignature
    ) external {
        uint256 registrationId = terms.registrationId;
        IRegistrations.RightsContext memory context = _certified(registrationId);
        if (context.openObjections != 0) revert RegistrationDisputed(registrationId);
        if (terms.agreementDigest == bytes32(0)) revert MissingDigest();
        RightState storage state = _rights[registrationId][uint8(terms.right)];
        address holder = _holderOf(state, context, terms.right);
        if (holder == address(0) || holder != terms.holder) {
            revert RightNotHeld(registrationId, terms.right, terms.holder);
        }
        address newHolder = terms.newHolder;
        _checkFree(state, registrationId, terms.right);
        _checkCounterparty(holder, newHolder);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(TRANSFER_TYPEHASH, terms)));
        _checkNonce(state, registrationId, terms.right, terms.nonce);
        _checkSignature(holder, digest, terms.deadline, holderSignature);
        _checkSignature(newHolder, digest, terms.deadline, newHolderSignature);
        state.dealing = Dealing(newHolder, Standing.TransferPending, false, false, false, state.dealing.dealingsEnded);
        emit TransferRequested(registrationId, terms.right, newHolder, holder, terms.agreementDigest, false);
    }

    /// @notice The registration's authority approves a pending transfer. It takes effect now, unless the data is
    /// graded important or core and no regulator has approved it yet; if the right is the one the registration's
    /// certificate follows, the certificate is reissued to the new holder.
    function approveTransfer(uint256 registrationId, Right right) external {
        IRegistrations.RightsContext memory context = _certified(registrationId);
        _checkAuthority(context.authorityId);
        RightState storage state = _pendingTransfer(registrationId, right);
        if (state.dealing.authorityApproved) revert AlreadyApproved(registrationId, right);
        if (!state.dealing.lawful && context.openObjections != 0) revert RegistrationDisputed(registrationId);
        emit TransferApproved(registrationId, right, msg.sender, false);
        if (context.grade == IRegistrations.Grade.General || state.dealing.regulatorApproved) {
            _transfer(state, context, registrationId, right, state.dealing.counterparty, state.dealing.lawful, 0);
        } else {
            state.dealing.authorityApproved = true;
        }
    }

    /// @notice A regulator approves a pending transfer of data graded important or core. It takes effect now if
    /// the authority has approved it (or initiated it by operation of law), otherwise on the authority's approval.
    function regulatorApproveTransfer(uint256 registrationId, Right right) external {
        _checkRole(LedgerRoles.REGULATOR);
        IRegistrations.RightsContext memory context = _certified(registrationId);
        if (context.grade == IRegistrations.Grade.General) revert RegulatorApprovalNotNeeded();
        RightState storage state = _pendingTransfer(registrationId, right);
        if (state.dealing.regulatorApproved) revert AlreadyApproved(registrationId, right);
        if (!state.dealing.lawful && context.openObjections != 0) revert RegistrationDisputed(registrationId);
        emit TransferApproved(registrationId, right, msg.sender, true);
        if (state.dealing.authorityApproved) {
            _transfer(state, context, registrationId, right, state.dealing.counterparty, state.dealing.lawful, 0);
        } else {
            state.dealing.regulatorApproved = true;
        }
    }

    /// @notice The registration's authority or a regulator refuses a pending transfer. Possible in any status and
    /// while paused.
    /// @param reasonDigest hash of the written decision
    function rejectTransfer(uint256 registrationId, Right right, bytes32 reasonDigest) external {
        IRegistrations.RightsContext memory context = registrations.rightsContext(registrationId);
        if (!_isAuthority(context.authorityId) && !access.hasRole(LedgerRoles.REGULATOR, msg.sender)) {
            revert NotAuthorityNorRole(context.authorityId, LedgerRoles.REGULATOR, msg.sender);
        }
        RightState storage state = _pendingTransfer(registrationId, right);
        _endDealing(state);
        emit TransferRejected(registrationId, right, msg.sender, reasonDigest);
    }

    /// @notice Transfer by operation of law: on the holder's merger, division, dissolution or bankruptcy the
    /// registration's authority transfers the right on the evidence (court ruling, merger record), without the old
    /// holder's signature. It takes effect at once (one RightTransferred carrying the evidence), or for important or
    /// core data, registered as pending (TransferRequested), when a regulator approves it.
    /// Refused like a transfer by agreement while the right is pledged or in trust, or another transfer is pending;
    /// an objection does not stop it.
    /// @param evidenceDigest hash of the evidence
    function transferByOperationOfLaw(uint256 registrationId, Right right, address newHolder, bytes32 evidenceDigest)
        external
    {
        IRegistrations.RightsContext memory context = _certified(registrationId);
        _checkAuthority(context.authorityId);
        if (evidenceDigest == bytes32(0)) revert MissingDigest();
        RightState storage state = _rights[registrationId][uint8(right)];
        address holder = _holderOf(state, context, right);
        if (holder == address(0)) revert RightNotHeld(registrationId, right, address(0));
        _checkFree(state, registrationId, right);
        if (newHolder == holder || newHolder == address(0)) revert InvalidCounterparty(newHolder);
        if (context.grade == IRegistrations.Grade.General) {
            _transfer(state, context, registrationId, right, newHolder, true, evidenceDigest);
        } else {
            _checkAdmitted(newHolder);
            state.dealing = Dealing(newHolder, Standing.TransferPending, true, false, true, state.dealing.dealingsEnded);
            emit TransferRequested(registrationId, right, newHolder, holder, evidenceDigest, true);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Licence registration (许可登记)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Registers a licence signed by its licensor (the right's holder; for a sub-licence, the licensee of a
    /// current parent licence that allows sub-licensing and covers the term). Anyone may relay it. A licence of data
    /// graded important or core waits for a regulator's approval. The holder cannot license a right that is pledged
    /// or in trust (as a pledged intellectual-property right may not be licensed without the pledgee, Civil Code
    /// art. 444) or that is being transferred (the new holder signed for the right as it stood).
    /// @dev Overlap rule, conservative and O(1): per right the ledger keeps the latest end of any exclusive or sole
    /// licence and the latest end of any licence. A new exclusive or sole licence must start at or after the latest
    /// end of every earlier licence of the right; any other licence at or after the latest end of the exclusive and
    /// sole ones. This refuses every overlap, and also some back-dated licences that overlap nothing (one lying
    /// wholly before an earlier licence); ends of revoked and still-unapproved licences keep counting. A sub-licence
    /// lies within its parent's term and is not checked against or counted in these ends.
    /// For public data (Origin.Public) the event marks the scope document public: the service checks before
    /// relaying that its CID resolves, since public-data authorisations must be public.
    /// @return licenceId the new licence's id, encoding registration, right, sublicensable flag and parent
    function grantLicence(LicenceTerms calldata terms, bytes calldata signature) external returns (uint256 licenceId) {
        (IRegistrations.Grade grade, IRegistrations.Origin origin, uint256 parentSequence) =
            _checkLicence(terms, signature);
        bool awaitingApproval = grade != IRegistrations.Grade.General;
        licenceId = _recordLicence(terms, parentSequence, awaitingApproval);
        _emitLicenceGranted(terms, licenceId, origin == IRegistrations.Origin.Public, awaitingApproval);
    }

    /// @notice A regulator approves a licence of data graded important or core; it counts from now on.
    function regulatorApproveLicence(uint256 licenceId) external {
        _checkRole(LedgerRoles.REGULATOR);
        LicenceRecord storage licence_ = _existingLicence(licenceId);
        LicenceStatus status = licence_.status;
        if (status != LicenceStatus.AwaitingApproval) revert LicenceNotInStatus(licenceId, status);
        uint256 registrationId = licenceId >> REGISTRATION_SHIFT;
        _certified(registrationId);
        licence_.status = LicenceStatus.Granted;
        emit LicenceApproved(licenceId, registrationId, msg.sender);
    }

    /// @notice Revokes a licence: by its licensor (the right's current holder, or for a sub-licence the parent's
    /// licensee), by the registration's authority, or while it awaits approval by a regulator. Possible in any
    /// status and while paused; licences also end by themselves at the end of their term.
    /// @param reasonDigest hash of the written reason
    function revokeLicence(uint256 licenceId, bytes32 reasonDigest) external {
        (LicenceStatus status, IRegistrations.RightsContext memory context) = _revocable(licenceId);
        if (
            msg.sender != _licensorOf(licenceId, context) && !_isAuthority(context.authorityId)
                && !(status == LicenceStatus.AwaitingApproval && access.hasRole(LedgerRoles.REGULATOR, msg.sender))
        ) revert NotLicensor(licenceId, msg.sender);
        _revoke(licenceId, msg.sender, reasonDigest);
    }

    /// @notice Revokes a licence on its licensor's signature (EIP-712 `LicenceRevocation`), for a licensor whose key
    /// the relayer does not hold: anyone may relay it and only pays the gas; the event names the licensor. Possible
    /// in any status and while paused, as `revokeLicence`.
    function revokeLicenceBySignature(RevocationTerms calldata terms, bytes calldata signature) external {
        uint256 licenceId = terms.licenceId;
        (, IRegistrations.RightsContext memory context) = _revocable(licenceId);
        address licensor = terms.licensor;
        if (licensor != _licensorOf(licenceId, context)) revert NotLicensor(licenceId, licensor);
        _checkLicensorNonce(licenceId, terms.nonce);
        _checkSignature(
            licensor, _hashTypedDataV4(keccak256(abi.encode(REVOCATION_TYPEHASH, terms))), terms.deadline, signature
        );
        _revoke(licenceId, licensor, terms.reasonDigest);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pledge (质押) and trust (信托)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Pledges a right to a pledgee, or places it in trust with a trustee, on the holder's signature. While
    /// encumbered the right cannot be transferred, and the registration cannot be cancelled. Refused while a transfer
    /// of the right is pending.
    function encumber(EncumbranceTerms calldata terms, bytes calldata signature) external {
        uint256 registrationId = terms.registrationId;
        IRegistrations.RightsContext memory context = _certified(registrationId);
        if (terms.kind == EncumbranceKind.None) revert RightNotEncumbered(registrationId, terms.right);
        if (terms.agreementDigest == bytes32(0)) revert MissingDigest();
        RightState storage state = _rights[registrationId][uint8(terms.right)];
        address holder = _holderOf(state, context, terms.right);
        if (holder == address(0) || holder != terms.holder) {
            revert RightNotHeld(registrationId, terms.right, terms.holder);
        }
        _checkFree(state, registrationId, terms.right);
        address creditor = terms.creditor;
        _checkCounterparty(holder, creditor);
        _checkNonce(state, registrationId, terms.right, terms.nonce);
        _checkSignature(
            holder, _hashTypedDataV4(keccak256(abi.encode(ENCUMBRANCE_TYPEHASH, terms))), terms.deadline, signature
        );
        state.dealing = Dealing(creditor, Standing(uint8(terms.kind)), false, false, false, state.dealing.dealingsEnded);
        emit RightEncumbered(registrationId, terms.right, creditor, terms.kind, terms.agreementDigest);
    }

    /// @notice The pledgee or trustee releases the right.
    function release(uint256 registrationId, Right right) external {
        _release(registrationId, right, msg.sender);
    }

    /// @notice Releases the right on the pledgee's or trustee's signature (EIP-712 `Release`), for a creditor whose key
    /// the relayer does not hold: anyone may relay it and only pays the gas; the event names the creditor. The
    /// release raises the right's nonce, so the signature cannot be used again.
    function releaseBySignature(ReleaseTerms calldata terms, bytes calldata signature) external {
        uint256 registrationId = terms.registrationId;
        Right right = terms.right;
        _checkNonce(_rights[registrationId][uint8(right)], registrationId, right, terms.nonce);
        _checkSignature(
            terms.creditor, _hashTypedDataV4(keccak256(abi.encode(RELEASE_TYPEHASH, terms))), terms.deadline, signature
        );
        _release(registrationId, right, terms.creditor);
    }

    /// @notice The registration's authority releases a pledge or trust by court order.
    /// @param evidenceDigest hash of the court order
    function releaseByCourtOrder(uint256 registrationId, Right right, bytes32 evidenceDigest) external {
        IRegistrations.RightsContext memory context = registrations.rightsContext(registrationId);
        if (context.paused) revert LedgerPaused();
        _checkAuthority(context.authorityId);
        if (evidenceDigest == bytes32(0)) revert MissingDigest();
        (RightState storage state, EncumbranceKind kind) = _encumbered(registrationId, right);
        _endDealing(state);
        emit EncumbranceReleased(registrationId, right, msg.sender, kind, evidenceDigest);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The holder of one right: zero if the registration did not claim it or was never certified. Reverts
    /// for an unknown registration.
    function holderOf(uint256 registrationId, Right right) external view returns (address) {
        return _holderOf(_rights[registrationId][uint8(right)], registrations.rightsContext(registrationId), right);
    }

    /// @inheritdoc IRightsView
    /// @dev The holder of the right the registration's certificate follows: for a data product the product operation
    /// right, otherwise the resource holding right; if that one was not claimed, the first claimed right in the order
    /// resource holding, processing and use, product operation. Reverts for an unknown registration.
    function primaryHolder(uint256 registrationId) external view returns (address) {
        IRegistrations.RightsContext memory context = registrations.rightsContext(registrationId);
        Right right = _primaryRight(context);
        return _holderOf(_rights[registrationId][uint8(right)], context, right);
    }

    /// @inheritdoc IRightsView
    /// @dev True for the holder of the processing and use right, and for the licensee of a current licence of it
    /// (started, not ended, not revoked, approved if it had to be, and for a sub-licence its parent current too).
    /// O(1): per registration and licensee only the processing licence with the latest end is consulted, so a
    /// licensee whose latest licence is not current (not yet started, awaiting approval, revoked) is answered false
    /// even if an earlier licence of it still runs. The registry adds its own rule that the parent is Certified.
    function mayProcess(uint256 registrationId, address account) external view returns (bool) {
        if (account == address(0)) return false;
        uint256 licenceId = _processingLicences[registrationId][account];
        if (licenceId != 0 && _isCurrent(licenceId)) return true;
        address stored = _rights[registrationId][uint8(Right.ProcessingAndUse)].holder;
        if (stored != address(0)) return stored == account;
        IRegistrations.RightsContext memory context = registrations.rightsContext(registrationId);
        return context.registrant == account && _wasCertified(context.status)
            && context.rights & _bit(Right.ProcessingAndUse) != 0;
    }

    /// @inheritdoc IRightsView
    /// @dev False while a right is pledged, in trust or being transferred (a transfer both parties signed must not be
    /// dodged by cancelling), and while the rights are split between holders: the primary
    /// holder, who signs the cancellation, must hold every right the registration claimed, so that nobody else's
    /// right is cancelled with it. Licences are not checked: they end with the registration.
    function isUnencumbered(uint256 registrationId) external view returns (bool) {
        RightState[3] storage states = _rights[registrationId];
        bool moved = false;
        for (uint256 i = 0; i < 3; ++i) {
            if (states[i].dealing.standing != Standing.Free) return false;
            moved = moved || states[i].holder != address(0);
        }
        if (!moved) return true;
        IRegistrations.RightsContext memory context = registrations.rightsContext(registrationId);
        address primary = _holderOf(states[uint8(_primaryRight(context))], context, _primaryRight(context));
        for (uint256 i = 0; i < 3; ++i) {
            Right right = Right(i);
            address holder = _holderOf(states[i], context, right);
            if (holder != address(0) && holder != primary) return false;
        }
        return true;
    }

    /// @notice The pledge or trust over one right (kind None when there is none).
    function encumbranceOf(uint256 registrationId, Right right) external view returns (Encumbrance memory) {
        RightState storage state = _rights[registrationId][uint8(right)];
        Standing standing = state.dealing.standing;
        if (!_isEncumbered(standing)) return Encumbrance(address(0), EncumbranceKind.None);
        return Encumbrance(state.dealing.counterparty, EncumbranceKind(uint8(standing)));
    }

    /// @notice The pending transfer of one right (zero new holder when there is none).
    function pendingTransferOf(uint256 registrationId, Right right) external view returns (PendingTransfer memory) {
        RightState storage state = _rights[registrationId][uint8(right)];
        if (state.dealing.standing != Standing.TransferPending) {
            return PendingTransfer(address(0), false, false, false);
        }
        return PendingTransfer(
            state.dealing.counterparty,
            state.dealing.authorityApproved,
            state.dealing.regulatorApproved,
            state.dealing.lawful
        );
    }

    /// @notice The licensing bookkeeping of one right: the latest ends the overlap rule checks.
    function licensingOf(uint256 registrationId, Right right) external view returns (Licensing memory) {
        RightState storage state = _rights[registrationId][uint8(right)];
        return Licensing(state.exclusiveEndsAt, state.licencesEndAt);
    }

    /// @notice The nonce the next signed request about one right (transfer, licence, pledge or trust) must carry.
    function nonceOf(uint256 registrationId, Right right) external view returns (uint256) {
        return _nonceOf(_rights[registrationId][uint8(right)]);
    }

    /// @notice The nonce the next sub-licence under `parentLicenceId` must carry: the number of sub-licences granted
    /// under it. A sub-licence is signed by the parent's licensee, so it leaves the right's nonce, and with it the
    /// holder's pending signatures, alone.
    function sublicenceNonceOf(uint256 parentLicenceId) external view returns (uint256) {
        return _sublicenceCounts[parentLicenceId];
    }

    /// @notice Points the lineage index of a licensee at one of its processing licences in force, when the licence the
    /// index holds is not (ended, revoked, not started or awaiting approval). Anyone may call it: it can only turn a
    /// refused derivation into an allowed one, never the reverse.
    function recordLineage(uint256 licenceId) external {
        LicenceRecord storage record = _existingLicence(licenceId);
        uint256 registrationId = licenceId >> REGISTRATION_SHIFT;
        address licensee = record.licensee;
        uint256 indexed_ = _processingLicences[registrationId][licensee];
        if (_rightOf(licenceId) != Right.ProcessingAndUse || !_isCurrent(licenceId) || _isCurrent(indexed_)) {
            revert LineageNotRecorded(licenceId);
        }
        _processingLicences[registrationId][licensee] = licenceId;
    }

    /// @notice A licence; reverts for an unknown id.
    function licence(uint256 licenceId) external view returns (Licence memory) {
        LicenceRecord storage record = _existingLicence(licenceId);
        uint256 parentSequence = _parentSequenceOf(licenceId);
        return Licence({
            registrationId: licenceId >> REGISTRATION_SHIFT,
            right: _rightOf(licenceId),
            licenceType: record.licenceType,
            parentLicenceId: parentSequence == 0 ? 0 : _parentLicenceId(licenceId),
            licensee: record.licensee,
            startsAt: record.startsAt,
            endsAt: record.endsAt,
            status: record.status,
            sublicensable: _isSublicensable(licenceId)
        });
    }

    /// @notice Whether a licence is in force now: granted (approved if it had to be), started, not ended, not
    /// revoked, and for a sub-licence its parent too.
    function isLicenceCurrent(uint256 licenceId) external view returns (bool) {
        return _isCurrent(licenceId);
    }

    /// @notice The processing and use licence of `licensee` that `mayProcess` consults (the one with the latest end).
    function processingLicenceOf(uint256 registrationId, address licensee) external view returns (uint256) {
        return _processingLicences[registrationId][licensee];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal state changes
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Moves the right now; the caller has checked the approvals. The registry is told when the right first
    /// leaves the registrant (so it stops answering for it) and whenever it is the right the certificate follows (so
    /// it reissues the certificate to the new holder).
    function _transfer(
        RightState storage state,
        IRegistrations.RightsContext memory context,
        uint256 registrationId,
        Right right,
        address newHolder,
        bool lawful,
        bytes32 evidenceDigest
    ) private {
        _checkAdmitted(newHolder);
        address stored = state.holder;
        address previous = stored == address(0) ? context.registrant : stored;
        state.holder = newHolder;
        // A transfer raises the counter of the slot it writes; once that counter is full, the dealings' one: so no
        // number of licences and transfers can stop a right from moving.
        uint64 ended = state.dealing.dealingsEnded;
        if (state.changes == type(uint16).max) ++ended;
        else ++state.changes;
        state.dealing = Dealing(address(0), Standing.Free, false, false, false, ended);
        emit RightTransferred(registrationId, right, newHolder, previous, lawful, evidenceDigest);
        bool primary = right == _primaryRight(context);
        if (stored == address(0) || primary) {
            registrations.recordTransfer(registrationId, _bit(right), newHolder, primary);
        }
    }

    /// @dev The creditor, by its own call or signature, ends the pledge or trust; not while the ledger is paused.
    function _release(uint256 registrationId, Right right, address creditor) private {
        if (registrations.paused()) revert LedgerPaused();
        (RightState storage state, EncumbranceKind kind) = _encumbered(registrationId, right);
        if (creditor != state.dealing.counterparty) revert NotCreditor(registrationId, right, creditor);
        _endDealing(state);
        emit EncumbranceReleased(registrationId, right, creditor, kind, bytes32(0));
    }

    function _revoke(uint256 licenceId, address by, bytes32 reasonDigest) private {
        _licences[licenceId].status = LicenceStatus.Revoked;
        emit LicenceRevoked(licenceId, licenceId >> REGISTRATION_SHIFT, by, reasonDigest);
    }

    /// @dev Ends a pledge, a trust or a pending transfer: clears what stood on the right and raises the count of
    /// dealings ended, so no signature made before can be used after. That count is 64 bits wide: nothing can fill it,
    /// so a release or a rejection is always possible.
    function _endDealing(RightState storage state) private {
        state.dealing = Dealing(address(0), Standing.Free, false, false, false, state.dealing.dealingsEnded + 1);
    }

    /// @dev A right's nonce: the dealings ended (pledges, trusts and transfers released, rejected) above the changes
    /// recorded in its first slot (licences the holder granted, transfers). Every change raises one of the two, and
    /// neither ever falls, so the nonce only rises.
    function _nonceOf(RightState storage state) private view returns (uint256) {
        return (uint256(state.dealing.dealingsEnded) << CHANGES_BITS) | state.changes;
    }

    function _emitLicenceGranted(
        LicenceTerms calldata terms,
        uint256 licenceId,
        bool scopePublic,
        bool awaitingApproval
    ) private {
        emit LicenceGranted(
            licenceId,
            terms.registrationId,
            terms.licensee,
            terms.licensor,
            terms.licenceType,
            terms.scopeDigest,
            scopePublic,
            terms.startsAt,
            terms.endsAt,
            terms.sublicensable,
            awaitingApproval
        );
    }

    /// @dev The lineage index holds one processing licence per licensee. A new licence takes its place when the one
    /// there is not in force, or when the new one is in force now, ends later and has the same licensor (both the
    /// holder's, or both under the same parent). So nobody can displace a licence in force with one of their own and
    /// then revoke it, or with one not yet started; `recordLineage` points the index at a licence in force whenever
    /// the one there is not.
    function _indexProcessingLicence(
        uint256 registrationId,
        address licensee,
        uint256 licenceId,
        uint40 startsAt,
        uint40 endsAt,
        bool awaitingApproval
    ) private {
        uint256 indexed_ = _processingLicences[registrationId][licensee];
        if (
            indexed_ == 0 || !_isCurrent(indexed_)
                || (!awaitingApproval
                    && startsAt <= block.timestamp
                    && endsAt > _licences[indexed_].endsAt
                    && _parentSequenceOf(indexed_) == _parentSequenceOf(licenceId))
        ) {
            _processingLicences[registrationId][licensee] = licenceId;
        }
    }

    /// @dev Numbers a licence the holder grants with the right's changes counter, which it raises. Only the holder's
    /// licences and transfers raise it, so only they can fill it: then no more licences of the right can be granted
    /// (their ids have 16 bits for it), and everything else stays possible.
    function _countLicence(RightState storage state, uint256 registrationId, Right right)
        private
        returns (uint256 sequence)
    {
        uint16 changes = state.changes;
        if (changes == type(uint16).max) revert TooManyLicences(registrationId, right);
        sequence = changes + 1;
        state.changes = changes + 1;
    }

    /// @dev Numbers a sub-licence with its parent's sub-licence count, which it raises (its nonce).
    function _countSublicence(uint256 parentLicenceId, uint256 registrationId, Right right)
        private
        returns (uint256 sequence)
    {
        sequence = _sublicenceCounts[parentLicenceId] + 1;
        if (sequence > SEQUENCE_MASK) revert TooManyLicences(registrationId, right);
        _sublicenceCounts[parentLicenceId] = sequence;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal checks
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Nothing stands on the right: neither a pledge or trust nor a pending transfer.
    function _checkFree(RightState storage state, uint256 registrationId, Right right) private view {
        Standing standing = state.dealing.standing;
        if (standing == Standing.TransferPending) revert TransferPending(registrationId, right, true);
        if (standing != Standing.Free) revert RightIsEncumbered(registrationId, right);
    }

    /// @dev A signed request carries the right's current nonce.
    function _checkNonce(RightState storage state, uint256 registrationId, Right right, uint256 nonce) private view {
        uint256 current = _nonceOf(state);
        if (nonce != current) revert InvalidRightNonce(registrationId, right, current);
    }

    /// @dev A signed revocation carries the nonce the licensor's grants carry: the right's for a licence of the holder,
    /// the parent's sub-licence nonce for a sub-licence (so neither side can make the other's signature stale).
    function _checkLicensorNonce(uint256 licenceId, uint256 nonce) private view {
        if (_parentSequenceOf(licenceId) == 0) {
            uint256 registrationId = licenceId >> REGISTRATION_SHIFT;
            Right right = _rightOf(licenceId);
            _checkNonce(_rights[registrationId][uint8(right)], registrationId, right, nonce);
        } else {
            uint256 parentId = _parentLicenceId(licenceId);
            uint256 current = _sublicenceCounts[parentId];
            if (nonce != current) revert InvalidSublicenceNonce(parentId, current);
        }
    }

    /// @dev The holder may start a deal and the counterparty is another admitted party.
    function _checkCounterparty(address holder, address counterparty) private view {
        if (counterparty == holder || counterparty == address(0)) revert InvalidCounterparty(counterparty);
        _checkAdmitted(holder, counterparty);
    }

    /// @dev Everything a licence needs but the overlap rule: a certified registration, a scope, a term that has
    /// not ended, the licensor's position (the holder of a right that is neither encumbered nor being transferred,
    /// or the licensee of a parent that allows sub-licensing), admitted parties and the licensor's signature.
    /// Returns the parent's sequence number for a sub-licence.
    function _checkLicence(LicenceTerms calldata terms, bytes calldata signature)
        private
        view
        returns (IRegistrations.Grade grade, IRegistrations.Origin origin, uint256 parentSequence)
    {
        uint256 registrationId = terms.registrationId;
        IRegistrations.RightsContext memory context = _certified(registrationId);
        if (terms.scopeDigest == bytes32(0)) revert MissingDigest();
        if (terms.startsAt >= terms.endsAt || terms.endsAt <= block.timestamp) {
            revert InvalidLicenceTerm(terms.startsAt, terms.endsAt);
        }
        address licensor = terms.licensor;
        address licensee = terms.licensee;
        if (licensee == licensor || licensee == address(0)) revert InvalidCounterparty(licensee);
        if (terms.licenceType == LicenceType.SubLicence) {
            parentSequence = _checkParentLicence(terms);
        } else {
            if (terms.parentLicenceId != 0) revert InvalidLicenceType();
            RightState storage state = _rights[registrationId][uint8(terms.right)];
            address holder = _holderOf(state, context, terms.right);
            if (holder == address(0) || holder != licensor) revert RightNotHeld(registrationId, terms.right, licensor);
            _checkFree(state, registrationId, terms.right);
            _checkNonce(state, registrationId, terms.right, terms.nonce);
        }
        _checkAdmitted(licensor, licensee);
        _checkSignature(
            licensor, _hashTypedDataV4(keccak256(abi.encode(LICENCE_TYPEHASH, terms))), terms.deadline, signature
        );
        return (context.grade, context.origin, parentSequence);
    }

    /// @dev A sub-licence needs a parent licence of the same right that allows sub-licensing, is held by the
    /// licensor, is current and covers the sub-licence's term; a sub-licence itself is never sublicensable. It carries
    /// its parent's sub-licence nonce, not the right's: the holder did not sign it.
    function _checkParentLicence(LicenceTerms calldata terms) private view returns (uint256 parentSequence) {
        uint256 parentId = terms.parentLicenceId;
        if (parentId == 0 || terms.sublicensable) revert InvalidLicenceType();
        parentSequence = parentId & SEQUENCE_MASK;
        if (parentSequence == 0 || parentId != _licenceId(terms.registrationId, terms.right, true, 0, parentSequence)) {
            revert SublicenceNotAllowed(parentId);
        }
        LicenceRecord storage parent = _licences[parentId];
        if (
            parent.licensee != terms.licensor || !_isCurrent(parentId) || terms.startsAt < parent.startsAt
                || terms.endsAt > parent.endsAt
        ) revert SublicenceNotAllowed(parentId);
        uint256 current = _sublicenceCounts[parentId];
        if (terms.nonce != current) revert InvalidSublicenceNonce(parentId, current);
    }

    /// @dev Applies the overlap rule to a direct licence (see `grantLicence`), numbers the licence and records it.
    function _recordLicence(LicenceTerms calldata terms, uint256 parentSequence, bool awaitingApproval)
        private
        returns (uint256 licenceId)
    {
        uint256 registrationId = terms.registrationId;
        LicenceType licenceType = terms.licenceType;
        uint40 endsAt = terms.endsAt;
        uint256 sequence;
        if (licenceType == LicenceType.SubLicence) {
            sequence = _countSublicence(terms.parentLicenceId, registrationId, terms.right);
        } else {
            RightState storage state = _rights[registrationId][uint8(terms.right)];
            bool exclusive = licenceType == LicenceType.Exclusive || licenceType == LicenceType.Sole;
            uint40 exclusiveEndsAt = state.exclusiveEndsAt;
            uint40 licencesEndAt = state.licencesEndAt;
            uint40 mustStartAt = exclusive ? licencesEndAt : exclusiveEndsAt;
            if (terms.startsAt < mustStartAt) revert LicenceOverlap(registrationId, terms.right, mustStartAt);
            if (endsAt > licencesEndAt) state.licencesEndAt = endsAt;
            if (exclusive && endsAt > exclusiveEndsAt) state.exclusiveEndsAt = endsAt;
            sequence = _countLicence(state, registrationId, terms.right);
        }
        licenceId = _licenceId(registrationId, terms.right, terms.sublicensable, parentSequence, sequence);
        _licences[licenceId] = LicenceRecord(
            terms.licensee,
            terms.startsAt,
            endsAt,
            licenceType,
            awaitingApproval ? LicenceStatus.AwaitingApproval : LicenceStatus.Granted
        );
        if (terms.right == Right.ProcessingAndUse) {
            _indexProcessingLicence(registrationId, terms.licensee, licenceId, terms.startsAt, endsAt, awaitingApproval);
        }
    }

    function _pendingTransfer(uint256 registrationId, Right right) private view returns (RightState storage state) {
        state = _rights[registrationId][uint8(right)];
        if (state.dealing.standing != Standing.TransferPending) revert TransferPending(registrationId, right, false);
    }

    function _encumbered(uint256 registrationId, Right right)
        private
        view
        returns (RightState storage state, EncumbranceKind kind)
    {
        state = _rights[registrationId][uint8(right)];
        Standing standing = state.dealing.standing;
        if (!_isEncumbered(standing)) revert RightNotEncumbered(registrationId, right);
        kind = EncumbranceKind(uint8(standing));
    }

    /// @dev A licence that exists and is not revoked yet, its status and its registration's context.
    function _revocable(uint256 licenceId)
        private
        view
        returns (LicenceStatus status, IRegistrations.RightsContext memory context)
    {
        status = _existingLicence(licenceId).status;
        if (status == LicenceStatus.Revoked) revert LicenceNotInStatus(licenceId, status);
        context = registrations.rightsContext(licenceId >> REGISTRATION_SHIFT);
    }

    function _existingLicence(uint256 licenceId) private view returns (LicenceRecord storage record) {
        record = _licences[licenceId];
        if (record.licensee == address(0)) revert UnknownLicence(licenceId);
    }

    /// @dev The registration's context, if the ledger is not paused and the registration is Certified.
    function _certified(uint256 registrationId) private view returns (IRegistrations.RightsContext memory context) {
        context = registrations.rightsContext(registrationId);
        if (context.paused) revert LedgerPaused();
        if (context.status != IRegistrations.Status.Certified) revert RegistrationNotCertified(registrationId);
    }

    function _checkAdmitted(address party) private view {
        if (!access.isAdmitted(party)) revert PartyNotAdmitted(party);
    }

    /// @dev Both parties of a deal, in one call to LedgerAccess.
    function _checkAdmitted(address first, address second) private view {
        (bool firstAdmitted, bool secondAdmitted) = access.admissionOf(first, second);
        if (!firstAdmitted) revert PartyNotAdmitted(first);
        if (!secondAdmitted) revert PartyNotAdmitted(second);
    }

    function _checkRole(bytes32 role) private view {
        if (!access.hasRole(role, msg.sender)) revert MissingRole(msg.sender, role);
    }

    function _checkAuthority(uint16 authorityId) private view {
        if (!_isAuthority(authorityId)) revert NotAuthorityAccount(authorityId, msg.sender);
    }

    function _isAuthority(uint16 authorityId) private view returns (bool) {
        (address account,,) = registrations.authorityTerms(authorityId);
        return msg.sender == account;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal reads
    // ---------------------------------------------------------------------------------------------------------

    /// @dev The stored holder once the right has moved; before that the registrant, if the right was claimed and
    /// the registration was certified at some point.
    function _holderOf(RightState storage state, IRegistrations.RightsContext memory context, Right right)
        private
        view
        returns (address)
    {
        address stored = state.holder;
        if (stored != address(0)) return stored;
        if (!_wasCertified(context.status) || context.rights & _bit(right) == 0) return address(0);
        return context.registrant;
    }

    /// @dev Who may revoke a licence as its licensor: the right's holder, or for a sub-licence the parent's licensee.
    function _licensorOf(uint256 licenceId, IRegistrations.RightsContext memory context)
        private
        view
        returns (address)
    {
        if (_parentSequenceOf(licenceId) != 0) return _licences[_parentLicenceId(licenceId)].licensee;
        Right right = _rightOf(licenceId);
        return _holderOf(_rights[licenceId >> REGISTRATION_SHIFT][uint8(right)], context, right);
    }

    function _isCurrent(uint256 licenceId) private view returns (bool) {
        LicenceRecord storage record = _licences[licenceId];
        if (
            record.status != LicenceStatus.Granted || block.timestamp < record.startsAt
                || block.timestamp >= record.endsAt
        ) return false;
        if (_parentSequenceOf(licenceId) == 0) return true;
        // A parent is never a sub-licence itself, so this looks one level up at most.
        return _isCurrent(_parentLicenceId(licenceId));
    }

    /// @dev The right the certificate follows (see `primaryHolder`).
    function _primaryRight(IRegistrations.RightsContext memory context) private pure returns (Right) {
        uint8 claimed = context.rights;
        if (context.kind == IRegistrations.Kind.DataProduct && claimed & _bit(Right.ProductOperation) != 0) {
            return Right.ProductOperation;
        }
        if (claimed & _bit(Right.ResourceHolding) != 0) return Right.ResourceHolding;
        if (claimed & _bit(Right.ProcessingAndUse) != 0) return Right.ProcessingAndUse;
        return Right.ProductOperation;
    }

    function _isEncumbered(Standing standing) private pure returns (bool) {
        return standing == Standing.Pledged || standing == Standing.InTrust;
    }

    /// @dev Certified, lapsed, frozen, or ended after certification (revoked, cancelled): the right exists.
    function _wasCertified(IRegistrations.Status status) private pure returns (bool) {
        return status >= IRegistrations.Status.Certified;
    }

    function _bit(Right right) private pure returns (uint8) {
        return uint8(1) << uint8(right);
    }

    function _licenceId(
        uint256 registrationId,
        Right right,
        bool sublicensable,
        uint256 parentSequence,
        uint256 sequence
    ) private pure returns (uint256) {
        return (registrationId << REGISTRATION_SHIFT) | (uint256(uint8(right)) << RIGHT_SHIFT)
            | ((sublicensable ? uint256(1) : 0) << SUBLICENSABLE_SHIFT) | (parentSequence << PARENT_SHIFT) | sequence;
    }

    /// @dev A parent is sublicensable and has no parent of its own: its id follows from the child's.
    function _parentLicenceId(uint256 licenceId) private pure returns (uint256) {
        return ((licenceId >> RIGHT_SHIFT) << RIGHT_SHIFT) | (uint256(1) << SUBLICENSABLE_SHIFT)
            | _parentSequenceOf(licenceId);
    }

    function _rightOf(uint256 licenceId) private pure returns (Right) {
        return Right((licenceId >> RIGHT_SHIFT) & RIGHT_MASK);
    }

    function _isSublicensable(uint256 licenceId) private pure returns (bool) {
        return (licenceId >> SUBLICENSABLE_SHIFT) & 1 != 0;
    }

    function _parentSequenceOf(uint256 licenceId) private pure returns (uint256) {
        return (licenceId >> PARENT_SHIFT) & SEQUENCE_MASK;
    }
}
