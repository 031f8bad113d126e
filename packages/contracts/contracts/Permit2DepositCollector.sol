// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {DepositCollector} from "./DepositCollector.sol";
import {Permit2} from "./Permit2.sol";

interface IERC2612Permit {
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

/// @title Permit2DepositCollector
/// @notice Deposits with a Permit2 witness transfer whose spender is this collector, whose
/// witness names the channel and whose destination is the escrow, for any ERC-20 the payer has
/// approved to Permit2. An optional EIP-2612 permit in the same call grants that approval.
/// @dev ABI-compatible with the canonical collector at 0x4020425FAf3B746C082C2f942b4E5159887B0005.
/// collectorData = abi.encode(uint256 nonce, uint256 deadline, bytes permit2Signature,
/// bytes eip2612PermitData), the last empty or abi.encode(value, deadline, v, r, s).
contract Permit2DepositCollector is DepositCollector {
    bytes32 public constant DEPOSIT_WITNESS_TYPEHASH = keccak256("DepositWitness(bytes32 channelId)");
    string public constant WITNESS_TYPE_STRING =
        "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)";

    Permit2 public immutable PERMIT2;

    error InvalidPermit2Address();

    constructor(address settlement, address permit2) DepositCollector(settlement) {
        if (permit2 == address(0)) revert InvalidPermit2Address();
        PERMIT2 = Permit2(permit2);
    }

    function collect(
        address payer,
        address token,
        uint256 amount,
        bytes32 channelId,
        bytes calldata collectorData
    ) external override onlyx402BatchSettlement {
        (uint256 nonce, uint256 deadline, bytes memory signature, bytes memory eip2612PermitData) =
            abi.decode(collectorData, (uint256, uint256, bytes, bytes));
        if (eip2612PermitData.length > 0) _tryPermit(token, payer, eip2612PermitData);
        PERMIT2.permitWitnessTransferFrom(
            Permit2.PermitTransferFrom({
                permitted: Permit2.TokenPermissions({token: token, amount: amount}),
                nonce: nonce,
                deadline: deadline
            }),
            Permit2.SignatureTransferDetails({to: x402BatchSettlement, requestedAmount: amount}),
            payer,
            keccak256(abi.encode(DEPOSIT_WITNESS_TYPEHASH, channelId)),
            WITNESS_TYPE_STRING,
            signature
        );
    }

    /// @dev A failed permit is not fatal: the approval may already exist (or a front-runner used
    /// the same permit), and the Permit2 transfer below fails on its own if it does not.
    function _tryPermit(address token, address payer, bytes memory data) private {
        (uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) =
            abi.decode(data, (uint256, uint256, uint8, bytes32, bytes32));
        try IERC2612Permit(token).permit(payer, address(PERMIT2), value, deadline, v, r, s) {} catch {}
    }
}
