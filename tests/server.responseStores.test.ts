/**
 * Goal: the memory store and the default folder store keep the store contract; two folder
 * stores on one folder (two server processes on a machine) share their records; the server
 * package imports in a runtime without `node:fs`.
 */
import { link, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FolderResponseStore, MemoryResponseStore } from '@tollgate/server'
import { describe, expect, it, vi } from 'vitest'
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
      const name = await recordName(key)
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

describe('folder store files', () => {
  const use = (holder: string) => ({
    state: 'in-flight' as const,
    holder,
    payloadHash: 'ab',
    route: 'GET /report',
    expiresAtMs: Date.now() + 60_000,
  })

  it('leaves only records behind, and keeps working when its holder and spare files are removed', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tollgate-store-'))
    try {
      const store = new FolderResponseStore({ folder })
      const keys = Array.from({ length: 5 }, () => `exact|eip155:31337|${crypto.randomUUID()}`)
      for (const key of keys) expect((await store.claim(key, use('a'))).claimed).toBe(true)
      const names = await readdir(folder)
      expect(names.filter((name) => name.endsWith('.json'))).toHaveLength(5)
      // Besides the records: this process's holder file and at most one spare; no lock, no temporary.
      const others = names.filter((name) => !name.endsWith('.json'))
      expect(others.filter((name) => name.startsWith('.holder-'))).toHaveLength(1)
      expect(
        others.filter((name) => !name.startsWith('.holder-') && !name.startsWith('.spare-')),
      ).toEqual([])
      // What another process's sweep, or someone emptying the folder, leaves this one with.
      for (const name of others) await rm(join(folder, name), { force: true })
      expect(await store.replace(keys[0]!, 'a', use('b'))).toBe(true)
      expect(await store.replace(keys[1]!, 'b', use('c'))).toBe(false)
      expect((await store.claim(keys[2]!, use('z'))).claimed).toBe(false)
      await rm(folder, { recursive: true, force: true })
      expect((await store.claim(keys[3]!, use('d'))).claimed).toBe(true)
      expect((await store.get(keys[3]!))?.holder).toBe('d')
      expect(await store.get(keys[0]!)).toBeUndefined()
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('takes over a lock linked to the holder file of a process that died holding it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tollgate-store-'))
    try {
      const key = `exact|eip155:31337|${crypto.randomUUID()}`
      const name = await recordName(key)
      const deadHolder = join(folder, '.holder-dead')
      await writeFile(deadHolder, 'dead')
      await link(deadHolder, join(folder, `${name}.lock`))
      const past = new Date(Date.now() - 60_000)
      await utimes(deadHolder, past, past)
      const store = new FolderResponseStore({ folder })
      expect((await store.claim(key, use('alive'))).claimed).toBe(true)
      expect((await store.get(key))?.holder).toBe('alive')
      expect((await readdir(folder)).filter((file) => file.endsWith('.lock'))).toEqual([])
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('reads, restores and sweeps a record whose replacement stopped between its two renames', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tollgate-store-'))
    const key = `exact|eip155:31337|${crypto.randomUUID()}`
    const record = join(folder, `${await recordName(key)}.json`)
    const previous = record.replace(/\.json$/, '.prev')
    const files = async () => (await readdir(folder)).filter((name) => !name.startsWith('.'))
    try {
      const first = new FolderResponseStore({ folder })
      expect((await first.claim(key, use('a'))).claimed).toBe(true)
      expect(await first.replace(key, 'a', use('b'))).toBe(true)
      expect(await files()).toEqual([`${await recordName(key)}.json`])
      // Killed after moving the record aside, before the new one took its place.
      await rename(record, previous)
      const second = new FolderResponseStore({ folder })
      expect((await second.get(key))?.holder).toBe('b')
      const claim = await second.claim(key, use('c'))
      expect(claim).toMatchObject({ claimed: false, current: { holder: 'b' } })
      expect(await files()).toEqual([`${await recordName(key)}.json`])
      // Killed after the new record took its place, before the old one was removed: the old
      // one never comes back, not even once the record is released.
      await writeFile(previous, await readFile(record))
      expect(await second.replace(key, 'b', use('d'))).toBe(true)
      expect((await second.get(key))?.holder).toBe('d')
      await writeFile(previous, await readFile(record))
      await second.release(key, 'd')
      expect(await files()).toEqual([])
      expect((await second.claim(key, use('e'))).claimed).toBe(true)
      // An expired record left only aside is swept like any other.
      await second.replace(key, 'e', { ...use('e'), expiresAtMs: Date.now() + 100 })
      await rename(record, previous)
      await new Promise((resolve) => setTimeout(resolve, 200))
      // The sweep runs at most once a minute: the clock is moved past that for the next claim.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 120_000 })
      try {
        await second.claim(`exact|eip155:31337|${crypto.randomUUID()}`, use('f'))
      } finally {
        vi.useRealTimers()
      }
      await expect
        .poll(async () => (await files()).includes(previous.slice(folder.length + 1)))
        .toBe(false)
      expect(await second.get(key)).toBeUndefined()
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})

/** A record's file name in a folder store: the SHA-256 of its key. */
async function recordName(key: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)),
  )
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}
