// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECRecover} from "./ECRecover.sol";

/// @title SignatureChecker
/// @notice Signature validation in the style of USDC v2.2: ERC-1271 for signers with code, strict
/// ECDSA for the rest.
/// @dev There is deliberately no ECDSA fallback for contracts: a signer with code (a smart wallet,
/// or an EOA with an EIP-7702 delegation) decides for itself what a valid signature is.
library SignatureChecker {
    /// @dev bytes4(keccak256("isValidSignature(bytes32,bytes)")), the ERC-1271 success value.
    bytes4 internal constant ERC1271_MAGIC_VALUE = 0x1626ba7e;

    /// @notice True when `signature` is valid for `digest` on behalf of `signer`. Reverts with an
    /// ECRecover reason when an EOA signature is malformed (high s, bad v, wrong length).
    function isValidSignatureNow(address signer, bytes32 digest, bytes memory signature)
        internal
        view
        returns (bool)
    {
        if (signer.code.length == 0) return ECRecover.recover(digest, signature) == signer;
        return isValidErc1271SignatureNow(signer, digest, signature);
    }

    /// @notice Asks `signer` through ERC-1271. A revert, a short answer or any value other than the
    /// magic value counts as "invalid", so a broken wallet cannot make the token revert oddly.
    function isValidErc1271SignatureNow(address signer, bytes32 digest, bytes memory signature)
        internal
        view
        returns (bool)
    {
        (bool success, bytes memory result) =
            signer.staticcall(abi.encodeWithSelector(ERC1271_MAGIC_VALUE, digest, signature));
        return success && result.length >= 32
            && abi.decode(result, (bytes32)) == bytes32(ERC1271_MAGIC_VALUE);
    }
}
