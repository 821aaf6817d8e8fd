// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IEndorsements} from "./interfaces/IEndorsements.sol";
import {ILedgerAccess} from "./interfaces/ILedgerAccess.sol";
import {IRegistrations} from "./interfaces/IRegistrations.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {LedgerRoles} from "./libraries/LedgerRoles.sol";

/// @title Endorsements
/// @notice Third-party agencies vouch for their reports (compliance, quality, valuation) about a registration, so a
/// buyer sees on chain who vouched for what, and whether the voucher still stands by it.
/// @dev The agency endorses by sending the transaction itself: the endorsing account is `msg.sender`, so the
/// transaction's own signature is the agency's signature over the report digest, and any smart-contract account
/// endorses the same way. Agencies are few, professional and act on their own reports, so a relayed EIP-712 message
/// would add a nonce, a deadline and a second signature check for nothing. An endorsement is kept under its
/// agency and its report's digest, so a rival agency that sees a report's digest first cannot take it: whoever holds
/// the report and knows who issued it looks it up by its hash. The ledger's emergency stop (the
/// registry's pause) stops new endorsements; withdrawals remain possible.
contract Endorsements is IEndorsements {
    /// @notice The registry whose registrations are endorsed.
    IRegistry public immutable registrations;
    /// @notice Roles and admitted parties (the registry's).
    ILedgerAccess public immutable access;

    mapping(address agency => mapping(bytes32 reportDigest => Endorsement)) private _endorsements;

    /// @param registrations_ the registry
    constructor(IRegistry registrations_) {
        registrations = registrations_;
        access = registrations_.access();
    }

    /// @notice The calling agency endorses its report about a registration that is under way or certified (any
    /// status but Rejected, Revoked and Cancelled). The agency must hold the agency role and be an admitted party.
    /// @param reportDigest sha256 of the report (the digest of its CID), as listed in the registration's manifest
    function endorse(uint256 registrationId, ReportKind kind, bytes32 reportDigest) external {
        if (registrations.paused()) revert LedgerPaused();
        if (reportDigest == bytes32(0)) revert MissingDigest();
        if (!access.hasRole(LedgerRoles.AGENCY, msg.sender)) revert MissingRole(msg.sender, LedgerRoles.AGENCY);
        if (!access.isAdmitted(msg.sender)) revert PartyNotAdmitted(msg.sender);
        IRegistrations.Status status = registrations.statusOf(registrationId);
        if (
            status == IRegistrations.Status.None || status == IRegistrations.Status.Rejected
                || status == IRegistrations.Status.Revoked || status == IRegistrations.Status.Cancelled
        ) revert RegistrationNotEndorsable(registrationId);
        Endorsement storage record = _endorsements[msg.sender][reportDigest];
        if (record.agency != address(0)) revert ReportAlreadyEndorsed(reportDigest);
        // casting to uint64 is safe: an existing registration's id comes from the registry's uint64 counter
        // forge-lint: disable-next-line(unsafe-typecast)
        _endorsements[msg.sender][reportDigest] = Endorsement(uint64(registrationId), msg.sender, kind, false);
        emit ReportEndorsed(reportDigest, registrationId, msg.sender, kind);
    }

    /// @notice The agency withdraws its endorsement; the record stays, marked withdrawn. Possible while paused and
    /// while the agency is suspended.
    /// @param reasonDigest hash of the written reason
    function withdraw(bytes32 reportDigest, bytes32 reasonDigest) external {
        Endorsement storage record = _endorsements[msg.sender][reportDigest];
        if (record.agency != msg.sender || record.withdrawn) revert NotEndorsedByCaller(reportDigest, msg.sender);
        record.withdrawn = true;
        emit EndorsementWithdrawn(reportDigest, record.registrationId, msg.sender, reasonDigest);
    }

    /// @notice The endorsement of a report by one agency (a zero agency when there is none).
    function endorsementOf(address agency, bytes32 reportDigest) external view returns (Endorsement memory) {
        return _endorsements[agency][reportDigest];
    }

    /// @notice Whether `agency` endorsed the report about `registrationId` and has not withdrawn it.
    function isEndorsed(bytes32 reportDigest, uint256 registrationId, address agency) external view returns (bool) {
        Endorsement storage record = _endorsements[agency][reportDigest];
        return
            record.agency == agency && agency != address(0) && record.registrationId == registrationId
                && !record.withdrawn;
    }
}
