// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/server
 * The framework-independent payment gate; adapters live in `@tollgate/server/hono`,
 * `@tollgate/server/express`, `@tollgate/server/fastify` and `@tollgate/server/next`.
 */
export type { PaywallOptions } from '@tollgate/paywall'
export { canonicalPath } from './canonicalPath.ts'
export type { RouteDiscovery } from './discovery.ts'
export {
  type GateDecision,
  type GateFinish,
  type GateRequest,
  PaymentGate,
  type PaymentGateOptions,
  type VerifiedPayment,
} from './paymentGate.ts'
export { type PaymentState, ReplayGuard } from './replayGuard.ts'
export { exposedHeaders, type GateResponse, withheldHeaders } from './responses.ts'
export type { PaymentOption, RouteConfig, RoutesConfig } from './routes.ts'
