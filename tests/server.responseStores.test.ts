/**
 * Goal: the memory store and the default folder store keep the store contract; two folder
 * stores on one folder (two server processes on a machine) share their records; the server
 * package imports in a runtime without `node:fs`.
 */
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FolderResponseStore, MemoryResponseStore } from '@tollgate/server'
import { describe, expect, it } from 'vitest'
import { runResponseStoreContract } from './support/responseStoreContract.ts'

runResponseStoreContract('memory', async () => {
  const store = new MemoryResponseStore()
  return { first: store, second: store, close: async () => undefined }
})

runResponseStoreContract('folder', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'tollgate-store-'))
  return {
    first: new FolderResponseStore({ folder }),
    second: new FolderResponseStore({ folder }),
    close: () => rm(folder, { recursive: true, force: true }),
  }
})

describe('the server entry point without node:fs', () => {
  it('loads node modules only when a folder store is first used', async () => {
    const folder = join(import.meta.dirname, '../packages/server/src')
    const sources = (await readdir(folder)).filter(
      (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
    )
    expect(sources).toContain('folderResponseStore.ts')
    for (const name of sources) {
      const text = await readFile(join(folder, name), 'utf8')
      // A runtime without Node's modules (an edge worker) fails on any static value import.
      expect(text, name).not.toMatch(/^import (?!type )[^\n]*from 'node:/m)
    }
  })
})

describe('folder store after a crash', () => {
  it('takes over a record lock left by a process killed while holding it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tollgate-store-'))
    try {
      const store = new FolderResponseStore({ folder })
      const key = `exact|eip155:31337|${crypto.randomUUID()}`
      const digest = new Uint8Array(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)),
      )
      const name = [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('')
      // What a SIGKILL inside the critical section leaves: the lock file, never removed.
      const lock = join(folder, `${name}.lock`)
      await writeFile(lock, 'dead-holder')
      const past = new Date(Date.now() - 60_000)
      await utimes(lock, past, past)
      const claim = await store.claim(key, {
        state: 'in-flight',
        holder: 'alive',
        payloadHash: 'ab',
        route: 'GET /report',
        expiresAtMs: Date.now() + 60_000,
      })
      expect(claim.claimed).toBe(true)
      expect((await store.get(key))?.holder).toBe('alive')
      expect((await readdir(folder)).filter((file) => file.endsWith('.lock'))).toEqual([])
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
