import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChannelStore, ServerChannel, StoredChannel } from './channelStore.ts'

/** A lock older than this belongs to a process that died holding it. */
const staleLockMs = 10_000

/**
 * Channel records as one JSON file per channel in a folder, safe across processes on one
 * machine: a write takes an exclusive lock file, checks the version, writes a temporary file
 * and renames it over the record, so a reader never sees half a record and a crash mid-write
 * leaves the previous one.
 */
export class FolderChannelStore implements ChannelStore {
  readonly #folder: string

  constructor(folder: string) {
    this.#folder = folder
  }

  async get(channelId: string): Promise<StoredChannel | undefined> {
    return this.#read(this.#path(channelId))
  }

  async compareAndSet(
    channelId: string,
    expectedVersion: number,
    next: ServerChannel | undefined,
  ): Promise<boolean> {
    await mkdir(this.#folder, { recursive: true })
    const path = this.#path(channelId)
    const unlock = await this.#lock(`${path}.lock`)
    if (!unlock) return false
    try {
      const current = await this.#read(path)
      if ((current?.version ?? 0) !== expectedVersion) return false
      if (!next) {
        await rm(path, { force: true })
        return true
      }
      const stored: StoredChannel = { channel: next, version: expectedVersion + 1 }
      const temporary = `${path}.${process.pid}.tmp`
      await writeFile(temporary, JSON.stringify(stored))
      await rename(temporary, path)
      return true
    } finally {
      await unlock()
    }
  }

  async list(): Promise<StoredChannel[]> {
    const names = await readdir(this.#folder).catch(() => [] as string[])
    const records = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map((name) => this.#read(join(this.#folder, name))),
    )
    return records.filter((record): record is StoredChannel => record !== undefined)
  }

  #path(channelId: string): string {
    if (!/^0x[0-9a-fA-F]{64}$/.test(channelId)) throw new Error(`not a channel id: ${channelId}`)
    return join(this.#folder, `${channelId.toLowerCase()}.json`)
  }

  async #read(path: string): Promise<StoredChannel | undefined> {
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    return text === undefined ? undefined : (JSON.parse(text) as StoredChannel)
  }

  /** Takes the lock, waiting a little for a holder; undefined when it stays busy. */
  async #lock(path: string): Promise<(() => Promise<void>) | undefined> {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        const handle = await open(path, 'wx')
        await handle.close()
        return () => rm(path, { force: true })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const age = await stat(path).then(
          (info) => Date.now() - info.mtimeMs,
          () => 0,
        )
        if (age > staleLockMs) await rm(path, { force: true })
        else await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    return undefined
  }
}
