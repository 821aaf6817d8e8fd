// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {Registrations} from "../src/Registrations.sol";
import {IRegistrations} from "../src/interfaces/IRegistrations.sol";
import {ICertificates} from "../src/interfaces/ICertificates.sol";
import {IRights} from "../src/interfaces/IRights.sol";
import {CertificateNumbers} from "../src/libraries/CertificateNumbers.sol";

/// @dev The cheatcodes this test needs beyond the project's small Vm interface: reading the vector files.
interface VectorReader {
    function readFile(string calldata path) external view returns (string memory);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonUintArray(string calldata json, string calldata key) external pure returns (uint256[] memory);
    function parseJsonBool(string calldata json, string calldata key) external pure returns (bool);
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonBytes32Array(string calldata json, string calldata key) external pure returns (bytes32[] memory);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function etch(address target, bytes calldata code) external;
}

/// @notice The contracts compute what docs/formats/vectors/ states (the vectors pytest and the JavaScript
/// implementations check too): EIP-712 digests of Submission and Manifest, token ids, certificate numbers and
/// Merkle proofs through OpenZeppelin's MerkleProof. Regenerate the vectors with scripts/format_vectors.py.
contract FormatVectorsTest is LedgerFixture {
    VectorReader internal constant files = VectorReader(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    bytes32 internal constant MANIFEST_TYPEHASH = keccak256("Manifest(address registrant,bytes32 manifestHash)");
    uint256 internal constant MERKLE_TREES = 16;
    uint256 internal constant TOKEN_IDS = 3;
    uint256 internal constant CERTIFICATE_NUMBERS = 4;

    function _read(string memory name) internal view returns (string memory) {
        return files.readFile(string.concat("docs/formats/vectors/", name));
    }

    /// @dev The registry's code at the vector's registry address, on the vector's chain: its EIP-712 domain.
    function _registryAt(string memory json, string memory domain) internal returns (Registrations registry) {
        address verifying = files.parseJsonAddress(json, string.concat(domain, ".verifyingContract"));
        files.etch(verifying, address(registrations).code);
        vm.chainId(files.parseJsonUint(json, string.concat(domain, ".chainId")));
        return Registrations(verifying);
    }

    function test_submission_digest_is_the_vectors() public {
        string memory json = _read("eip712.json");
        string memory m = ".vectors[0].typed_data.message";
        Registrations registry = _registryAt(json, ".vectors[0].typed_data.domain");
        IRegistrations.Submission memory application = IRegistrations.Submission({
            registrant: files.parseJsonAddress(json, string.concat(m, ".registrant")),
            authorityId: uint16(files.parseJsonUint(json, string.concat(m, ".authorityId"))),
            kind: IRegistrations.Kind(files.parseJsonUint(json, string.concat(m, ".kind"))),
            origin: IRegistrations.Origin(files.parseJsonUint(json, string.concat(m, ".origin"))),
            grade: IRegistrations.Grade(files.parseJsonUint(json, string.concat(m, ".grade"))),
            personalInfo: files.parseJsonBool(json, string.concat(m, ".personalInfo")),
            rights: uint8(files.parseJsonUint(json, string.concat(m, ".rights"))),
            manifestDigest: files.parseJsonBytes32(json, string.concat(m, ".manifestDigest")),
            dataCommitment: files.parseJsonBytes32(json, string.concat(m, ".dataCommitment")),
            parents: files.parseJsonUintArray(json, string.concat(m, ".parents")),
            nonce: files.parseJsonUint(json, string.concat(m, ".nonce")),
            deadline: files.parseJsonUint(json, string.concat(m, ".deadline"))
        });
        vm.assertEq(registry.domainSeparator(), files.parseJsonBytes32(json, ".vectors[0].domain_separator"), "domain");
        bytes32 digest = registry.submissionDigest(application);
        vm.assertEq(digest, files.parseJsonBytes32(json, ".vectors[0].digest"), "submission digest");
        bytes memory signature = files.parseJsonBytes(json, ".vectors[0].signature");
        vm.assertEq(ECDSA.recover(digest, signature), application.registrant, "submission signer");
    }

    function test_manifest_digests_in_the_registrys_domain_are_the_vectors() public {
        string memory json = _read("manifest.json");
        for (uint256 i = 0; i < 2; ++i) {
            string memory v = string.concat(".vectors[", vm.toString(i), "].eip712");
            Registrations registry = _registryAt(json, string.concat(v, ".typed_data.domain"));
            address registrant = files.parseJsonAddress(json, string.concat(v, ".typed_data.message.registrant"));
            bytes32 manifestHash = files.parseJsonBytes32(json, string.concat(v, ".typed_data.message.manifestHash"));
            bytes32 structHash = keccak256(abi.encode(MANIFEST_TYPEHASH, registrant, manifestHash));
            vm.assertEq(structHash, files.parseJsonBytes32(json, string.concat(v, ".struct_hash")), "struct hash");
            bytes32 digest = keccak256(abi.encodePacked(hex"1901", registry.domainSeparator(), structHash));
            vm.assertEq(digest, files.parseJsonBytes32(json, string.concat(v, ".digest")), "manifest digest");
            bytes memory signature = files.parseJsonBytes(json, string.concat(v, ".signature"));
            vm.assertEq(ECDSA.recover(digest, signature), registrant, "manifest signer");
        }
    }

    function test_certificate_token_ids_are_the_vectors() public view {
        string memory json = _read("ids.json");
        for (uint256 i = 0; i < TOKEN_IDS; ++i) {
            string memory v = string.concat(".certificate_token_ids[", vm.toString(i), "]");
            uint256 tokenId = files.parseJsonUint(json, string.concat(v, ".token_id"));
            ICertificates.Certificate memory fields = certificates.certificate(tokenId);
            vm.assertEq(fields.registrationId, files.parseJsonUint(json, string.concat(v, ".registration_id")), "id");
            vm.assertEq(fields.authorityId, files.parseJsonUint(json, string.concat(v, ".authority_id")), "authority");
            vm.assertEq(
                uint256(fields.certificateType),
                files.parseJsonUint(json, string.concat(v, ".certificate_type")),
                "type"
            );
            vm.assertEq(fields.number, files.parseJsonUint(json, string.concat(v, ".number")), "number");
            uint256 encoded = certificates.tokenIdOf(
                fields.registrationId, fields.authorityId, fields.certificateType, fields.number
            );
            vm.assertEq(encoded, tokenId, "token id");
        }
    }

    /// @dev The first licence vector is the first licence of the first registration: the rights module mints its id.
    function test_the_first_licence_of_a_registration_has_the_vectors_licence_id() public {
        string memory json = _read("ids.json");
        uint256 registrationId = certified(aliceKey);
        vm.assertEq(registrationId, files.parseJsonUint(json, ".licence_ids[0].registration_id"), "registration");
        IRights.Right right = IRights.Right(files.parseJsonUint(json, ".licence_ids[0].right"));
        uint256 licenceId = licensed(
            aliceKey,
            registrationId,
            right,
            bob,
            IRights.LicenceType.NonExclusive,
            block.timestamp,
            block.timestamp + 1 days
        );
        vm.assertEq(licenceId, files.parseJsonUint(json, ".licence_ids[0].licence_id"), "licence id");
        IRights.Licence memory granted = rights.licence(licenceId);
        vm.assertEq(granted.registrationId, registrationId, "decoded registration");
        vm.assertEq(uint256(granted.right), uint256(right), "decoded right");
        vm.assertEq(granted.sublicensable, files.parseJsonBool(json, ".licence_ids[0].sublicensable"), "sublicensable");
        vm.assertEq(granted.parentLicenceId, files.parseJsonUint(json, ".licence_ids[0].parent_licence_id"), "parent");
    }

    function test_certificate_numbers_are_the_vectors() public view {
        string memory json = _read("ids.json");
        for (uint256 i = 0; i < CERTIFICATE_NUMBERS; ++i) {
            string memory v = string.concat(".certificate_numbers[", vm.toString(i), "]");
            uint32 day = CertificateNumbers.dayOf(files.parseJsonUint(json, string.concat(v, ".timestamp")));
            vm.assertEq(day, files.parseJsonUint(json, string.concat(v, ".yyyymmdd")), "day");
            uint32 sequence = uint32(files.parseJsonUint(json, string.concat(v, ".sequence")));
            vm.assertEq(
                CertificateNumbers.format(day, sequence),
                files.parseJsonUint(json, string.concat(v, ".number")),
                "number"
            );
        }
    }

    function test_merkle_vectors_prove_through_openzeppelins_merkle_proof_and_the_anchors_leaf() public view {
        string memory json = _read("merkle.json");
        for (uint256 t = 0; t < MERKLE_TREES; ++t) {
            string memory tree = string.concat(".trees[", vm.toString(t), "]");
            bytes32 root = files.parseJsonBytes32(json, string.concat(tree, ".root"));
            bytes32[] memory entries = files.parseJsonBytes32Array(json, string.concat(tree, ".entries"));
            bytes32[] memory leaves = files.parseJsonBytes32Array(json, string.concat(tree, ".leaves"));
            for (uint256 i = 0; i < entries.length; ++i) {
                bytes32 leaf = anchors.leafOf(entries[i]);
                vm.assertEq(leaf, leaves[i], "leaf");
                string memory proofKey = string.concat(tree, ".proofs[", vm.toString(i), "]");
                bytes32[] memory proof =
                    entries.length == 1 ? new bytes32[](0) : files.parseJsonBytes32Array(json, proofKey);
                vm.assertTrue(MerkleProof.verify(proof, root, leaf), "proof");
            }
        }
    }
}
