// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/evm
 * The x402 `exact` scheme on EVM chains with EIP-3009 `transferWithAuthorization`: the buyer's
 * signer, the seller's requirements and the facilitator's verify and settle.
 */
export { eip3009Abi, erc1271Abi, transferWithAuthorizationTypes } from './abi.ts'
export { defaultEvmAssets, type EvmAsset, findAsset } from './assets.ts'
export { type EvmSigner, type ExactEvmClientOptions, exactEvmClient } from './client.ts'
export { type FacilitatorClock, systemClock } from './facilitator/clock.ts'
export { type ExactEvmFacilitator, exactEvmFacilitator } from './facilitator/exactEvmFacilitator.ts'
export type { EvmFacilitatorLogger } from './facilitator/failureLog.ts'
export {
  defaultConfirmationDepths,
  defaultReorgWindowBlocks,
  unknownNetworkConfirmationDepth,
} from './facilitator/finalityDefaults.ts'
export type {
  EvmNetworkOptions,
  ExactEvmFacilitatorOptions,
  SettlementStep,
} from './facilitator/options.ts'
export { evmFacilitatorDefaults } from './facilitator/settings.ts'
export { validBeforeBufferSeconds } from './facilitator/verify.ts'
export { type Authorization, type ExactEvmPayload, exactEvmPayloadSchema } from './payload.ts'
export { type ExactEvmServerOptions, exactEvmServer } from './server.ts'
export { authorizationDigest, authorizationTypedData, type Eip712Domain } from './typedData.ts'
