// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECRecover} from "./ECRecover.sol";

/// @title TestSmartWallet
/// @notice A minimal ERC-1271 wallet owned by one EOA, for testing the contract-signer path of
/// EIP-3009 and EIP-2612 verification. It holds tokens like any address; the owner moves them out
/// with `execute`.
/// @dev The owner signs the digest itself (no wallet-specific wrapping), so a signature made with
/// viem's `signTypedData` by the owner is valid for the wallet when `from` is the wallet.
contract TestSmartWallet {
    bytes4 private constant ERC1271_MAGIC_VALUE = 0x1626ba7e;
    bytes4 private constant ERC1271_INVALID = 0xffffffff;

    address public immutable owner;

    constructor(address owner_) {
        require(owner_ != address(0), "TestSmartWallet: zero owner");
        owner = owner_;
    }

    /// @notice Lets the wallet receive ether, e.g. to pay for its own calls in tests.
    receive() external payable {}

    /// @notice ERC-1271: the magic value iff `signature` is the owner's strict ECDSA signature of
    /// `hash`. Malformed signatures answer "invalid" instead of reverting.
    function isValidSignature(bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4)
    {
        (address signer, ECRecover.RecoverError err) = ECRecover.tryRecover(hash, signature);
        if (err == ECRecover.RecoverError.None && signer == owner) return ERC1271_MAGIC_VALUE;
        return ERC1271_INVALID;
    }

    /// @notice Makes an arbitrary call from the wallet (for example an ERC-20 transfer).
    function execute(address target, uint256 value, bytes calldata data)
        external
        returns (bytes memory result)
    {
        require(msg.sender == owner, "TestSmartWallet: caller is not the owner");
        bool success;
        (success, result) = target.call{value: value}(data);
        if (!success) {
            // Bubble the callee's revert data up unchanged so tests see the real reason.
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
