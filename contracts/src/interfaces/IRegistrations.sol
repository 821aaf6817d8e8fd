// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ILedgerErrors} from "./ILedgerErrors.sol";

/// @title IRegistrations
/// @notice Types, events and errors of the registration lifecycle (DESIGN.md §2).
/// @dev Draft is an off-chain state: a registration appears on chain when its registrant's signed
/// application is submitted.
interface IRegistrations is ILedgerErrors {
    /// @notice What is registered.
    enum Kind {
        DataResource,
        DataProduct,
        DataAsset
    }

    /// @notice Where the data comes from.
    enum Origin {
        Public,
        Enterprise,
        Personal
    }

    /// @notice Classification grade (分类分级).
    enum Grade {
        General,
        Important,
        Core
    }

    /// @notice Lifecycle state of a registration.
    enum Status {
        None,
        Submitted,
        UnderReview,
        Rejected,
        PublicNotice,
        Objected,
        Certified,
        Lapsed,
        Frozen,
        Revoked,
        Cancelled
    }

    /// @notice State of an objection registration (异议登记).
    enum ObjectionStatus {
        None,
        Open,
        Withdrawn,
        Dismissed,
        Upheld
    }

    /// @notice One registration, in three storage slots: its lifecycle (written by almost every transition), its
    /// identity (fixed at submission) and its current manifest. The data commitment is in the events and, with
    /// everything else, in the manifest the digest names.
    /// @param status lifecycle state
    /// @param version 0 until certified, then 1 and +1 for every approved change
    /// @param openObjections objections filed and not yet resolved
    /// @param noticeEndsAt end of the public-notice window (extended by the time spent objected)
    /// @param reviewDueAt when the next annual review is due
    /// @param objectedAt when the registration last entered Objected
    /// @param certificateNumber number of its current property registration certificate, 0 before certification
    /// @param registrant the party that applied, first holder of the rights it claimed
    /// @param authorityId the registration authority that handles it
    /// @param rights bit set of the rights claimed: 1 resource holding, 2 processing and use, 4 product operation
    /// @param transferredRights bit set of the rights that have left the registrant (recorded by the rights module):
    /// for the others the registrant still holds them, and the registry answers without asking the module
    /// @param manifestDigest sha256 of the manifest's raw IPFS block, i.e. the digest of its CIDv1
    struct Registration {
        Status status;
        uint32 version;
        uint16 openObjections;
        uint40 noticeEndsAt;
        uint40 reviewDueAt;
        uint40 objectedAt;
        uint64 certificateNumber;
        address registrant;
        uint16 authorityId;
        Kind kind;
        Origin origin;
        Grade grade;
        bool personalInfo;
        uint8 rights;
        uint8 transferredRights;
        bytes32 manifestDigest;
    }

    /// @notice What the rights module reads of a registration, in one call.
    /// @param paused whether the ledger is paused (the registry's emergency stop, which the rights module honours)
    struct RightsContext {
        Status status;
        uint16 openObjections;
        address registrant;
        uint16 authorityId;
        Kind kind;
        Origin origin;
        Grade grade;
        uint8 rights;
        bool paused;
    }

    /// @notice The application a registrant signs (EIP-712 type `Submission`).
    struct Submission {
        address registrant;
        uint16 authorityId;
        Kind kind;
        Origin origin;
        Grade grade;
        bool personalInfo;
        uint8 rights;
        bytes32 manifestDigest;
        bytes32 dataCommitment;
        uint256[] parents;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice An objection registration (异议登记).
    struct Objection {
        uint64 registrationId;
        address objector;
        ObjectionStatus status;
    }

    /// @notice What the registry keeps of an objector, for the bound on open objections.
    /// @param open objections it has open
    /// @param filed objections it has filed in all (so the record, once made, is never empty again)
    struct Objector {
        uint16 open;
        uint64 filed;
    }

    /// @notice A registrant's signed application was recorded.
    event RegistrationSubmitted(
        uint256 indexed registrationId,
        address indexed registrant,
        uint16 indexed authorityId,
        Kind kind,
        Origin origin,
        Grade grade,
        bool personalInfo,
        uint8 rights,
        bytes32 manifestDigest,
        bytes32 dataCommitment,
        uint256[] parents
    );
    /// @notice A reviewer accepted the application for review.
    event RegistrationAccepted(uint256 indexed registrationId, address indexed reviewer);
    /// @notice The application was rejected; the reason document's hash is recorded.
    event RegistrationRejected(uint256 indexed registrationId, address indexed by, bytes32 reasonDigest);
    /// @notice The authority approved the application into public notice (公示).
    event RegistrationPublished(uint256 indexed registrationId, uint40 noticeEndsAt);
    /// @notice An objection was filed against the registration.
    event ObjectionFiled(
        uint256 indexed objectionId, uint256 indexed registrationId, address indexed objector, bytes32 evidenceDigest
    );
    /// @notice An objection was withdrawn by its objector.
    event ObjectionWithdrawn(uint256 indexed objectionId, uint256 indexed registrationId);
    /// @notice The authority resolved an objection.
    event ObjectionResolved(
        uint256 indexed objectionId, uint256 indexed registrationId, bool upheld, bytes32 decisionDigest
    );
    /// @notice Public notice resumed after the last open objection was dismissed or withdrawn.
    event NoticeResumed(uint256 indexed registrationId, uint40 noticeEndsAt);
    /// @notice The registration was certified and its property registration certificate issued.
    event RegistrationCertified(
        uint256 indexed registrationId, uint64 indexed certificateNumber, uint256 indexed tokenId, uint40 reviewDueAt
    );
    /// @notice An evidence (存证) certificate was issued for the registration as submitted.
    event EvidenceCertificateIssued(
        uint256 indexed registrationId, uint64 indexed certificateNumber, uint256 indexed tokenId
    );
    /// @notice The holder asked to change the registration to a new manifest (and data commitment).
    event ChangeRequested(uint256 indexed registrationId, bytes32 manifestDigest, bytes32 dataCommitment);
    /// @notice The authority refused a requested change.
    event ChangeRejected(uint256 indexed registrationId, bytes32 manifestDigest, bytes32 reasonDigest);
    /// @notice The authority approved a change: the registration now points to a new manifest version.
    event RegistrationChanged(uint256 indexed registrationId, uint32 indexed version, bytes32 manifestDigest);
    /// @notice The holder filed the annual review report.
    event AnnualReviewFiled(uint256 indexed registrationId, bytes32 reportDigest, uint40 reviewDueAt);
    /// @notice The annual review was missed; the registration lapsed.
    event RegistrationLapsed(uint256 indexed registrationId, uint40 reviewDueAt);
    /// @notice The authority renewed a lapsed registration.
    event RegistrationRenewed(uint256 indexed registrationId, bytes32 reportDigest, uint40 reviewDueAt);
    /// @notice A regulator froze the registration.
    event RegistrationFrozen(uint256 indexed registrationId, address indexed regulator, bytes32 reasonDigest);
    /// @notice A regulator unfroze the registration.
    event RegistrationUnfrozen(uint256 indexed registrationId, address indexed regulator);
    /// @notice The registration was revoked by its authority, a regulator or an upheld objection.
    event RegistrationRevoked(uint256 indexed registrationId, address indexed by, bytes32 reasonDigest);
    /// @notice The holder cancelled the registration (注销登记).
    event RegistrationCancelled(uint256 indexed registrationId, bytes32 reasonDigest);
    /// @notice The right the certificate follows changed hands: the rights module had the property registration
    /// certificate retired and a new one, with a new number, issued to the new holder.
    event CertificateReissued(
        uint256 indexed registrationId,
        uint256 indexed previousTokenId,
        uint256 indexed tokenId,
        uint64 certificateNumber
    );
    /// @notice The rights module was connected (once).
    event RightsModuleSet(address indexed rights);

    /// @notice The registration does not exist.
    error UnknownRegistration(uint256 registrationId);
    /// @notice The transition is not allowed from the registration's current status.
    error InvalidStatus(uint256 registrationId, Status status);
    /// @notice A field of the application is out of range or empty.
    error InvalidApplication();
    /// @notice Too many parents for one registration.
    error TooManyParents(uint256 count, uint256 max);
    /// @notice A parent registration is not certified.
    error ParentNotCertified(uint256 parentId, Status status);
    /// @notice The registrant holds no processing and use right of the parent.
    error ProcessingRightNotHeld(uint256 parentId, address registrant);
    /// @notice The public-notice window has not ended yet.
    error NoticeWindowOpen(uint256 registrationId, uint40 endsAt);
    /// @notice The annual review is not yet overdue.
    error AnnualReviewNotDue(uint256 registrationId, uint40 reviewDueAt);
    /// @notice The annual review is overdue; the registration must lapse and be renewed.
    error AnnualReviewOverdue(uint256 registrationId, uint40 reviewDueAt);
    /// @notice An annual review was filed more than one interval ahead.
    error AnnualReviewTooEarly(uint256 registrationId, uint40 reviewDueAt);
    /// @notice No change is pending, or one already is.
    error ChangePending(uint256 registrationId, bool pending);
    /// @notice The objection does not exist or is already closed.
    error ObjectionNotOpen(uint256 objectionId);
    /// @notice The rights module is already set.
    error RightsModuleAlreadySet();
    /// @notice Too many objections are open against one registration.
    error TooManyObjections(uint256 registrationId);
    /// @notice The objector already has the most objections open it may have.
    error TooManyOpenObjections(address objector);
    /// @notice A right is pledged, in trust, being transferred or held by another than the primary holder.
    error RightsNotFree(uint256 registrationId);
    /// @notice Only the objector may withdraw its objection.
    error NotObjector(uint256 objectionId, address caller);
    /// @notice Only the connected rights module may record a transfer.
    error NotRightsModule(address caller);
}
