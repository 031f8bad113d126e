// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/sql
 * SQL for Tollgate's stores over embedded PGlite or a PostgreSQL server, with one dialect:
 * opening either, append-only migrations, and a lock that keeps an embedded folder to one process.
 */
export { DataDirInUseError, lockDataDir } from './dataDirLock.ts'
export { type Migration, migrate, type SchemaDefinition, schemaVersion } from './migrations.ts'
export { type OpenDatabaseOptions, openDatabase } from './openDatabase.ts'
export { openSqlAccess, type SqlAccess, type SqlAccessOptions } from './sharedAccess.ts'
export { openPglite, openPostgres, type Sql } from './sql.ts'
