import type { Sql } from './sql.ts'

/** One schema change. Released migrations are never edited: databases that ran them would miss it. */
export interface Migration {
  id: number
  name: string
  sql: string
}

/** A store's schema: its migrations, the table recording which ran, and the lock serialising runs. */
export interface SchemaDefinition {
  /** Names the cached template database, e.g. `ledger`. */
  name: string
  /** Table that records applied migrations, e.g. `tollgate_migrations`. */
  table: string
  /** Key of the advisory lock concurrent processes take while migrating. */
  lockKey: number
  migrations: readonly Migration[]
}

/** Identifies what the migrations produce, e.g. to name a cached template database. */
export function schemaVersion(schema: SchemaDefinition): string {
  const length = schema.migrations.reduce((sum, migration) => sum + migration.sql.length, 0)
  return `${schema.name}-${schema.migrations.length}-${length}`
}

/** Brings the schema up to date, each migration once and in order, in one transaction. */
export async function migrate(sql: Sql, schema: SchemaDefinition): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema.table)) throw new Error(`invalid table ${schema.table}`)
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [schema.lockKey])
    await tx.query(`create table if not exists ${schema.table} (
      id integer primary key, name text not null, applied_at timestamptz not null default now())`)
    const applied = new Set(
      (await tx.query<{ id: number }>(`select id from ${schema.table}`)).map((row) =>
        Number(row.id),
      ),
    )
    for (const migration of schema.migrations) {
      if (applied.has(migration.id)) continue
      await tx.exec(migration.sql)
      await tx.query(`insert into ${schema.table} (id, name) values ($1, $2)`, [
        migration.id,
        migration.name,
      ])
    }
  })
}
