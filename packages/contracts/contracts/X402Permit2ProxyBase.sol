// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Permit2} from "./Permit2.sol";

interface IERC2612 {
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;
}

/// @title X402Permit2ProxyBase
/// @notice What the x402 exact and upto Permit2 proxies share: the payer signs a Permit2 transfer
/// whose spender is the proxy and whose witness names the recipient, so the proxy can only move
/// the funds where the payer said. It holds nothing and has no owner.
/// @dev ABI-compatible with the canonical x402 proxies (errors, events, PERMIT2()); written from
/// their interface and documented checks.
abstract contract X402Permit2ProxyBase {
    struct EIP2612Permit {
        uint256 value;
        uint256 deadline;
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    Permit2 public immutable PERMIT2;
    bool private transient _entered;

    event Settled();
    event SettledWithPermit();
    event EIP2612PermitFailedWithReason(address indexed token, address indexed owner, string reason);
    event EIP2612PermitFailedWithPanic(address indexed token, address indexed owner, uint256 code);
    event EIP2612PermitFailedWithData(address indexed token, address indexed owner, bytes data);

    error InvalidAmount();
    error InvalidDestination();
    error InvalidOwner();
    error InvalidPermit2Address();
    error PaymentTooEarly();
    error Permit2612AmountMismatch();
    error ReentrancyGuardReentrantCall();

    constructor(address permit2) {
        if (permit2 == address(0)) revert InvalidPermit2Address();
        PERMIT2 = Permit2(permit2);
    }

    modifier nonReentrant() {
        if (_entered) revert ReentrancyGuardReentrantCall();
        _entered = true;
        _;
        _entered = false;
    }

    function _settle(
        Permit2.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        address to,
        uint256 validAfter,
        bytes32 witnessHash,
        string memory witnessTypeString,
        bytes calldata signature
    ) internal {
        if (amount == 0) revert InvalidAmount();
        if (owner == address(0)) revert InvalidOwner();
        if (to == address(0)) revert InvalidDestination();
        if (block.timestamp < validAfter) revert PaymentTooEarly();
        PERMIT2.permitWitnessTransferFrom(
            permit,
            Permit2.SignatureTransferDetails({to: to, requestedAmount: amount}),
            owner,
            witnessHash,
            witnessTypeString,
            signature
        );
    }

    /// Sets the payer's Permit2 allowance from a signed EIP-2612 permit. A failure is recorded,
    /// not raised: the permit may have been used already (a front-run, or an earlier settlement),
    /// in which case the allowance is there and the transfer still succeeds.
    function _applyPermit2612(address token, address owner, EIP2612Permit calldata permit2612, uint256 permittedAmount)
        internal
    {
        if (permit2612.value != permittedAmount) revert Permit2612AmountMismatch();
        try IERC2612(token).permit(
            owner,
            address(PERMIT2),
            permit2612.value,
            permit2612.deadline,
            permit2612.v,
            permit2612.r,
            permit2612.s
        ) {} catch Error(string memory reason) {
            emit EIP2612PermitFailedWithReason(token, owner, reason);
        } catch Panic(uint256 code) {
            emit EIP2612PermitFailedWithPanic(token, owner, code);
        } catch (bytes memory data) {
            emit EIP2612PermitFailedWithData(token, owner, data);
        }
    }
}
