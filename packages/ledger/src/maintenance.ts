import type { Sql } from '@tollgate/sql'

/** The tables the payment path writes: the ones dead row versions pile up in. */
const paymentTables = [
  'tollgate_payments',
  'tollgate_transactions',
  'tollgate_transaction_payments',
  'tollgate_signer_nonces',
] as const

interface TableActivity {
  relname: string
  live: string
  dead: string
  modified: string
  inserted: string
}

/** What one table needs, by PostgreSQL's autovacuum defaults (thresholds and scale factors). */
export function housekeepingOf(activity: {
  live: number
  dead: number
  modified: number
  inserted: number
}): { vacuum: boolean; analyze: boolean } {
  const { live, dead, modified, inserted } = activity
  return {
    vacuum: dead > 50 + 0.2 * live || inserted > 1000 + 0.2 * live,
    analyze: modified > 50 + 0.1 * live,
  }
}

/**
 * Vacuums and analyzes the embedded ledger's payment tables that need it, as autovacuum would on a
 * server (PGlite runs none). A table that changed little since its last vacuum is left alone: a
 * vacuum reads the whole table, the costliest thing a facilitator at rest could do.
 */
export async function maintainEmbedded(
  sql: Sql,
): Promise<{ vacuumed: string[]; analyzed: string[] }> {
  // Statistics are flushed at most once a second; the figures read here must be this moment's.
  // (A process killed outright loses the counts since its last clean close, as a server's crash
  // does autovacuum's: the next changes count again from zero.)
  await sql.query('select pg_stat_force_next_flush()')
  const rows = await sql.query<TableActivity>(
    `select relname, n_live_tup::text as live, n_dead_tup::text as dead,
            n_mod_since_analyze::text as modified, n_ins_since_vacuum::text as inserted
       from pg_stat_user_tables where relname in (${paymentTables.map((name) => `'${name}'`).join(', ')})`,
  )
  const vacuumed: string[] = []
  const analyzed: string[] = []
  for (const row of rows) {
    const needs = housekeepingOf({
      live: Number(row.live),
      dead: Number(row.dead),
      modified: Number(row.modified),
      inserted: Number(row.inserted),
    })
    if (needs.vacuum) vacuumed.push(row.relname)
    else if (needs.analyze) analyzed.push(row.relname)
  }
  // A vacuum of a table that also needs statistics gathers them in the same read.
  if (vacuumed.length > 0) await sql.exec(`vacuum (analyze) ${vacuumed.join(', ')}`)
  if (analyzed.length > 0) await sql.exec(`analyze ${analyzed.join(', ')}`)
  return { vacuumed, analyzed }
}
