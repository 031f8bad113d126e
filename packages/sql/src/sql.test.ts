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
