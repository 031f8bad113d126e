/**
 * Housekeeping of the embedded ledger follows autovacuum's rules: a table with many dead row
 * versions is vacuumed (and they are gone), a table with a few changed rows is left alone, and a
 * table with enough changes for new statistics but few dead rows is only analyzed. Real PGlite.
 */
import type { Sql } from '@tollgate/sql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { housekeepingOf, maintainEmbedded } from './maintenance.ts'
import { openLedger } from './openLedger.ts'
import type { SqlLedger } from './sqlLedger.ts'

let ledger: SqlLedger
let sql: Sql

beforeAll(async () => {
  ledger = await openLedger()
  sql = ledger.sql
})
afterAll(() => ledger?.close())

const deadRows = async (table: string) => {
  await sql.query('select pg_stat_force_next_flush()')
  const [row] = await sql.query<{ dead: string }>(
    `select n_dead_tup::text as dead from pg_stat_user_tables where relname = '${table}'`,
  )
  return Number(row?.dead)
}

describe('embedded ledger housekeeping', () => {
  it('uses autovacuum’s thresholds', () => {
    expect(housekeepingOf({ live: 1_000, dead: 251, modified: 0, inserted: 0 }).vacuum).toBe(true)
    expect(housekeepingOf({ live: 1_000, dead: 250, modified: 0, inserted: 0 }).vacuum).toBe(false)
    expect(housekeepingOf({ live: 0, dead: 0, modified: 0, inserted: 1_001 }).vacuum).toBe(true)
    expect(housekeepingOf({ live: 1_000, dead: 0, modified: 151, inserted: 0 }).analyze).toBe(true)
    expect(housekeepingOf({ live: 1_000, dead: 0, modified: 150, inserted: 0 }).analyze).toBe(false)
  })

  it('vacuums a table full of dead rows, then leaves it alone while it changes little', async () => {
    await sql.exec(
      `insert into tollgate_signer_nonces (network, signer, next_nonce)
         select 'eip155:31337', 'signer-' || g, 0 from generate_series(1, 400) g`,
    )
    // Every row written three times: 1,200 dead row versions over 400 live ones.
    for (let round = 1; round <= 3; round++)
      await sql.exec(`update tollgate_signer_nonces set next_nonce = ${round}`)
    expect(await deadRows('tollgate_signer_nonces')).toBe(1_200)
    const first = await maintainEmbedded(sql)
    expect(first.vacuumed).toContain('tollgate_signer_nonces')
    expect(await deadRows('tollgate_signer_nonces')).toBe(0)

    await sql.exec(`update tollgate_signer_nonces set next_nonce = 9 where signer = 'signer-1'`)
    const second = await maintainEmbedded(sql)
    expect(second).toEqual({ vacuumed: [], analyzed: [] })
    expect(await deadRows('tollgate_signer_nonces')).toBe(1)
  })

  it('analyzes a table whose rows moved on without leaving many dead ones', async () => {
    // 100 updates over 400 live rows: past analyze's 90, short of vacuum's 130.
    await sql.exec(
      `update tollgate_signer_nonces set next_nonce = 10
         where signer in (select 'signer-' || g from generate_series(2, 101) g)`,
    )
    const pass = await maintainEmbedded(sql)
    expect(pass).toEqual({ vacuumed: [], analyzed: ['tollgate_signer_nonces'] })
    expect(await deadRows('tollgate_signer_nonces')).toBe(101)
  })
})
