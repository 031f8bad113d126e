// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECRecover} from "./ECRecover.sol";
import {SignatureChecker} from "./SignatureChecker.sol";

interface IDepositCollector {
    function collect(
        address payer,
        address token,
        uint256 amount,
        bytes32 channelId,
        bytes calldata collectorData
    ) external;
}

interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// @title X402BatchSettlement
/// @notice Escrow for x402 `batch-settlement` payment channels. A payer deposits into a channel
/// once, then pays each request with an off-chain voucher naming the cumulative amount the
/// receiver may claim. The receiver claims many vouchers in one transaction and sweeps what it
/// claimed with `settle`; the payer gets back what was never claimed, either from the receiver
/// (refund) or on its own after the channel's withdraw delay.
/// @dev ABI-compatible with the canonical deployment at 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003
/// (functions, views, events, EIP-712 domain and type hashes), written from that interface and its
/// documented rules. The domain is rebuilt from the live chain id and address on every call, so
/// this bytecode placed at the canonical address on a devnet signs under the canonical domain.
contract X402BatchSettlement {
    struct ChannelConfig {
        address payer;
        address payerAuthorizer;
        address receiver;
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    struct ChannelState {
        uint128 balance;
        uint128 totalClaimed;
    }

    struct PendingWithdrawal {
        uint128 amount;
        uint40 initiatedAt;
    }

    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant NAME_HASH = keccak256("x402 Batch Settlement");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 public constant REFUND_TYPEHASH =
        keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    bytes32 public constant CLAIM_ENTRY_TYPEHASH = keccak256(
        "ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );
    bytes32 public constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );
    uint40 public constant MIN_WITHDRAW_DELAY = 900;
    uint40 public constant MAX_WITHDRAW_DELAY = 2_592_000;

    mapping(bytes32 channelId => ChannelState) public channels;
    mapping(bytes32 channelId => PendingWithdrawal) public pendingWithdrawals;
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;
    mapping(bytes32 channelId => uint256) public refundNonce;

    bool private transient _entered;

    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);
    event Deposited(
        bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance
    );
    event Claimed(
        bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed
    );
    event Settled(
        address indexed receiver, address indexed token, address indexed sender, uint128 amount
    );
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount);
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter);
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);

    error InvalidChannel();
    error WithdrawDelayOutOfRange();
    error ZeroDeposit();
    error InvalidCollector();
    error DepositOverflow();
    error DepositCollectionFailed();
    error EmptyBatch();
    error NotReceiverAuthorizer();
    error ClaimExceedsCeiling();
    error ClaimExceedsBalance();
    error InvalidSignature();
    error NotPayerAuthorizer();
    error WithdrawalAlreadyPending();
    error WithdrawAmountExceedsAvailable();
    error NothingToWithdraw();
    error NoPendingWithdrawal();
    error WithdrawDelayNotElapsed();
    error ZeroRefund();
    error InvalidRefundNonce();
    error NotAuthorizedToRefund();
    error TransferFailed();
    error ReentrancyGuardReentrantCall();

    modifier nonReentrant() {
        if (_entered) revert ReentrancyGuardReentrantCall();
        _entered = true;
        _;
        _entered = false;
    }

    // ---- deposits -------------------------------------------------------------------------

    /// @notice Adds `amount` to the channel, pulled from the payer by `collector` with the
    /// payer's signature inside `collectorData`. Anyone may submit it (facilitators pay the gas).
    function deposit(
        ChannelConfig calldata config,
        uint128 amount,
        address collector,
        bytes calldata collectorData
    ) external nonReentrant {
        if (
            config.payer == address(0) || config.receiver == address(0)
                || config.receiverAuthorizer == address(0) || config.token == address(0)
        ) revert InvalidChannel();
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY)
        {
            revert WithdrawDelayOutOfRange();
        }
        if (amount == 0) revert ZeroDeposit();
        if (collector.code.length == 0) revert InvalidCollector();
        bytes32 channelId = getChannelId(config);
        ChannelState storage channel = channels[channelId];
        uint256 newBalance = uint256(channel.balance) + amount;
        if (newBalance > type(uint128).max) revert DepositOverflow();
        bool created = channel.balance == 0;

        // The balance check, not the collector's word, decides what arrived: a fee-on-transfer
        // token or a broken collector must not credit more than the escrow holds.
        uint256 before = IERC20Minimal(config.token).balanceOf(address(this));
        IDepositCollector(collector).collect(
            config.payer, config.token, amount, channelId, collectorData
        );
        if (IERC20Minimal(config.token).balanceOf(address(this)) != before + amount) {
            revert DepositCollectionFailed();
        }

        channel.balance = uint128(newBalance);
        if (created) emit ChannelCreated(channelId, config);
        emit Deposited(channelId, msg.sender, amount, uint128(newBalance));
    }

    // ---- claims ---------------------------------------------------------------------------

    /// @notice Claims vouchers as their receiver (or its authorizer) in person.
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        if (voucherClaims.length == 0) revert EmptyBatch();
        for (uint256 i = 0; i < voucherClaims.length; i++) {
            ChannelConfig calldata channel = voucherClaims[i].voucher.channel;
            if (msg.sender != channel.receiver && msg.sender != channel.receiverAuthorizer) {
                revert NotReceiverAuthorizer();
            }
            _claim(voucherClaims[i]);
        }
    }

    /// @notice Claims vouchers on the strength of the receiver authorizer's signature over the
    /// whole batch, so anyone (a facilitator) may submit it.
    function claimWithSignature(
        VoucherClaim[] calldata voucherClaims,
        bytes calldata authorizerSignature
    ) external nonReentrant {
        if (voucherClaims.length == 0) revert EmptyBatch();
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        for (uint256 i = 1; i < voucherClaims.length; i++) {
            if (voucherClaims[i].voucher.channel.receiverAuthorizer != authorizer) {
                revert NotReceiverAuthorizer();
            }
        }
        if (!SignatureChecker.isValidSignatureNow(
                authorizer, getClaimBatchDigest(voucherClaims), authorizerSignature
            )) revert InvalidSignature();
        for (uint256 i = 0; i < voucherClaims.length; i++) {
            _claim(voucherClaims[i]);
        }
    }

    /// @dev A row at or below what was already claimed changes nothing and does not revert, so
    /// a batch resubmitted after a partial success (or raced by another claimer) still lands.
    function _claim(VoucherClaim calldata row) private {
        ChannelConfig calldata config = row.voucher.channel;
        bytes32 channelId = getChannelId(config);
        ChannelState storage channel = channels[channelId];
        if (row.totalClaimed <= channel.totalClaimed) return;
        if (row.totalClaimed > row.voucher.maxClaimableAmount) revert ClaimExceedsCeiling();
        if (row.totalClaimed > channel.balance) revert ClaimExceedsBalance();
        _checkVoucherSignature(config, channelId, row.voucher.maxClaimableAmount, row.signature);

        uint128 claimAmount = row.totalClaimed - channel.totalClaimed;
        channel.totalClaimed = row.totalClaimed;
        receivers[config.receiver][config.token].totalClaimed += claimAmount;
        emit Claimed(channelId, msg.sender, claimAmount, row.totalClaimed);
    }

    /// @dev A named payer authorizer signs with a plain key (no ERC-1271, so a voucher can be
    /// checked off-chain without an RPC call); without one, the payer itself signs, wallet or key.
    function _checkVoucherSignature(
        ChannelConfig calldata config,
        bytes32 channelId,
        uint128 maxClaimableAmount,
        bytes calldata signature
    ) private view {
        bytes32 digest = getVoucherDigest(channelId, maxClaimableAmount);
        bool valid = config.payerAuthorizer != address(0)
            ? _recoversTo(digest, signature, config.payerAuthorizer)
            : SignatureChecker.isValidSignatureNow(config.payer, digest, signature);
        if (!valid) revert InvalidSignature();
    }

    function _recoversTo(bytes32 digest, bytes calldata signature, address expected)
        private
        pure
        returns (bool)
    {
        (address signer, ECRecover.RecoverError err) = ECRecover.tryRecover(digest, signature);
        return err == ECRecover.RecoverError.None && signer == expected;
    }

    /// @notice Pays the receiver everything claimed for it in `token` and not yet paid out.
    /// Permissionless: the money can only go to the receiver.
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage state = receivers[receiver][token];
        uint128 amount = state.totalClaimed - state.totalSettled;
        if (amount == 0) return;
        state.totalSettled = state.totalClaimed;
        _transfer(token, receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---- the payer's way out --------------------------------------------------------------

    /// @notice Starts the withdraw delay for `amount` of what is not yet claimed.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) {
            revert NotPayerAuthorizer();
        }
        bytes32 channelId = getChannelId(config);
        if (pendingWithdrawals[channelId].initiatedAt != 0) revert WithdrawalAlreadyPending();
        uint128 available = _unclaimed(channels[channelId]);
        if (available == 0 || amount == 0) revert NothingToWithdraw();
        if (amount > available) revert WithdrawAmountExceedsAvailable();
        pendingWithdrawals[channelId] = PendingWithdrawal(amount, uint40(block.timestamp));
        emit WithdrawInitiated(channelId, amount, uint40(block.timestamp) + config.withdrawDelay);
    }

    /// @notice Pays the payer its pending withdrawal once the delay has passed. What the receiver
    /// claimed in the meantime is not the payer's: the amount is capped at what is still unclaimed.
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        bytes32 channelId = getChannelId(config);
        PendingWithdrawal memory pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt == 0) revert NoPendingWithdrawal();
        if (block.timestamp < uint256(pending.initiatedAt) + config.withdrawDelay) {
            revert WithdrawDelayNotElapsed();
        }
        delete pendingWithdrawals[channelId];
        ChannelState storage channel = channels[channelId];
        uint128 amount = _min(pending.amount, _unclaimed(channel));
        _release(config, channelId, channel, amount);
        emit WithdrawFinalized(channelId, msg.sender, amount);
    }

    /// @notice Returns unclaimed funds to the payer, by the receiver or its authorizer in person.
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) {
            revert NotAuthorizedToRefund();
        }
        _refund(config, getChannelId(config), amount);
    }

    /// @notice Returns unclaimed funds to the payer on the receiver authorizer's signature over
    /// (channel, nonce, amount). The nonce is spent even when nothing is left to move, so a signed
    /// refund is good exactly once.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        if (amount == 0) revert ZeroRefund();
        bytes32 channelId = getChannelId(config);
        if (nonce != refundNonce[channelId]) revert InvalidRefundNonce();
        if (!SignatureChecker.isValidSignatureNow(
                config.receiverAuthorizer,
                getRefundDigest(channelId, nonce, amount),
                receiverAuthorizerSignature
            )) revert NotAuthorizedToRefund();
        refundNonce[channelId] = nonce + 1;
        _refund(config, channelId, amount);
    }

    function _refund(ChannelConfig calldata config, bytes32 channelId, uint128 amount) private {
        if (amount == 0) revert ZeroRefund();
        ChannelState storage channel = channels[channelId];
        uint128 refunded = _min(amount, _unclaimed(channel));
        // A refund returns what a pending withdrawal was waiting for: shrink it, or clear it
        // when the refund covers it.
        PendingWithdrawal storage pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt != 0) {
            if (refunded >= pending.amount) delete pendingWithdrawals[channelId];
            else pending.amount -= refunded;
        }
        _release(config, channelId, channel, refunded);
        emit Refunded(channelId, msg.sender, refunded);
    }

    /// @dev Pays `amount` of the channel back to its payer. A channel left with nothing unclaimed
    /// is closed (its state cleared), so the next deposit opens it afresh from zero.
    function _release(
        ChannelConfig calldata config,
        bytes32 channelId,
        ChannelState storage channel,
        uint128 amount
    ) private {
        if (amount == 0) return;
        channel.balance -= amount;
        if (channel.balance == channel.totalClaimed) {
            delete channels[channelId];
            delete pendingWithdrawals[channelId];
            emit ChannelClosed(channelId, config);
        }
        _transfer(config.token, config.payer, amount);
    }

    // ---- views ----------------------------------------------------------------------------

    function getChannelId(ChannelConfig calldata config) public view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount)
        public
        view
        returns (bytes32)
    {
        return _hashTypedData(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount)
        public
        view
        returns (bytes32)
    {
        return _hashTypedData(keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
    }

    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims)
        public
        view
        returns (bytes32)
    {
        bytes32[] memory entryHashes = new bytes32[](voucherClaims.length);
        for (uint256 i = 0; i < voucherClaims.length; i++) {
            entryHashes[i] = keccak256(
                abi.encode(
                    CLAIM_ENTRY_TYPEHASH,
                    getChannelId(voucherClaims[i].voucher.channel),
                    voucherClaims[i].voucher.maxClaimableAmount,
                    voucherClaims[i].totalClaimed
                )
            );
        }
        return _hashTypedData(
            keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entryHashes))))
        );
    }

    /// @notice Runs several calls on this contract in one transaction (deposit then claim, or
    /// claim then settle).
    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool success, bytes memory result) = address(this).delegatecall(data[i]);
            if (!success) {
                assembly ("memory-safe") {
                    revert(add(result, 0x20), mload(result))
                }
            }
            results[i] = result;
        }
    }

    function _hashTypedData(bytes32 structHash) private view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this))
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _unclaimed(ChannelState storage channel) private view returns (uint128) {
        return channel.balance - channel.totalClaimed;
    }

    function _min(uint128 a, uint128 b) private pure returns (uint128) {
        return a < b ? a : b;
    }

    /// Accepts tokens that return nothing from transfer as well as those that return true.
    function _transfer(address token, address to, uint256 amount) private {
        (bool success, bytes memory result) =
            token.call(abi.encodeWithSelector(IERC20Minimal.transfer.selector, to, amount));
        if (!success || (result.length != 0 && !abi.decode(result, (bool)))) {
            revert TransferFailed();
        }
    }
}
