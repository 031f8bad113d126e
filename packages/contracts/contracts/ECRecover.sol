// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ECRecover
/// @notice Strict ECDSA recovery over 65-byte `r || s || v` signatures.
/// @dev The precompile `ecrecover` accepts both `s` and `n - s` for one signature and returns
/// address(0) for garbage. A token that keyed replay protection on signature bytes, or compared
/// against an unset signer, would be exploitable, so like USDC v2.2 we only accept the low-s form
/// (EIP-2), v in {27, 28}, and a non-zero result.
library ECRecover {
    /// @dev secp256k1n / 2. Any `s` above it is the malleable twin of a low-s signature.
    uint256 internal constant S_MAX =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    enum RecoverError {
        None,
        InvalidLength,
        InvalidS,
        InvalidV,
        InvalidSignature
    }

    /// @notice Recovers the signer, or reports why the signature is malformed. Never reverts, so
    /// callers that must answer "invalid" (ERC-1271 wallets) can do so without a revert.
    function tryRecover(bytes32 digest, bytes memory signature)
        internal
        pure
        returns (address signer, RecoverError err)
    {
        if (signature.length != 65) return (address(0), RecoverError.InvalidLength);
        bytes32 r;
        bytes32 s;
        uint8 v;
        // Read the three fields straight from the bytes payload; abi.decode cannot split a packed
        // 65-byte value.
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (uint256(s) > S_MAX) return (address(0), RecoverError.InvalidS);
        if (v != 27 && v != 28) return (address(0), RecoverError.InvalidV);
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) return (address(0), RecoverError.InvalidSignature);
        return (signer, RecoverError.None);
    }

    /// @notice Recovers the signer and reverts with a specific reason when the signature is
    /// malformed (the revert strings match USDC's ECRecover library).
    function recover(bytes32 digest, bytes memory signature) internal pure returns (address) {
        (address signer, RecoverError err) = tryRecover(digest, signature);
        if (err == RecoverError.InvalidLength) revert("ECRecover: invalid signature length");
        if (err == RecoverError.InvalidS) revert("ECRecover: invalid signature 's' value");
        if (err == RecoverError.InvalidV) revert("ECRecover: invalid signature 'v' value");
        if (err == RecoverError.InvalidSignature) revert("ECRecover: invalid signature");
        return signer;
    }
}
