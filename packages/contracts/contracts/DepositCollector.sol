// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title DepositCollector
/// @notice Pulls a batch-settlement deposit from the payer with the payer's signature and hands
/// it to the escrow. Only the escrow may call it, and the escrow checks that the full amount
/// arrived, so a collector can neither be used to move funds elsewhere nor to credit too much.
abstract contract DepositCollector {
    address public immutable x402BatchSettlement;

    error InvalidSettlementAddress();
    error OnlyX402BatchSettlement();
    error TransferFailed();

    constructor(address settlement) {
        if (settlement == address(0)) revert InvalidSettlementAddress();
        x402BatchSettlement = settlement;
    }

    modifier onlyx402BatchSettlement() {
        if (msg.sender != x402BatchSettlement) revert OnlyX402BatchSettlement();
        _;
    }

    function collect(
        address payer,
        address token,
        uint256 amount,
        bytes32 channelId,
        bytes calldata collectorData
    ) external virtual;
}
