import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { SchemaDefinition } from './migrations.ts'
import { openDatabase } from './openDatabase.ts'

// A schema of its own: its templates (named by its version) are made by this file.
const schema: SchemaDefinition = {
  name: 'open-database-test',
  table: 'test_migrations',
  lockKey: 402499,
  migrations: [
    { id: 1, name: 'notes', sql: 'create table notes (id serial primary key, body text)' },
  ],
}

const roots: string[] = []
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true })
})
const freshRoot = async () => {
  const root = await mkdtemp(join(tmpdir(), 'tollgate-open-'))
  roots.push(root)
  return root
}

describe('opening an embedded database in a folder', () => {
  it('starts new folders from the migrated template and keeps each one its own', async () => {
    const root = await freshRoot()
    const first = await openDatabase(schema, { dataDir: join(root, 'a', 'ledger') })
    const second = await openDatabase(schema, { dataDir: join(root, 'b') })
    try {
      await first.query('insert into notes (body) values ($1)', ['only in a'])
      expect(await first.query('select body from notes')).toEqual([{ body: 'only in a' }])
      expect(await second.query('select body from notes')).toEqual([])
    } finally {
      await first.close()
      await second.close()
    }
    // Nothing half-copied is left beside the folders.
    expect((await readdir(root)).sort()).toEqual(['a', 'b'])
    expect(await readdir(join(root, 'a'))).toEqual(['ledger'])
  })

  it('fills an empty folder made beforehand, and reopens what it wrote', async () => {
    const dataDir = join(await freshRoot(), 'ledger')
    await mkdir(dataDir)
    const sql = await openDatabase(schema, { dataDir })
    await sql.query('insert into notes (body) values ($1)', ['kept'])
    await sql.close()
    const again = await openDatabase(schema, { dataDir })
    try {
      expect(await again.query('select body from notes')).toEqual([{ body: 'kept' }])
    } finally {
      await again.close()
    }
  })
})

describe('the first database on a machine', () => {
  it('is initialised in a child process, so the opening process stays small', async () => {
    // The compiled package, as a user runs it, with a temp folder that holds no template yet.
    const emptyTemp = await freshRoot()
    const dataDir = join(await freshRoot(), 'ledger')
    const script = `
      import { readFileSync } from 'node:fs'
      import { openDatabase } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}
      const schema = JSON.parse(process.argv[1])
      const sql = await openDatabase(schema, { dataDir: process.argv[2] })
      const rows = await sql.query('select count(*)::int as n from notes')
      await sql.close()
      const peak = /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]
      console.log(JSON.stringify({ rows, peakMb: Math.round(Number(peak) / 1024) }))`
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(schema), dataDir],
      { env: { ...process.env, TMPDIR: emptyTemp } },
    )
    const opened = JSON.parse(stdout) as { rows: unknown; peakMb: number }
    expect(opened.rows).toEqual([{ n: 0 }])
    // Initialising a cluster here took the process to about 750 MB; opening a copy, about 200.
    expect(opened.peakMb).toBeLessThan(400)
    expect((await readdir(emptyTemp)).sort()).toEqual([
      'tollgate-template-open-database-test-1-53',
      'tollgate-template-open-database-test-1-53.tar',
    ])
  }, 60_000)
})
