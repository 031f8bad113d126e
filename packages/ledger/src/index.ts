// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/ledger
 * The facilitator's settlement ledger in SQL: embedded PGlite by default, PostgreSQL when a
 * `DATABASE_URL` is given, with the same migrations. The same database can hold the operator's
 * merchant API keys and blocklist (`SqlApiKeyStore`, `SqlBlocklist`) and the discovery
 * catalogue (`SqlDiscoveryCatalog`), the message settlements (`SqlMessageSettlements`), the
 * dashboard's aggregates and searches (`SqlLedgerReports`) and a resource server's credit book
 * (`SqlCreditBook`).
 */
export { ledgerSchema, migrate } from './migrations.ts'
export { type OpenLedgerOptions, openLedger } from './openLedger.ts'

export {
  type ApiKeyRecord,
  type MerchantAccess,
  type NewApiKey,
  SqlApiKeyStore,
  type SqlStoreOptions,
} from './sqlApiKeyStore.ts'
export { type BlockedAddress, SqlBlocklist } from './sqlBlocklist.ts'
export { SqlCreditBook } from './sqlCreditBook.ts'
export { SqlDiscoveryCatalog } from './sqlDiscoveryCatalog.ts'
export { SqlLedger } from './sqlLedger.ts'
export { SqlLedgerReports } from './sqlLedgerReports.ts'
export { SqlMessageSettlements } from './sqlMessageSettlements.ts'
