/**
 * An embedded folder shared by turns: two stores on one folder (as two processes would hold it)
 * never interleave their work, so no update is lost, and each lets go of the folder when idle.
 */
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SchemaDefinition } from './migrations.ts'
import { openSqlAccess } from './sharedAccess.ts'

const counterSchema: SchemaDefinition = {
  name: 'counter-test',
  table: 'counter_migrations',
  lockKey: 1,
  migrations: [
    {
      id: 1,
      name: 'counter',
      sql: 'create table counter (id int primary key, value int not null); insert into counter values (1, 0);',
    },
  ],
}

describe('openSqlAccess on an embedded folder', () => {
  it('takes turns between two holders without losing an update', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'tollgate-shared-')), 'db')
    const [one, two] = await Promise.all([
      openSqlAccess(counterSchema, { dataDir, idleMs: 5 }),
      openSqlAccess(counterSchema, { dataDir, idleMs: 5 }),
    ])
    // Read, then write what was read plus one: interleaved work would lose increments.
    const increment = (access: typeof one) =>
      access.use(async (sql) => {
        const [row] = await sql.query<{ value: number }>('select value from counter where id = 1')
        await sql.query('update counter set value = $1 where id = 1', [row!.value + 1])
      })
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => increment(index % 2 === 0 ? one : two)),
    )
    const [row] = await one.use((sql) =>
      sql.query<{ value: number }>('select value from counter where id = 1'),
    )
    expect(row!.value).toBe(20)
    await one.close()
    await two.close()
    expect(existsSync(`${dataDir}.lock`)).toBe(false)
    await expect(one.use(async () => 1)).rejects.toThrow(/is closed/)
  })
})
