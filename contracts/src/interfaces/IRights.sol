// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IRightsView} from "./IRightsView.sol";
import {ILedgerErrors} from "./ILedgerErrors.sol";

/// @title IRights
/// @notice Types, events and errors of the rights of certified registrations (DESIGN.md §2): the three rights and
/// their holders, transfer registration (voluntary and by operation of law), licence registration, pledges and
/// trusts, and the regulator's approval of deals in important or core data.
interface IRights is IRightsView, ILedgerErrors {
    /// @notice The three rights a registration can claim; the registration's `rights` bit set holds `1 << right`.
    enum Right {
        ResourceHolding, // 数据资源持有权
        ProcessingAndUse, // 数据加工使用权
        ProductOperation // 数据产品经营权
    }

    /// @notice Licence categories (borrowed from intellectual-property practice).
    enum LicenceType {
        Exclusive, // 独占: nobody else may use, not even the licensor
        Sole, // 排他: the licensor may use, no other licensee
        NonExclusive, // 普通
        SubLicence, // 分许可: granted by the licensee of a parent licence that allows it
        CrossLicence // 交叉许可: one side of a mutual licence; the other side is registered on the other registration
    }

    /// @notice State of a licence record; whether a granted licence is current also depends on its term.
    enum LicenceStatus {
        None,
        AwaitingApproval,
        Granted,
        Revoked
    }

    /// @notice What encumbers a right.
    enum EncumbranceKind {
        None,
        Pledge, // 质押, to a pledgee (creditor)
        Trust // 信托, the income right placed in a trust plan with a trustee
    }

    /// @notice A transfer of one right waiting for its approvals.
    /// @param newHolder the party the right goes to (zero when none is pending)
    /// @param authorityApproved the registration's authority approved (or, by operation of law, initiated) it
    /// @param regulatorApproved a regulator approved it (needed for data graded important or core)
    /// @param lawful a transfer by operation of law (merger, division, dissolution, bankruptcy)
    struct PendingTransfer {
        address newHolder;
        bool authorityApproved;
        bool regulatorApproved;
        bool lawful;
    }

    /// @notice A pledge or trust over one right.
    /// @param creditor the pledgee or trustee, who alone may release it
    struct Encumbrance {
        address creditor;
        EncumbranceKind kind;
    }

    /// @notice Licensing bookkeeping of one right, kept so every overlap check is O(1).
    /// @param exclusiveEndsAt latest end of any exclusive or sole licence granted so far
    /// @param licencesEndAt latest end of any licence granted so far (sub-licences aside)
    struct Licensing {
        uint40 exclusiveEndsAt;
        uint40 licencesEndAt;
    }

    /// @notice A licence, as `licence(licenceId)` reports it. The registration, right, type and parent are encoded
    /// in the licence id; the rest is stored.
    struct Licence {
        uint256 registrationId;
        Right right;
        LicenceType licenceType;
        uint256 parentLicenceId;
        address licensee;
        uint40 startsAt;
        uint40 endsAt;
        LicenceStatus status;
        bool sublicensable;
    }

    /// @notice A transfer the holder and the new holder both sign (EIP-712 type `RightTransfer`). Like every signed
    /// request about a right, it carries the right's nonce (`nonceOf`), which every change of the right raises.
    struct TransferTerms {
        uint256 registrationId;
        Right right;
        address holder;
        address newHolder;
        bytes32 agreementDigest;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A licence the licensor signs (EIP-712 type `Licence`).
    /// @param licensor the right's holder, or for a sub-licence the licensee of the parent licence
    /// @param scopeDigest digest of the scope document: usage scenario, purpose, volume, territory
    /// @param startsAt start of the term (may be in the past: a contract already running can be registered)
    /// @param endsAt end of the term, exclusive
    /// @param sublicensable whether the licensee may grant sub-licences (never for a sub-licence)
    /// @param parentLicenceId the parent licence of a sub-licence, 0 otherwise
    struct LicenceTerms {
        uint256 registrationId;
        Right right;
        address licensor;
        address licensee;
        LicenceType licenceType;
        bytes32 scopeDigest;
        uint40 startsAt;
        uint40 endsAt;
        bool sublicensable;
        uint256 parentLicenceId;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A pledge or trust the holder signs (EIP-712 type `Encumbrance`).
    struct EncumbranceTerms {
        uint256 registrationId;
        Right right;
        EncumbranceKind kind;
        address holder;
        address creditor;
        bytes32 agreementDigest;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A release the pledgee or trustee signs (EIP-712 type `Release`), for a creditor whose key the relayer
    /// does not hold. It carries the right's nonce, which the release raises.
    /// @param creditor the pledgee or trustee, the signer
    struct ReleaseTerms {
        uint256 registrationId;
        Right right;
        address creditor;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A revocation the licensor signs (EIP-712 type `LicenceRevocation`). It carries the nonce the
    /// licensor's grants carry: the right's (`nonceOf`), or for a sub-licence its parent's (`sublicenceNonceOf`); a
    /// licence is revoked once, so the same revocation cannot be sent twice.
    /// @param licensor the right's holder, or for a sub-licence the parent's licensee: the signer
    /// @param reasonDigest hash of the written reason
    struct RevocationTerms {
        uint256 licenceId;
        address licensor;
        bytes32 reasonDigest;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A transfer was registered and awaits approval; `lawful` marks one by operation of law (of important
    /// or core data: others take effect at once), whose `digest` is the evidence (court ruling, merger record)
    /// instead of the transfer agreement.
    event TransferRequested(
        uint256 indexed registrationId,
        Right indexed right,
        address indexed newHolder,
        address holder,
        bytes32 digest,
        bool lawful
    );
    /// @notice The authority or a regulator approved a pending transfer.
    event TransferApproved(
        uint256 indexed registrationId, Right indexed right, address indexed approver, bool byRegulator
    );
    /// @notice The authority or a regulator refused a pending transfer.
    event TransferRejected(
        uint256 indexed registrationId, Right indexed right, address indexed by, bytes32 reasonDigest
    );
    /// @notice A right changed hands. `evidenceDigest` is the evidence of a transfer by operation of law that took
    /// effect at once (it had no TransferRequested); it is zero for a transfer that waited for its approvals, whose
    /// agreement or evidence is in its TransferRequested.
    event RightTransferred(
        uint256 indexed registrationId,
        Right indexed right,
        address indexed newHolder,
        address previousHolder,
        bool lawful,
        bytes32 evidenceDigest
    );
    /// @notice A licence was registered; its right, whether it is sublicensable and its parent are also encoded in
    /// `licenceId`. `scopePublic` marks the scope document of a public-data licence, which must be public
    /// (公共数据授权公开).
    event LicenceGranted(
        uint256 indexed licenceId,
        uint256 indexed registrationId,
        address indexed licensee,
        address licensor,
        LicenceType licenceType,
        bytes32 scopeDigest,
        bool scopePublic,
        uint40 startsAt,
        uint40 endsAt,
        bool sublicensable,
        bool awaitingApproval
    );
    /// @notice A regulator approved a licence of important or core data; it counts from now on.
    event LicenceApproved(uint256 indexed licenceId, uint256 indexed registrationId, address indexed regulator);
    /// @notice A licence was revoked by its licensor, the authority, or (before approval) a regulator.
    event LicenceRevoked(
        uint256 indexed licenceId, uint256 indexed registrationId, address indexed by, bytes32 reasonDigest
    );
    /// @notice A right was pledged or placed in trust.
    event RightEncumbered(
        uint256 indexed registrationId,
        Right indexed right,
        address indexed creditor,
        EncumbranceKind kind,
        bytes32 agreementDigest
    );
    /// @notice A pledge or trust was released by its creditor, or by the authority on a court order (`evidenceDigest`).
    event EncumbranceReleased(
        uint256 indexed registrationId,
        Right indexed right,
        address indexed by,
        EncumbranceKind kind,
        bytes32 evidenceDigest
    );

    /// @notice Only the pledgee or trustee may release the right.
    error NotCreditor(uint256 registrationId, Right right, address caller);
    /// @notice The caller is neither the licence's licensor nor the registration's authority, nor (while the licence
    /// awaits approval) a regulator.
    error NotLicensor(uint256 licenceId, address caller);
    /// @notice Rights move, are licensed and are encumbered only while the registration is Certified.
    error RegistrationNotCertified(uint256 registrationId);
    /// @notice `account` does not hold the right (or the registration did not claim it, or is not certified).
    error RightNotHeld(uint256 registrationId, Right right, address account);
    /// @notice The right is pledged or in trust: it cannot be transferred or encumbered again.
    error RightIsEncumbered(uint256 registrationId, Right right);
    /// @notice The right is not pledged or in trust.
    error RightNotEncumbered(uint256 registrationId, Right right);
    /// @notice A transfer of the right is pending (`pending`), or none is.
    error TransferPending(uint256 registrationId, Right right, bool pending);
    /// @notice The counterparty is the holder (or licensor) itself, or zero.
    error InvalidCounterparty(address counterparty);
    /// @notice Only data graded important or core needs a regulator's approval.
    error RegulatorApprovalNotNeeded();
    /// @notice The caller's side has already approved the pending transfer.
    error AlreadyApproved(uint256 registrationId, Right right);
    /// @notice The licence term is empty, or already over.
    error InvalidLicenceTerm(uint40 startsAt, uint40 endsAt);
    /// @notice The licence would overlap an exclusive or sole licence of the same right: it must start at or after
    /// `mustStartAt` (the conservative O(1) rule of `Rights`).
    error LicenceOverlap(uint256 registrationId, Right right, uint40 mustStartAt);
    /// @notice The type and the parent do not agree: a sub-licence needs a parent, and only a sub-licence has one; or
    /// a sub-licence was marked sublicensable.
    error InvalidLicenceType();
    /// @notice The parent licence is not of this right, does not allow sub-licensing, is not current, is not held by
    /// the licensor, or does not cover the sub-licence's term.
    error SublicenceNotAllowed(uint256 parentLicenceId);
    /// @notice The licence does not exist.
    error UnknownLicence(uint256 licenceId);
    /// @notice The licence is revoked, or (for an approval) not awaiting one.
    error LicenceNotInStatus(uint256 licenceId, LicenceStatus status);
    /// @notice The right, or the parent licence, has had the most licences its ids can number (65,535).
    error TooManyLicences(uint256 registrationId, Right right);
    /// @notice The sub-licence does not carry its parent's current sub-licence nonce (`sublicenceNonceOf`).
    error InvalidSublicenceNonce(uint256 parentLicenceId, uint256 currentNonce);
    /// @notice The licence is not a processing licence in force, or the lineage index already holds one in force.
    error LineageNotRecorded(uint256 licenceId);
    /// @notice The signed request does not carry the right's current nonce: it was signed before the right last
    /// changed, or has been used.
    error InvalidRightNonce(uint256 registrationId, Right right, uint256 currentNonce);
}
