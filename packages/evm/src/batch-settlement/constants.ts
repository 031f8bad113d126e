import { parseAbi } from 'viem'
import { transferWithAuthorizationTypes } from '../abi.ts'

/**
 * The canonical batch-settlement escrow and its deposit collectors: the same address on every
 * EVM chain. The escrow is the EIP-712 verifying contract of every channel id and voucher, so a
 * voucher signed for one address is worthless at any other.
 */
export const batchSettlementAddresses = {
  escrow: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003',
  erc3009Collector: '0x4020806089470a89826cB9fB1f4059150b550004',
  permit2Collector: '0x4020425FAf3B746C082C2f942b4E5159887B0005',
} as const

export const batchSettlementScheme = 'batch-settlement'

/** The escrow's bounds on a channel's withdraw delay, in seconds (15 minutes to 30 days). */
export const minWithdrawDelaySeconds = 900
export const maxWithdrawDelaySeconds = 2_592_000

export const batchSettlementDomainFields = { name: 'x402 Batch Settlement', version: '1' } as const

export const channelConfigTypes = {
  ChannelConfig: [
    { name: 'payer', type: 'address' },
    { name: 'payerAuthorizer', type: 'address' },
    { name: 'receiver', type: 'address' },
    { name: 'receiverAuthorizer', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'withdrawDelay', type: 'uint40' },
    { name: 'salt', type: 'bytes32' },
  ],
} as const

export const voucherTypes = {
  Voucher: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'maxClaimableAmount', type: 'uint128' },
  ],
} as const

export const refundTypes = {
  Refund: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'nonce', type: 'uint256' },
    { name: 'amount', type: 'uint128' },
  ],
} as const

export const claimBatchTypes = {
  ClaimBatch: [{ name: 'claims', type: 'ClaimEntry[]' }],
  ClaimEntry: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'maxClaimableAmount', type: 'uint128' },
    { name: 'totalClaimed', type: 'uint128' },
  ],
} as const

/** ERC-3009's receive authorization: the same fields as its transfer, under another name. */
export const receiveWithAuthorizationTypes = {
  ReceiveWithAuthorization: transferWithAuthorizationTypes.TransferWithAuthorization,
} as const

/** The Permit2 witness transfer a Permit2 deposit signs: spender the collector, witness the channel. */
export const depositPermit2Types = {
  PermitWitnessTransferFrom: [
    { name: 'permitted', type: 'TokenPermissions' },
    { name: 'spender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
    { name: 'witness', type: 'DepositWitness' },
  ],
  TokenPermissions: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
  ],
  DepositWitness: [{ name: 'channelId', type: 'bytes32' }],
} as const

const channelConfigTuple =
  '(address payer, address payerAuthorizer, address receiver, address receiverAuthorizer, address token, uint40 withdrawDelay, bytes32 salt)'
const voucherClaimTuple = `((${channelConfigTuple} channel, uint128 maxClaimableAmount) voucher, bytes signature, uint128 totalClaimed)`

/** The escrow functions the facilitator calls and reads, with the errors it can revert with. */
export const batchSettlementAbi = parseAbi([
  `function deposit(${channelConfigTuple} config, uint128 amount, address collector, bytes collectorData)`,
  `function claim(${voucherClaimTuple}[] voucherClaims)`,
  `function claimWithSignature(${voucherClaimTuple}[] voucherClaims, bytes authorizerSignature)`,
  'function settle(address receiver, address token)',
  `function initiateWithdraw(${channelConfigTuple} config, uint128 amount)`,
  `function finalizeWithdraw(${channelConfigTuple} config)`,
  `function refund(${channelConfigTuple} config, uint128 amount)`,
  `function refundWithSignature(${channelConfigTuple} config, uint128 amount, uint256 nonce, bytes receiverAuthorizerSignature)`,
  'function multicall(bytes[] data) returns (bytes[] results)',
  `function getChannelId(${channelConfigTuple} config) view returns (bytes32)`,
  'function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)',
  'function pendingWithdrawals(bytes32 channelId) view returns (uint128 amount, uint40 initiatedAt)',
  'function receivers(address receiver, address token) view returns (uint128 totalClaimed, uint128 totalSettled)',
  'function refundNonce(bytes32 channelId) view returns (uint256)',
  `event ChannelCreated(bytes32 indexed channelId, ${channelConfigTuple} config)`,
  'event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter)',
  'event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount)',
  'event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance)',
  'event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed)',
  'event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount)',
  'event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount)',
  'error InvalidChannel()',
  'error WithdrawDelayOutOfRange()',
  'error ZeroDeposit()',
  'error InvalidCollector()',
  'error DepositOverflow()',
  'error DepositCollectionFailed()',
  'error EmptyBatch()',
  'error NotReceiverAuthorizer()',
  'error ClaimExceedsCeiling()',
  'error ClaimExceedsBalance()',
  'error InvalidSignature()',
  'error ZeroRefund()',
  'error NotPayerAuthorizer()',
  'error WithdrawalAlreadyPending()',
  'error WithdrawAmountExceedsAvailable()',
  'error NothingToWithdraw()',
  'error NoPendingWithdrawal()',
  'error WithdrawDelayNotElapsed()',
  'error InvalidRefundNonce()',
  'error NotAuthorizedToRefund()',
])
