import { type OpenDatabaseOptions, openDatabase } from '@tollgate/sql'
import { ledgerSchema } from './migrations.ts'
import { SqlLedger } from './sqlLedger.ts'

export type OpenLedgerOptions = OpenDatabaseOptions

/** Opens the ledger on PostgreSQL or embedded PGlite and brings its schema up to date. */
export async function openLedger(options: OpenLedgerOptions = {}): Promise<SqlLedger> {
  return new SqlLedger(await openDatabase(ledgerSchema, options))
}
