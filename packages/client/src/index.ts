// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/client
 * Paying for HTTP: `wrapFetch(fetch, { schemes, maxPaymentUsd, spending })`, and the pieces other
 * transports (axios in `@tollgate/client/axios`, MCP) pay with.
 */

export { payDirectly } from './directPayment.ts'
export { type PayAheadOptions, RememberedOffers } from './payAhead.ts'
export {
  attemptsAllowed,
  finish,
  type Identification,
  type Judgement,
  judgeResponse,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  type PaymentBinding,
  type PreparedPayment,
  preparePayment,
} from './paymentFlow.ts'
export { echoExtensions, newPaymentIdentifier, paymentIdentifierKey } from './paymentIdentifier.ts'
export {
  type Candidate,
  hostAllowed,
  type PaymentPolicy,
  policyCauses,
  type Refusal,
  type RefusalCause,
  type Selection,
  selectRequirements,
} from './paymentPolicy.ts'
export type {
  PaymentIntent,
  PaymentOutcome,
  SpendAuthorization,
  SpendingGuard,
} from './spending.ts'
export {
  readPaymentRequired,
  readReceipt,
  type WrapFetchOptions,
  wrapFetch,
} from './wrapFetch.ts'
