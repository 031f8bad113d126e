import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate, schemaVersion } from './migrations.ts'
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
    const fresh =
      !options.dataDir ||
      !existsSync(options.dataDir) ||
      (await readdir(options.dataDir)).length === 0
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true })
    sql = await openPglite(options.dataDir, fresh ? await migratedTemplate() : undefined)
  }
  await migrate(sql)
  return new SqlLedger(sql)
}

let template: Promise<Blob> | undefined

/**
 * Initialising an embedded cluster takes seconds; copying an initialised, migrated one takes a
 * fraction of that. The template is made once per schema version and kept in the temp folder.
 */
function migratedTemplate(): Promise<Blob> {
  template ??= (async () => {
    const file = join(tmpdir(), `tollgate-ledger-template-${schemaVersion}.tar`)
    if (existsSync(file)) return new Blob([await readFile(file)])
    const sql = await openPglite()
    await migrate(sql)
    const dump = await sql.dump!()
    await sql.close()
    const partial = `${file}.${process.pid}.partial`
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
    // Renamed into place so a concurrent reader never sees half a file.
    await rename(partial, file)
    return dump
  })()
  return template
}
