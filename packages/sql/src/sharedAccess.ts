import { setTimeout as sleep } from 'node:timers/promises'
import { DataDirInUseError, lockDataDir } from './dataDirLock.ts'
import type { SchemaDefinition } from './migrations.ts'
import { type OpenDatabaseOptions, openDatabase } from './openDatabase.ts'
import type { Sql } from './sql.ts'

/** A store's database, used one piece of work at a time. */
export interface SqlAccess {
  readonly engine: Sql['engine']
  use<T>(work: (sql: Sql) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface SqlAccessOptions extends OpenDatabaseOptions {
  /** Embedded only: how long the folder stays open after the last use. @default 200 */
  idleMs?: number
  /** Embedded only: how long to wait for another process to let go of the folder. @default 60000 */
  waitMs?: number
}

/**
 * Opens a store that several processes may share. PostgreSQL is shared as it is. An embedded
 * folder can be open in one process at a time, so each piece of work takes the folder's lock,
 * opens it if needed, and lets go shortly after the last use; other processes wait their turn.
 * Work inside one `use` is therefore never interleaved with another process's.
 */
export async function openSqlAccess(
  definition: SchemaDefinition,
  options: SqlAccessOptions,
): Promise<SqlAccess> {
  if (options.databaseUrl || !options.dataDir) {
    const sql = await openDatabase(definition, options)
    return { engine: sql.engine, use: (work) => work(sql), close: () => sql.close() }
  }
  return new EmbeddedLease(
    definition,
    options.dataDir,
    options.idleMs ?? 200,
    options.waitMs ?? 60_000,
  )
}

class EmbeddedLease implements SqlAccess {
  readonly engine = 'pglite' as const
  #queue: Promise<unknown> = Promise.resolve()
  #held: { sql: Sql; release: () => Promise<void> } | undefined
  #idle: NodeJS.Timeout | undefined
  #closed = false

  constructor(
    readonly definition: SchemaDefinition,
    readonly dataDir: string,
    readonly idleMs: number,
    readonly waitMs: number,
  ) {}

  use<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new Error(`the store in ${this.dataDir} is closed`)
      clearTimeout(this.#idle)
      const held = this.#held ?? (await this.#take())
      try {
        return await work(held.sql)
      } finally {
        this.#idle = setTimeout(() => {
          this.#queue = this.#queue.then(() => this.#letGo()).catch(() => undefined)
        }, this.idleMs)
      }
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async close(): Promise<void> {
    await this.#queue
    this.#closed = true
    clearTimeout(this.#idle)
    await this.#letGo()
  }

  async #take() {
    const deadline = Date.now() + this.waitMs
    let release: () => Promise<void>
    for (;;) {
      try {
        release = await lockDataDir(this.dataDir)
        break
      } catch (error) {
        if (!(error instanceof DataDirInUseError) || Date.now() > deadline) throw error
        await sleep(20 + Math.random() * 30)
      }
    }
    try {
      this.#held = { sql: await openDatabase(this.definition, { dataDir: this.dataDir }), release }
    } catch (error) {
      await release()
      throw error
    }
    return this.#held
  }

  /** Closes the folder and frees the lock, once no work is queued behind the timer. */
  async #letGo() {
    const held = this.#held
    if (!held) return
    this.#held = undefined
    try {
      await held.sql.close()
    } finally {
      await held.release()
    }
  }
}
