// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/svm
 * The x402 `exact` scheme on Solana: the buyer's partially signed transfer, the seller's
 * requirements and the facilitator's allow-list verification and exactly-once settlement.
 */
export {
  defaultSvmAssets,
  findSvmAsset,
  isSolanaNetwork,
  type SvmAsset,
} from './assets.ts'
export { readSvmTokenBalance } from './balance.ts'
export { svmChain } from './chain.ts'
export { type ExactSvmClientOptions, exactSvmClient, type SvmSigner } from './client.ts'
export {
  clientComputeUnitLimit,
  clientComputeUnitPriceMicroLamports,
  computeBudgetProgram,
  lighthouseProgram,
  memoBytesMax,
  memoProgram,
  token2022Program,
  tokenProgram,
} from './constants.ts'
export {
  resolveSvmNetwork,
  type SvmNetworkSetup,
  svmChainFacilitator,
  svmNetworkConfig,
  svmWorstCaseFee,
} from './facilitator/chainFacilitator.ts'
export { exactSvmFacilitator } from './facilitator/exactSvmFacilitator.ts'
export {
  type ExactSvmFacilitatorOptions,
  type ExactSvmSettleOptions,
  exactSvmDefaults,
  worstCaseFeeLamports,
} from './facilitator/options.ts'
export {
  InMemoryMessageSettlementRecords,
  type InMemoryMessageSettlementRecordsOptions,
} from './facilitator/records.ts'
export type { SvmCommitment } from './facilitator/watch.ts'
export { type ExactSvmPayload, exactSvmPayloadSchema } from './payload.ts'
export { type SvmClientRpc, type SvmFacilitatorRpc, solanaRpc } from './rpc.ts'
export { type ExactSvmServerOptions, exactSvmServer } from './server.ts'
export { svmSignerFromSecretKey } from './signer.ts'
