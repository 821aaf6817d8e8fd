// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ILedgerAccess} from "./interfaces/ILedgerAccess.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {ICertificates} from "./interfaces/ICertificates.sol";
import {Authorities} from "./Authorities.sol";
import {Certificates} from "./Certificates.sol";
import {SignedRequests} from "./SignedRequests.sol";
import {IRightsView} from "./interfaces/IRightsView.sol";
import {LedgerRoles} from "./libraries/LedgerRoles.sol";
import {RightSet} from "./libraries/RightSet.sol";

/// @title Registrations
/// @notice The registration lifecycle of data resources, data products and data assets (DESIGN.md §2):
/// submit, accept, reject, approve into public notice, objections, certify, change, annual review and lapse,
/// renew, freeze, unfreeze, revoke and cancel. Every transition is role-checked, allowed only from its source
/// states, and emits one event.
/// @dev Registrant actions are EIP-712 messages signed by the registrant (or the holder) and relayed by anyone,
/// typically the service's own key; contract wallets sign through ERC-1271. Data never reaches the chain: only
/// the manifest's digest (which is its IPFS CID) and the data commitment do. The registry keeps its authorities
/// (`Authorities`) and creates its certificate token, so that an authority check is a local read and issuing a
/// certificate needs no issuer lookup.
contract Registrations is IRegistry, Authorities, SignedRequests, Nonces, Pausable {
    /// @notice Most parents one registration may name.
    uint256 public constant MAX_PARENTS = 32;
    /// @notice Bit set of every right a registration can claim.
    uint8 public constant ALL_RIGHTS = RightSet.ALL;
    /// @notice Most objections one party may have open at once, so objections cannot be used to jam registrations;
    /// a registration's own authority, filing on evidence for the public, is not bound by it.
    uint16 public constant MAX_OPEN_OBJECTIONS_PER_OBJECTOR = 8;

    bytes32 private constant SUBMISSION_TYPEHASH = keccak256(
        "Submission(address registrant,uint16 authorityId,uint8 kind,uint8 origin,uint8 grade,bool personalInfo,"
        "uint8 rights,bytes32 manifestDigest,bytes32 dataCommitment,uint256[] parents,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant CHANGE_TYPEHASH = keccak256(
        "ChangeRequest(uint256 registrationId,bytes32 manifestDigest,bytes32 dataCommitment,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant ANNUAL_REVIEW_TYPEHASH =
        keccak256("AnnualReview(uint256 registrationId,bytes32 reportDigest,uint256 nonce,uint256 deadline)");
    bytes32 private constant CANCELLATION_TYPEHASH =
        keccak256("Cancellation(uint256 registrationId,bytes32 reasonDigest,uint256 nonce,uint256 deadline)");

    /// @notice Roles and admitted parties.
    ILedgerAccess public immutable access;
    /// @notice The certificate token, created by this registry.
    ICertificates public immutable certificates;
    /// @notice The rights module (transfers, licences, pledges); zero until connected.
    IRightsView public rights;

    uint64 private _registrationCount;
    uint64 private _objectionCount;
    mapping(uint256 registrationId => Registration) private _registrations;
    mapping(uint256 registrationId => bytes32 manifestDigest) private _pendingChanges;
    mapping(uint256 objectionId => Objection) private _objections;
    mapping(address objector => Objector) private _objectors;

    constructor(ILedgerAccess access_) {
        access = access_;
        certificates = new Certificates();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Administration
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Connects the rights module once; from then on it answers who holds and may process each registration.
    function setRights(IRightsView rights_) external {
        _checkRole(LedgerRoles.ADMIN);
        if (address(rights) != address(0)) revert RightsModuleAlreadySet();
        rights = rights_;
        emit RightsModuleSet(address(rights_));
    }

    /// @notice Stops every registrant and authority action in an emergency. Regulators may still freeze and revoke.
    function pause() external {
        _checkRole(LedgerRoles.PAUSER);
        _pause();
    }

    /// @notice Ends an emergency stop.
    function unpause() external {
        _checkRole(LedgerRoles.PAUSER);
        _unpause();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Application and review
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Records a registrant's signed application (首次登记); the registration starts as Submitted.
    /// @dev The registrant must be an admitted party; every parent must be Certified and the registrant must be
    /// allowed to process it. Anyone may relay the signed application.
    /// @return registrationId the new registration's id
    function submit(Submission calldata application, bytes calldata signature)
        external
        whenNotPaused
        returns (uint256 registrationId)
    {
        _checkApplication(application);
        _checkParents(application.registrant, application.parents);
        _checkSignature(application.registrant, _submissionHash(application), application.deadline, signature);
        _useCheckedNonce(application.registrant, application.nonce);

        registrationId = ++_registrationCount;
        Registration storage record = _registrations[registrationId];
        record.registrant = application.registrant;
        record.authorityId = application.authorityId;
        record.kind = application.kind;
        record.origin = application.origin;
        record.status = Status.Submitted;
        record.grade = application.grade;
        record.personalInfo = application.personalInfo;
        record.rights = application.rights;
        record.manifestDigest = application.manifestDigest;
        emit RegistrationSubmitted(
            registrationId,
            application.registrant,
            application.authorityId,
            application.kind,
            application.origin,
            application.grade,
            application.personalInfo,
            application.rights,
            application.manifestDigest,
            application.dataCommitment,
            application.parents
        );
    }

    /// @notice A reviewer (or the registration's authority) accepts a submitted application for review.
    function accept(uint256 registrationId) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Submitted);
        _checkReviewer(record);
        record.status = Status.UnderReview;
        emit RegistrationAccepted(registrationId, msg.sender);
    }

    /// @notice A reviewer (or the authority) rejects an application that is submitted or under review.
    /// @param reasonDigest hash of the written reason, kept with the review record
    function reject(uint256 registrationId, bytes32 reasonDigest) external whenNotPaused {
        Registration storage record = _existing(registrationId);
        if (record.status != Status.Submitted && record.status != Status.UnderReview) {
            revert InvalidStatus(registrationId, record.status);
        }
        _checkReviewer(record);
        record.status = Status.Rejected;
        emit RegistrationRejected(registrationId, msg.sender, reasonDigest);
    }

    /// @notice The authority approves a reviewed application into public notice (公示) for its notice period.
    function approve(uint256 registrationId) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.UnderReview);
        (, uint40 noticePeriod,) = _checkAuthority(record);
        uint40 endsAt = uint40(block.timestamp) + _noticePeriodOf(noticePeriod);
        record.status = Status.PublicNotice;
        record.noticeEndsAt = endsAt;
        emit RegistrationPublished(registrationId, endsAt);
    }

    /// @notice The authority certifies a registration whose public-notice window is over with no open objection,
    /// and issues its property registration certificate to the registrant.
    /// @return tokenId the certificate token
    function certify(uint256 registrationId) external whenNotPaused returns (uint256 tokenId) {
        Registration storage record = _inStatus(registrationId, Status.PublicNotice);
        (,, uint40 reviewInterval) = _checkAuthority(record);
        if (block.timestamp < record.noticeEndsAt) {
            revert NoticeWindowOpen(registrationId, record.noticeEndsAt);
        }
        uint40 reviewDueAt = uint40(block.timestamp) + reviewInterval;
        record.status = Status.Certified;
        record.version = 1;
        record.reviewDueAt = reviewDueAt;
        uint64 number;
        (tokenId, number) = certificates.issue(
            record.registrant, registrationId, record.authorityId, ICertificates.CertificateType.PropertyRegistration
        );
        record.certificateNumber = number;
        emit RegistrationCertified(registrationId, number, tokenId, reviewDueAt);
    }

    /// @notice The authority issues an evidence (存证) certificate: proof that the registered data existed in the
    /// submitted form by now, without the review and public notice of a property registration.
    function issueEvidenceCertificate(uint256 registrationId) external whenNotPaused returns (uint256 tokenId) {
        Registration storage record = _existing(registrationId);
        Status status = record.status;
        if (status == Status.Rejected || status == Status.Revoked || status == Status.Cancelled) {
            revert InvalidStatus(registrationId, status);
        }
        _checkAuthority(record);
        uint64 number;
        (tokenId, number) = certificates.issue(
            record.registrant, registrationId, record.authorityId, ICertificates.CertificateType.Evidence
        );
        emit EvidenceCertificateIssued(registrationId, number, tokenId);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Objections (异议登记)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Files an objection. During public notice it blocks certification until resolved; against a
    /// certified, lapsed or frozen registration it marks the registration disputed. The objector is an admitted party
    /// with fewer than `MAX_OPEN_OBJECTIONS_PER_OBJECTOR` objections open, or the registration's authority filing on
    /// evidence for a member of the public.
    /// @param evidenceDigest hash of the objection and its evidence
    /// @return objectionId the new objection's id
    function fileObjection(uint256 registrationId, bytes32 evidenceDigest)
        external
        whenNotPaused
        returns (uint256 objectionId)
    {
        Registration storage record = _existing(registrationId);
        Status status = record.status;
        if (evidenceDigest == bytes32(0)) revert InvalidApplication();
        Objector storage objector = _objectors[msg.sender];
        uint16 open = objector.open;
        // The authority, filing for the public, needs no admission and has no bound; it is asked only when needed.
        if (!access.isAdmitted(msg.sender)) {
            if (!_isAuthorityOf(record)) revert PartyNotAdmitted(msg.sender);
        } else if (open >= MAX_OPEN_OBJECTIONS_PER_OBJECTOR && !_isAuthorityOf(record)) {
            revert TooManyOpenObjections(msg.sender);
        }
        objector.open = open + 1;
        objector.filed += 1;
        if (status == Status.PublicNotice) {
            record.status = Status.Objected;
            record.objectedAt = uint40(block.timestamp);
        } else if (status != Status.Objected && !_isLive(status)) {
            revert InvalidStatus(registrationId, status);
        }
        if (record.openObjections == type(uint16).max) revert TooManyObjections(registrationId);
        record.openObjections += 1;
        objectionId = ++_objectionCount;
        // casting to uint64 is safe: registration ids are a uint64 counter
        // forge-lint: disable-next-line(unsafe-typecast)
        _objections[objectionId] = Objection(uint64(registrationId), msg.sender, ObjectionStatus.Open);
        emit ObjectionFiled(objectionId, registrationId, msg.sender, evidenceDigest);
    }

    /// @notice The objector withdraws an open objection.
    function withdrawObjection(uint256 objectionId) external whenNotPaused {
        Objection storage entry = _openObjection(objectionId);
        if (entry.objector != msg.sender) revert NotObjector(objectionId, msg.sender);
        entry.status = ObjectionStatus.Withdrawn;
        _objectors[msg.sender].open -= 1;
        uint256 registrationId = entry.registrationId;
        emit ObjectionWithdrawn(objectionId, registrationId);
        _closeObjection(registrationId);
    }

    /// @notice The registration's authority resolves an objection. Upheld during notice rejects the registration;
    /// upheld against a certified, lapsed or frozen one revokes it. Dismissed, the notice resumes when no objection
    /// is left.
    /// @param decisionDigest hash of the written decision
    function resolveObjection(uint256 objectionId, bool upheld, bytes32 decisionDigest) external whenNotPaused {
        Objection storage entry = _openObjection(objectionId);
        uint256 registrationId = entry.registrationId;
        Registration storage record = _registrations[registrationId];
        _checkAuthority(record);
        entry.status = upheld ? ObjectionStatus.Upheld : ObjectionStatus.Dismissed;
        _objectors[entry.objector].open -= 1;
        emit ObjectionResolved(objectionId, registrationId, upheld, decisionDigest);
        if (!upheld) {
            _closeObjection(registrationId);
            return;
        }
        record.openObjections -= 1;
        Status status = record.status;
        if (status == Status.Objected) {
            record.status = Status.Rejected;
            emit RegistrationRejected(registrationId, msg.sender, decisionDigest);
        } else if (_isLive(status)) {
            // An objection filed while certified outlives a lapse; upheld, it must not be undone by a renewal.
            record.status = Status.Revoked;
            emit RegistrationRevoked(registrationId, msg.sender, decisionDigest);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // After certification
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The holder asks to change a certified registration to a new manifest (变更登记); the authority
    /// reviews it, and the current version stays valid meanwhile.
    function requestChange(
        uint256 registrationId,
        bytes32 manifestDigest,
        bytes32 dataCommitment,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Certified);
        if (manifestDigest == bytes32(0) || dataCommitment == bytes32(0) || manifestDigest == record.manifestDigest) {
            revert InvalidApplication();
        }
        if (_pendingChanges[registrationId] != bytes32(0)) revert ChangePending(registrationId, true);
        _checkHolderSignature(
            registrationId,
            keccak256(abi.encode(CHANGE_TYPEHASH, registrationId, manifestDigest, dataCommitment, nonce, deadline)),
            nonce,
            deadline,
            signature
        );
        _pendingChanges[registrationId] = manifestDigest;
        emit ChangeRequested(registrationId, manifestDigest, dataCommitment);
    }

    /// @notice The authority approves the pending change: the registration moves to the new manifest, version + 1.
    function approveChange(uint256 registrationId) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Certified);
        _checkAuthority(record);
        bytes32 manifestDigest = _pendingChanges[registrationId];
        if (manifestDigest == bytes32(0)) revert ChangePending(registrationId, false);
        delete _pendingChanges[registrationId];
        uint32 version = record.version + 1;
        record.version = version;
        record.manifestDigest = manifestDigest;
        emit RegistrationChanged(registrationId, version, manifestDigest);
    }

    /// @notice The authority refuses the pending change; the registration keeps its current version.
    function rejectChange(uint256 registrationId, bytes32 reasonDigest) external whenNotPaused {
        Registration storage record = _existing(registrationId);
        _checkAuthority(record);
        bytes32 manifestDigest = _pendingChanges[registrationId];
        if (manifestDigest == bytes32(0)) revert ChangePending(registrationId, false);
        delete _pendingChanges[registrationId];
        emit ChangeRejected(registrationId, manifestDigest, reasonDigest);
    }

    /// @notice The holder files the annual review report before it is due; the next one is due an interval later.
    function fileAnnualReview(
        uint256 registrationId,
        bytes32 reportDigest,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Certified);
        if (reportDigest == bytes32(0)) revert InvalidApplication();
        uint40 dueAt = record.reviewDueAt;
        if (block.timestamp > dueAt) revert AnnualReviewOverdue(registrationId, dueAt);
        (,, uint40 reviewInterval) = authorityTerms(record.authorityId);
        if (block.timestamp + reviewInterval <= dueAt) revert AnnualReviewTooEarly(registrationId, dueAt);
        _checkHolderSignature(
            registrationId,
            keccak256(abi.encode(ANNUAL_REVIEW_TYPEHASH, registrationId, reportDigest, nonce, deadline)),
            nonce,
            deadline,
            signature
        );
        uint40 nextDueAt = dueAt + reviewInterval;
        record.reviewDueAt = nextDueAt;
        emit AnnualReviewFiled(registrationId, reportDigest, nextDueAt);
    }

    /// @notice Marks a certified registration whose annual review is overdue as Lapsed. Anyone may call it.
    function lapse(uint256 registrationId) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Certified);
        uint40 dueAt = record.reviewDueAt;
        if (block.timestamp <= dueAt) revert AnnualReviewNotDue(registrationId, dueAt);
        record.status = Status.Lapsed;
        emit RegistrationLapsed(registrationId, dueAt);
    }

    /// @notice The authority renews a lapsed registration on a late review report.
    function renew(uint256 registrationId, bytes32 reportDigest) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Lapsed);
        (,, uint40 reviewInterval) = _checkAuthority(record);
        if (reportDigest == bytes32(0)) revert InvalidApplication();
        uint40 reviewDueAt = uint40(block.timestamp) + reviewInterval;
        record.status = Status.Certified;
        record.reviewDueAt = reviewDueAt;
        emit RegistrationRenewed(registrationId, reportDigest, reviewDueAt);
    }

    /// @notice A regulator freezes a certified registration. Allowed while paused.
    function freeze(uint256 registrationId, bytes32 reasonDigest) external {
        Registration storage record = _inStatus(registrationId, Status.Certified);
        _checkRole(LedgerRoles.REGULATOR);
        record.status = Status.Frozen;
        emit RegistrationFrozen(registrationId, msg.sender, reasonDigest);
    }

    /// @notice A regulator unfreezes a frozen registration. Allowed while paused.
    function unfreeze(uint256 registrationId) external {
        Registration storage record = _inStatus(registrationId, Status.Frozen);
        _checkRole(LedgerRoles.REGULATOR);
        record.status = Status.Certified;
        emit RegistrationUnfrozen(registrationId, msg.sender);
    }

    /// @notice The registration's authority or a regulator revokes a certified, lapsed or frozen registration.
    /// Allowed while paused.
    function revoke(uint256 registrationId, bytes32 reasonDigest) external {
        Registration storage record = _existing(registrationId);
        Status status = record.status;
        if (!_isLive(status)) revert InvalidStatus(registrationId, status);
        uint16 authorityId = record.authorityId;
        (address authorityAccount,,) = authorityTerms(authorityId);
        if (msg.sender != authorityAccount && !access.hasRole(LedgerRoles.REGULATOR, msg.sender)) {
            revert NotAuthorityNorRole(authorityId, LedgerRoles.REGULATOR, msg.sender);
        }
        record.status = Status.Revoked;
        emit RegistrationRevoked(registrationId, msg.sender, reasonDigest);
    }

    /// @notice The holder cancels a certified registration (注销登记). Refused while an objection stands (an upheld one
    /// would revoke it), and while a right is pledged, in trust, being transferred or held by another.
    function cancel(
        uint256 registrationId,
        bytes32 reasonDigest,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        Registration storage record = _inStatus(registrationId, Status.Certified);
        _checkHolderSignature(
            registrationId,
            keccak256(abi.encode(CANCELLATION_TYPEHASH, registrationId, reasonDigest, nonce, deadline)),
            nonce,
            deadline,
            signature
        );
        if (record.openObjections != 0) revert RegistrationDisputed(registrationId);
        IRightsView rightsModule = rights;
        if (address(rightsModule) != address(0) && !rightsModule.isUnencumbered(registrationId)) {
            revert RightsNotFree(registrationId);
        }
        record.status = Status.Cancelled;
        emit RegistrationCancelled(registrationId, reasonDigest);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rights module hook
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The rights module records that one of the registration's rights changed hands. The registry keeps
    /// the set of rights that have left the registrant, so that for every other right it knows the holder without
    /// asking the module; and when the right is the one the certificate follows, it retires the current property
    /// registration certificate and issues a new one, with a new number, to the new holder.
    /// @dev Only the connected rights module may call it, and only for a registration that has a certificate.
    /// @param rightBit the right, as its bit in the registration's `rights` set
    /// @param reissueCertificate whether the certificate follows this right
    /// @return tokenId the new certificate token, 0 when none is reissued
    function recordTransfer(uint256 registrationId, uint8 rightBit, address holder, bool reissueCertificate)
        external
        returns (uint256 tokenId)
    {
        if (msg.sender != address(rights)) revert NotRightsModule(msg.sender);
        Registration storage record = _existing(registrationId);
        uint64 previousNumber = record.certificateNumber;
        if (previousNumber == 0) revert InvalidStatus(registrationId, record.status);
        record.transferredRights |= rightBit;
        if (!reissueCertificate) return 0;
        uint16 authorityId = record.authorityId;
        ICertificates.CertificateType property = ICertificates.CertificateType.PropertyRegistration;
        uint256 previousTokenId = certificates.tokenIdOf(registrationId, authorityId, property, previousNumber);
        certificates.retire(previousTokenId);
        uint64 number;
        (tokenId, number) = certificates.issue(holder, registrationId, authorityId, property);
        record.certificateNumber = number;
        emit CertificateReissued(registrationId, previousTokenId, tokenId, number);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The registration record; reverts for an unknown id.
    function registration(uint256 registrationId) external view returns (Registration memory) {
        return _existing(registrationId);
    }

    /// @notice What the rights module needs of a registration in one call: status, open objections, identity and
    /// whether the ledger is paused. Reverts for an unknown id.
    function rightsContext(uint256 registrationId) external view returns (RightsContext memory) {
        Registration storage record = _existing(registrationId);
        return RightsContext(
            record.status,
            record.openObjections,
            record.registrant,
            record.authorityId,
            record.kind,
            record.origin,
            record.grade,
            record.rights,
            paused()
        );
    }

    /// @inheritdoc IRegistry
    function paused() public view override(IRegistry, Pausable) returns (bool) {
        return super.paused();
    }

    /// @notice The status of a registration (None for an unknown id).
    function statusOf(uint256 registrationId) external view returns (Status) {
        return _registrations[registrationId].status;
    }

    /// @notice Whether an open objection stands against a certified, lapsed or frozen record.
    function isDisputed(uint256 registrationId) external view returns (bool) {
        Registration storage record = _registrations[registrationId];
        return record.openObjections > 0 && _isLive(record.status);
    }

    /// @notice The holder who signs for the registration: the registrant while none of its rights has changed hands,
    /// then the rights module's answer.
    function holderOf(uint256 registrationId) public view returns (address) {
        Registration storage record = _registrations[registrationId];
        if (record.transferredRights == 0) return record.registrant;
        return rights.primaryHolder(registrationId);
    }

    /// @notice The manifest digest of a pending change, or zero.
    function pendingChange(uint256 registrationId) external view returns (bytes32) {
        return _pendingChanges[registrationId];
    }

    /// @notice An objection record.
    function objection(uint256 objectionId) external view returns (Objection memory) {
        return _objections[objectionId];
    }

    /// @notice How many registrations and objections exist; ids run from 1.
    function counts() external view returns (uint64 registrations, uint64 objections) {
        return (_registrationCount, _objectionCount);
    }

    /// @notice The EIP-712 digest a registrant signs for an application.
    function submissionDigest(Submission calldata application) external view returns (bytes32) {
        return _submissionHash(application);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal checks
    // ---------------------------------------------------------------------------------------------------------

    function _checkApplication(Submission calldata application) private view {
        if (
            application.manifestDigest == bytes32(0) || application.dataCommitment == bytes32(0)
                || application.rights == 0 || application.rights > ALL_RIGHTS
        ) revert InvalidApplication();
        if (!access.isAdmitted(application.registrant)) revert PartyNotAdmitted(application.registrant);
        authorityTerms(application.authorityId);
    }

    function _checkParents(address registrant, uint256[] calldata parents) private view {
        uint256 count = parents.length;
        if (count > MAX_PARENTS) revert TooManyParents(count, MAX_PARENTS);
        IRightsView rightsModule = rights;
        for (uint256 i = 0; i < count; ++i) {
            uint256 parentId = parents[i];
            Registration storage parent = _registrations[parentId];
            if (parent.status != Status.Certified) revert ParentNotCertified(parentId, parent.status);
            // The registrant still holding its processing right needs no question to the rights module.
            bool allowed =
                (parent.registrant == registrant
                        && parent.rights & RightSet.PROCESSING_AND_USE != 0
                        && parent.transferredRights & RightSet.PROCESSING_AND_USE == 0)
                    || (address(rightsModule) != address(0) && rightsModule.mayProcess(parentId, registrant));
            if (!allowed) revert ProcessingRightNotHeld(parentId, registrant);
        }
    }

    function _submissionHash(Submission calldata a) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                SUBMISSION_TYPEHASH,
                a.registrant,
                a.authorityId,
                a.kind,
                a.origin,
                a.grade,
                a.personalInfo,
                a.rights,
                a.manifestDigest,
                a.dataCommitment,
                keccak256(abi.encodePacked(a.parents)),
                a.nonce,
                a.deadline
            )
        );
        return _hashTypedDataV4(structHash);
    }

    function _checkHolderSignature(
        uint256 registrationId,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private {
        address holder = holderOf(registrationId);
        if (!access.isAdmitted(holder)) revert PartyNotAdmitted(holder);
        _checkSignature(holder, _hashTypedDataV4(structHash), deadline, signature);
        _useCheckedNonce(holder, nonce);
    }

    function _isAuthorityOf(Registration storage record) private view returns (bool) {
        (address authorityAccount,,) = authorityTerms(record.authorityId);
        return msg.sender == authorityAccount;
    }

    function _checkReviewer(Registration storage record) private view {
        if (access.hasRole(LedgerRoles.REVIEWER, msg.sender)) return;
        uint16 authorityId = record.authorityId;
        (address authorityAccount,,) = authorityTerms(authorityId);
        if (msg.sender != authorityAccount) revert NotAuthorityNorRole(authorityId, LedgerRoles.REVIEWER, msg.sender);
    }

    function _checkAuthority(Registration storage record)
        private
        view
        returns (address account, uint40 noticePeriod, uint40 reviewInterval)
    {
        uint16 authorityId = record.authorityId;
        (account, noticePeriod, reviewInterval) = authorityTerms(authorityId);
        if (msg.sender != account) revert NotAuthorityAccount(authorityId, msg.sender);
    }

    /// @dev Authorities are administered by the ledger's administrators.
    function _checkAdmin() internal view override {
        _checkRole(LedgerRoles.ADMIN);
    }

    /// @dev Certified, lapsed or frozen: the states a registration can be disputed and revoked in.
    function _isLive(Status status) private pure returns (bool) {
        return status == Status.Certified || status == Status.Lapsed || status == Status.Frozen;
    }

    function _checkRole(bytes32 role) private view {
        if (!access.hasRole(role, msg.sender)) revert MissingRole(msg.sender, role);
    }

    function _closeObjection(uint256 registrationId) private {
        Registration storage record = _registrations[registrationId];
        uint16 open = record.openObjections - 1;
        record.openObjections = open;
        if (open == 0 && record.status == Status.Objected) {
            uint40 endsAt = record.noticeEndsAt + (uint40(block.timestamp) - record.objectedAt);
            record.noticeEndsAt = endsAt;
            record.status = Status.PublicNotice;
            emit NoticeResumed(registrationId, endsAt);
        }
    }

    function _openObjection(uint256 objectionId) private view returns (Objection storage objection_) {
        objection_ = _objections[objectionId];
        if (objection_.status != ObjectionStatus.Open) revert ObjectionNotOpen(objectionId);
    }

    function _existing(uint256 registrationId) private view returns (Registration storage registration_) {
        registration_ = _registrations[registrationId];
        if (registration_.status == Status.None) revert UnknownRegistration(registrationId);
    }

    function _inStatus(uint256 registrationId, Status expected)
        private
        view
        returns (Registration storage registration_)
    {
        registration_ = _existing(registrationId);
        if (registration_.status != expected) revert InvalidStatus(registrationId, registration_.status);
    }
}
