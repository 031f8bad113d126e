// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/server
 * The framework-independent payment gate; adapters live in `@tollgate/server/hono` and
 * `@tollgate/server/express`.
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
} from './paymentGate.ts'
export { exposedHeaders, type GateResponse } from './responses.ts'
export type { PaymentOption, RouteConfig, RoutesConfig } from './routes.ts'
