import { mkdir } from 'node:fs/promises'
import { migrate } from './migrations.ts'
import { openPglite, openPostgres, type Sql } from './sql.ts'
import { SqlLedger } from './sqlLedger.ts'

export interface OpenLedgerOptions {
  /** `postgres://…`: a PostgreSQL server shared by several facilitator processes. */
  databaseUrl?: string | undefined
  /** Folder for the embedded database (PGlite); undefined with no URL keeps it in memory. */
  dataDir?: string | undefined
  /** PostgreSQL schema to use (created if absent), e.g. one per test run. */
  schema?: string | undefined
}

/** Opens the ledger on PostgreSQL or embedded PGlite and brings its schema up to date. */
export async function openLedger(options: OpenLedgerOptions = {}): Promise<SqlLedger> {
  let sql: Sql
  if (options.databaseUrl) {
    sql = await openPostgres(options.databaseUrl, options.schema ? { schema: options.schema } : {})
  } else {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true })
    sql = await openPglite(options.dataDir)
  }
  await migrate(sql)
  return new SqlLedger(sql)
}
