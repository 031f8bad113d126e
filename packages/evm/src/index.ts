// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint

/**
 * @module @tollgate/evm
 * The x402 `exact` scheme on EVM chains, with EIP-3009 `transferWithAuthorization` or Permit2,
 * and `upto` (usage-based, over Permit2): the buyer's signer, the seller's requirements and the
 * facilitator's verify and settle (Permit2 proxies at their canonical addresses).
 */
export { eip3009Abi, erc1271Abi, transferWithAuthorizationTypes } from './abi.ts'
export { defaultEvmAssets, type EvmAsset, findAsset } from './assets.ts'
export {
  type ClientChannel,
  type ClientChannelStore,
  MemoryClientChannelStore,
} from './batch-settlement/client/channelMemory.ts'
export {
  type BatchSettlementEvmClientOptions,
  batchSettlementEvmClient,
} from './batch-settlement/client/client.ts'
export {
  batchSettlementAbi,
  batchSettlementAddresses,
  batchSettlementScheme,
  channelConfigTypes,
  claimBatchTypes,
  depositPermit2Types,
  maxWithdrawDelaySeconds,
  minWithdrawDelaySeconds,
  receiveWithAuthorizationTypes,
  refundTypes,
  voucherTypes,
} from './batch-settlement/constants.ts'
export { readChannelState } from './batch-settlement/facilitator/channelState.ts'
export {
  type BatchClientPayload,
  batchClientPayloadSchema,
  type ChannelConfig,
  type ChannelState,
  type ClaimPayload,
  claimPayloadSchema,
  type DepositPayload,
  depositPayloadSchema,
  type EnrichedRefundPayload,
  enrichedRefundPayloadSchema,
  type RefundPayload,
  refundPayloadSchema,
  type SettlePayload,
  settlePayloadSchema,
  type VoucherClaim,
  type VoucherPayload,
  voucherPayloadSchema,
} from './batch-settlement/payload.ts'
export {
  type AnchoredPayment,
  batchSettlementPaymentAnchor,
} from './batch-settlement/paymentAnchor.ts'
export {
  nativeRecovery,
  recoverMessageSigner,
  recoverSigner,
} from './batch-settlement/recoverSigner.ts'
export {
  type ChannelStore,
  MemoryChannelStore,
  type ServerChannel,
  type StoredChannel,
} from './batch-settlement/server/channelStore.ts'
export type { ClaimOutcome } from './batch-settlement/server/claims.ts'
export { FolderChannelStore } from './batch-settlement/server/folderChannelStore.ts'
export {
  type BatchChannels,
  type BatchSettlementEvmServerOptions,
  batchSettlementEvmServer,
  type ClaimingOptions,
  type ClaimTarget,
} from './batch-settlement/server/server.ts'
export {
  batchSettlementDomain,
  channelIdOf,
  claimBatchTypedData,
  contractChannelConfig,
  contractVoucherClaim,
  depositNonceOf,
  refundTypedData,
  signVoucher,
  voucherDigest,
  voucherSignedByAuthorizer,
} from './batch-settlement/typedData.ts'
export { evmChain } from './chain.ts'
export { type ExactEvmClientOptions, exactEvmClient } from './exact/client.ts'
export {
  type Authorization,
  type ExactEvmPayload,
  exactEvmPayloadSchema,
} from './exact/eip3009/payload.ts'
export {
  authorizationDigest,
  authorizationTypedData,
  type Eip712Domain,
} from './exact/eip3009/typedData.ts'
export { permit2Allowance, permit2ApprovalCall } from './exact/permit2/approval.ts'
export {
  exactPermit2Types,
  permit2Addresses,
  permit2ProxyAbi,
  uptoPermit2Types,
  uptoProxyAbi,
} from './exact/permit2/constants.ts'
export {
  type ExactPermit2Payload,
  exactPermit2PayloadSchema,
  type UptoPermit2Payload,
  uptoPermit2PayloadSchema,
} from './exact/permit2/payload.ts'
export { signExactPermit2, signUptoPermit2 } from './exact/permit2/sign.ts'
export {
  exactPermit2TypedData,
  permit2Digest,
  permit2Domain,
  uptoPermit2TypedData,
} from './exact/permit2/typedData.ts'
export { type ExactEvmServerOptions, exactEvmServer } from './exact/server.ts'
export {
  canonicalMulticall3,
  type EvmFacilitatorExtras,
  type EvmNetworkSetup,
  evmChainFacilitator,
  evmNetworkConfig,
  resolveEvmNetwork,
  rpcClient,
} from './facilitator/chainFacilitator.ts'
export { type FacilitatorClock, systemClock } from './facilitator/clock.ts'
export { type ExactEvmFacilitator, exactEvmFacilitator } from './facilitator/exactEvmFacilitator.ts'
export type { EvmFacilitatorLogger } from './facilitator/failureLog.ts'
export {
  defaultConfirmationDepths,
  defaultReorgWindowBlocks,
  unknownNetworkConfirmationDepth,
} from './facilitator/finalityDefaults.ts'
export {
  nativeSigning,
  settlementAccount,
} from './facilitator/nativeSigner.ts'
export type {
  EvmNetworkOptions,
  ExactEvmFacilitatorOptions,
  SettlementStep,
} from './facilitator/options.ts'
export { evmFacilitatorDefaults } from './facilitator/settings.ts'
export { validBeforeBufferSeconds } from './facilitator/verify.ts'
export {
  eip712OfferReceiptSigner,
  offerReceiptSignerOf,
  offerTypes,
  receiptTypes,
} from './offerReceipt.ts'
export type { EvmSigner } from './signer.ts'
export { type UptoEvmClientOptions, uptoEvmClient } from './upto/client.ts'
export { type UptoEvmServerOptions, uptoEvmServer } from './upto/server.ts'
