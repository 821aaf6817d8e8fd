// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ILedgerErrors} from "./interfaces/ILedgerErrors.sol";

/// @title SignedRequests
/// @notice The one check of every EIP-712 request the ledger relays: the deadline, then the signer's signature, in
/// the domain `DataRightsLedger` / `1` / chain id / the verifying contract.
/// @dev Modelled on EAS's `EIP1271Verifier`: an ECDSA signature of the signer's key is tried first, so that an
/// externally owned account costs no look at its code; only otherwise is the signer asked through ERC-1271, as a
/// contract wallet is. Nonces are the inheriting contract's (per signer in the registry, per right in the rights
/// module).
abstract contract SignedRequests is EIP712, ILedgerErrors {
    constructor() EIP712("DataRightsLedger", "1") {}

    /// @notice The EIP-712 domain separator of this contract (chain id and address bound).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev Reverts unless the deadline has not passed and `signature` is `signer`'s over `digest`.
    function _checkSignature(address signer, bytes32 digest, uint256 deadline, bytes calldata signature) internal view {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        (address recovered, ECDSA.RecoverError error_,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error_ == ECDSA.RecoverError.NoError && recovered == signer) return;
        if (!SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature)) {
            revert InvalidSignature(signer);
        }
    }
}
