import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lockDataDir } from './dataDirLock.ts'
import { openPglite } from './sql.ts'

describe('the embedded database', () => {
  it('keeps a small buffer pool, not PostgreSQL’s 128 MB, and still answers', async () => {
    const sql = await openPglite()
    try {
      expect(await sql.query('show shared_buffers')).toEqual([{ shared_buffers: '16MB' }])
      await sql.exec('create table t (n int)')
      await sql.query('insert into t select generate_series(1, 5000)')
      expect(await sql.query('select count(*)::int as n from t')).toEqual([{ n: 5000 }])
    } finally {
      await sql.close()
    }
  })

  it('answers after a statement fails: in its run, in its preparation, and inside a transaction', async () => {
    const sql = await openPglite()
    try {
      await sql.exec('create table t (id int primary key, note text)')
      const insert = 'insert into t (id, note) values ($1, $2) returning id'
      expect(await sql.query(insert, [1, 'a'])).toEqual([{ id: 1 }])
      await expect(sql.query(insert, [1, 'again'])).rejects.toMatchObject({ code: '23505' })
      expect(await sql.query(insert, [2, 'b'])).toEqual([{ id: 2 }])
      await expect(sql.query('selec nothing')).rejects.toMatchObject({ code: '42601' })
      await expect(sql.query('select * from missing_table')).rejects.toMatchObject({
        code: '42P01',
      })
      await expect(
        sql.transaction(async (inner) => {
          await inner.query(insert, [3, 'c'])
          await inner.query(insert, [1, 'clash'])
        }),
      ).rejects.toMatchObject({ code: '23505' })
      // The failed transaction left nothing behind, and the same statement runs again.
      expect(await sql.query('select id, note from t order by id')).toEqual([
        { id: 1, note: 'a' },
        { id: 2, note: 'b' },
      ])
      expect(await sql.query(insert, [3, 'c'])).toEqual([{ id: 3 }])
      expect(await sql.query('select count(*)::int as n from t where id > $1', [0])).toEqual([
        { n: 3 },
      ])
    } finally {
      await sql.close()
    }
  })

  it('locks a data folder whose parent does not exist yet', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tollgate-lock-'))
    try {
      const release = await lockDataDir(join(root, 'not', 'yet', 'ledger'))
      await release()
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
