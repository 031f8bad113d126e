// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/client
 * Paying for HTTP: `wrapFetch(fetch, { schemes, maxPaymentUsd })`.
 */
export { type PaymentPolicy, type Selection, selectRequirements } from './paymentPolicy.ts'
export { readReceipt, type WrapFetchOptions, wrapFetch } from './wrapFetch.ts'
