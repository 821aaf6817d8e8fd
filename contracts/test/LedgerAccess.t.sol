// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {LedgerAccess} from "../src/LedgerAccess.sol";
import {ILedgerAccess} from "../src/interfaces/ILedgerAccess.sol";
import {LedgerRoles} from "../src/libraries/LedgerRoles.sol";

/// @notice Roles and admitted parties. Registration authorities are the registry's (Authorities.t.sol).
contract LedgerAccessTest is LedgerFixture {
    function _notAllowed(address caller, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
    }

    // =========================================================================================================
    // Roles
    // =========================================================================================================

    function test_constructor_refuses_a_zero_admin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0)
            )
        );
        new LedgerAccess(ADMIN_DELAY, address(0));
    }

    function test_role_identifiers_are_the_hashes_of_their_names() public view {
        vm.assertEq(access.DEFAULT_ADMIN_ROLE(), bytes32(0), "admin");
        vm.assertEq(access.REVIEWER_ROLE(), keccak256("REVIEWER_ROLE"), "reviewer");
        vm.assertEq(access.REGULATOR_ROLE(), keccak256("REGULATOR_ROLE"), "regulator");
        vm.assertEq(access.PARTY_ADMIN_ROLE(), keccak256("PARTY_ADMIN_ROLE"), "party admin");
        vm.assertEq(access.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "pauser");
        vm.assertEq(access.AGENCY_ROLE(), keccak256("AGENCY_ROLE"), "agency");
        vm.assertTrue(access.hasRole(LedgerRoles.ADMIN, admin), "admin holds the admin role");
    }

    /// @dev Authorities moved into the registry: the access contract neither names an authority role nor keeps
    /// authorities, and registering one there grants nothing here.
    function test_access_keeps_no_authority_role_and_no_authorities() public {
        vm.assertFalse(access.hasRole(keccak256("AUTHORITY_ROLE"), authority), "no authority role granted");
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeWithSignature("AUTHORITY_ROLE()");
        calls[1] = abi.encodeWithSignature(
            "registerAuthority(address,bytes32,uint40,uint40)", stranger, keccak256("code"), NOTICE_PERIOD, 1 days
        );
        calls[2] = abi.encodeWithSignature("authorityTerms(uint16)", authorityId);
        calls[3] = abi.encodeWithSignature("authorityIdOf(address)", authority);
        for (uint256 i = 0; i < calls.length; ++i) {
            vm.prank(admin);
            (bool ok,) = address(access).call(calls[i]);
            vm.assertFalse(ok, string.concat("access answered call ", vm.toString(i)));
        }
    }

    function test_roles_are_granted_and_revoked_only_by_the_admin() public {
        bytes32 reviewerRole = LedgerRoles.REVIEWER;
        vm.expectRevert(_notAllowed(stranger, LedgerRoles.ADMIN));
        vm.prank(stranger);
        access.grantRole(reviewerRole, stranger);
        vm.expectRevert(_notAllowed(regulator, LedgerRoles.ADMIN));
        vm.prank(regulator);
        access.revokeRole(reviewerRole, reviewer);

        vm.prank(admin);
        access.revokeRole(reviewerRole, reviewer);
        vm.assertFalse(access.hasRole(reviewerRole, reviewer), "revoked");
        uint256 id = submitted(aliceKey);
        vm.expectRevert(notAuthorityNorRole(authorityId, LedgerRoles.REVIEWER, reviewer));
        vm.prank(reviewer);
        registrations.accept(id);
    }

    // =========================================================================================================
    // Parties
    // =========================================================================================================

    function test_admitted_party_records_its_identity_commitment() public {
        bytes32 commitment = keccak256("salted identity documents");
        vm.warp(START + 1 hours);
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.PartyAdmitted(carol, commitment);
        vm.prank(partyAdmin);
        access.admitParty(carol, commitment);

        ILedgerAccess.Party memory p = access.party(carol);
        vm.assertEq(uint256(p.status), uint256(ILedgerAccess.PartyStatus.Admitted), "admitted");
        vm.assertEq(p.admittedAt, START + 1 hours, "admitted at");
        vm.assertEq(p.identityCommitment, commitment, "commitment");
        vm.assertTrue(access.isAdmitted(carol), "isAdmitted");
        vm.assertFalse(access.isAdmitted(relayer), "never admitted");
    }

    function test_admission_by_anyone_but_a_party_admin_is_refused() public {
        address[] memory callers = new address[](3);
        callers[0] = admin;
        callers[1] = regulator;
        callers[2] = stranger;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(_notAllowed(callers[i], LedgerRoles.PARTY_ADMIN));
            vm.prank(callers[i]);
            access.admitParty(carol, keccak256("identity"));
        }
    }

    function test_admission_without_account_or_commitment_is_refused() public {
        vm.startPrank(partyAdmin);
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.admitParty(address(0), keccak256("identity"));
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        access.admitParty(carol, bytes32(0));
        vm.stopPrank();
    }

    function test_regulator_suspends_a_party_until_readmitted() public {
        bytes32 reason = keccak256("dishonest conduct");
        vm.expectEmit(true, true, true, true, address(access));
        emit ILedgerAccess.PartySuspended(alice, reason);
        vm.prank(regulator);
        access.suspendParty(alice, reason);
        ILedgerAccess.Party memory p = access.party(alice);
        vm.assertEq(uint256(p.status), uint256(ILedgerAccess.PartyStatus.Suspended), "suspended");
        vm.assertEq(p.identityCommitment, keccak256("identity:alice"), "commitment kept");
        vm.assertFalse(access.isAdmitted(alice), "not admitted while suspended");

        vm.prank(partyAdmin);
        access.admitParty(alice, keccak256("identity:alice:rechecked"));
        vm.assertTrue(access.isAdmitted(alice), "re-admitted");
    }

    function test_suspension_by_anyone_but_a_regulator_or_without_reason_is_refused() public {
        address[] memory callers = new address[](3);
        callers[0] = admin;
        callers[1] = partyAdmin;
        callers[2] = authority;
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(_notAllowed(callers[i], LedgerRoles.REGULATOR));
            vm.prank(callers[i]);
            access.suspendParty(alice, keccak256("reason"));
        }
        vm.expectRevert(ILedgerAccess.ZeroValue.selector);
        vm.prank(regulator);
        access.suspendParty(alice, bytes32(0));
    }

    function test_suspending_an_address_never_admitted_is_refused() public {
        address stranger = vm.addr(0x5742);
        vm.expectRevert(abi.encodeWithSelector(ILedgerAccess.PartyNeverAdmitted.selector, stranger));
        vm.prank(regulator);
        access.suspendParty(stranger, keccak256("reason"));
        vm.assertEq(uint256(access.party(stranger).status), uint256(ILedgerAccess.PartyStatus.None), "untouched");
    }
}
