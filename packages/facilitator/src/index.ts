// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/facilitator
 * An x402 facilitator: protocol logic (`Facilitator`) and its HTTP face (`createFacilitatorApp`),
 * with optional operator features (API keys, rate limits, blocklists, Prometheus metrics) and the
 * `bazaar` discovery catalogue, and the operator dashboard's API and static files.
 * Schemes are injected; nothing here reads the environment or does I/O on import.
 */

export type { DiscoveryCatalog, DiscoveryEntry, DiscoveryItem } from '@tollgate/core'
export { createFacilitatorApp, type FacilitatorApp, type FacilitatorAppOptions } from './app.ts'
export type { DashboardAsset } from './dashboard/assetBook.ts'
export type {
  ChannelCharge,
  CreditAgentRow,
  DashboardOptions,
} from './dashboard/dashboardApi.ts'
export {
  type CatalogueEntryResult,
  catalogueEntry,
} from './discovery/catalogueEntry.ts'
export type { CatalogueWriterOptions } from './discovery/catalogueWriter.ts'
export {
  MemoryDiscoveryCatalog,
  type MemoryDiscoveryCatalogOptions,
} from './discovery/memoryCatalog.ts'
export {
  Facilitator,
  type FacilitatorAnswer,
  type PaymentScreen,
  type SchemeStatsReading,
  type ScreenRefusal,
} from './facilitator.ts'
export { type Logger, silentLogger } from './logger.ts'
export {
  type ApiKeyOptions,
  type ApiKeyStore,
  generateApiKey,
  hashApiKey,
  type MerchantAccess,
  memoryApiKeyStore,
} from './operator/apiKeys.ts'
export {
  type Blocklist,
  type FileBlocklistOptions,
  fileBlocklist,
  memoryBlocklist,
} from './operator/blocklist.ts'
export type { TrustProxy } from './operator/clientIp.ts'
export type { MetricsOptions } from './operator/metrics.ts'
export type { RateLimit, RateLimitOptions } from './operator/rateLimits.ts'
