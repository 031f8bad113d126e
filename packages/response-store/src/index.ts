// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/response-store
 * Payment records and stored responses that several resource-server instances share: on
 * PostgreSQL (through `@tollgate/sql`) or on Redis. Pass one as `PaymentGateOptions.store` and
 * `PaidToolsOptions.store` on every instance.
 */
export { PostgresResponseStore, responseStoreSchema } from './postgresResponseStore.ts'
export { RedisResponseStore, type RedisResponseStoreOptions } from './redisResponseStore.ts'
