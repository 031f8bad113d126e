// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/server
 * The framework-independent payment gate; adapters live in `@tollgate/server/hono`,
 * `@tollgate/server/express`, `@tollgate/server/fastify` and `@tollgate/server/next`.
 */
export type { PaywallOptions } from '@tollgate/paywall'
export { canonicalPath } from './canonicalPath.ts'
export type { RouteDiscovery } from './discovery.ts'
export { FolderResponseStore, type FolderResponseStoreOptions } from './folderResponseStore.ts'
export { MemoryResponseStore } from './memoryResponseStore.ts'
export { type OfferReceiptOptions, OfferReceipts } from './offerReceipts.ts'
export {
  type GateDecision,
  type GateFinish,
  type GateRequest,
  PaymentGate,
  type PaymentGateOptions,
  type VerifiedPayment,
} from './paymentGate.ts'
export { paymentIdentifierDeclaration, paymentIdentifierKey } from './paymentIdentifier.ts'
export { exposedHeaders, type GateResponse, withheldHeaders } from './responses.ts'
export type { PaymentOption, RouteConfig, RoutesConfig } from './routes.ts'
export type { ConfirmationOptions, ReleasePolicy } from './settlement.ts'
export { failedHandler, type HandlerResponse, headerRecord } from './storedResponses.ts'
