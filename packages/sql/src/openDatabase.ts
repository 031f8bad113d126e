import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate, type SchemaDefinition, schemaVersion } from './migrations.ts'
import { openPglite, openPostgres, type Sql } from './sql.ts'

export interface OpenDatabaseOptions {
  /** `postgres://…`: a PostgreSQL server several processes share. */
  databaseUrl?: string | undefined
  /** Folder for the embedded database (PGlite); undefined with no URL keeps it in memory. */
  dataDir?: string | undefined
  /** PostgreSQL schema to use (created if absent), e.g. one per test run. */
  schema?: string | undefined
}

/** Opens PostgreSQL or embedded PGlite and brings `definition`'s tables up to date. */
export async function openDatabase(
  definition: SchemaDefinition,
  options: OpenDatabaseOptions = {},
): Promise<Sql> {
  let sql: Sql
  if (options.databaseUrl) {
    sql = await openPostgres(options.databaseUrl, options.schema ? { schema: options.schema } : {})
  } else {
    const fresh =
      !options.dataDir ||
      !existsSync(options.dataDir) ||
      (await readdir(options.dataDir)).length === 0
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true })
    sql = await openPglite(options.dataDir, fresh ? await migratedTemplate(definition) : undefined)
  }
  try {
    await migrate(sql, definition)
  } catch (error) {
    await sql.close()
    throw error
  }
  return sql
}

const templates = new Map<string, Promise<Blob>>()

/**
 * Initialising an embedded cluster takes seconds; copying an initialised, migrated one takes a
 * fraction of that. A template is made once per schema version and kept in the temp folder.
 */
function migratedTemplate(definition: SchemaDefinition): Promise<Blob> {
  const version = schemaVersion(definition)
  let template = templates.get(version)
  if (!template) {
    template = (async () => {
      const file = join(tmpdir(), `tollgate-template-${version}.tar`)
      if (existsSync(file)) return new Blob([await readFile(file)])
      const sql = await openPglite()
      await migrate(sql, definition)
      const dump = await sql.dump!()
      await sql.close()
      const partial = `${file}.${process.pid}.partial`
      await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
      // Renamed into place so a concurrent reader never sees half a file.
      await rename(partial, file)
      return dump
    })()
    templates.set(version, template)
  }
  return template
}
