import { randomUUID } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DataDirInUseError, lockDataDir } from '@tollgate/sql'
import { z } from 'zod'
import type { Budget } from './policy.ts'
import {
  type Reservation,
  SpendBook,
  type SpendChange,
  type SpendRecord,
  type SpendRequest,
  spendEntrySchema,
} from './spendBook.ts'

const lineSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('reserve'), entry: spendEntrySchema }),
  z.object({
    op: z.literal('update'),
    id: z.string(),
    change: z.object({
      state: spendEntrySchema.shape.state,
      reason: z.string().optional(),
      transaction: z.string().optional(),
      payer: z.string().optional(),
      paymentIdentifier: z.string().optional(),
      charged: z
        .object({ amount: z.string().regex(/^\d+$/), usdMicros: z.string().regex(/^\d+$/) })
        .optional(),
    }),
  }),
])

export interface SpendJournalOptions {
  /** How long to wait for another process to finish with the journal. @default 60000 */
  waitMs?: number
}

/**
 * The spending store in a folder: an append-only journal of JSON lines, read whole under a lock
 * that every process using the folder takes for each piece of work, so budgets hold across
 * processes. Each line is written in one call and flushed to disk before the call returns, so a
 * reservation is durable before anything is signed; a line torn by a crash is dropped (its call
 * never returned). Opening costs a file read, not a database start: a CLI pays in a blink.
 */
export class SpendJournal {
  readonly #file: string
  readonly #lock: string
  readonly #waitMs: number
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(
    readonly dataDir: string,
    options: SpendJournalOptions = {},
  ) {
    this.#file = join(dataDir, 'journal.jsonl')
    this.#lock = join(dataDir, 'journal')
    this.#waitMs = options.waitMs ?? 60_000
  }

  reserve(request: SpendRequest, budgets: readonly Budget[]): Promise<Reservation> {
    return this.#use(async (book, append) => {
      const { reservation, entry } = book.reserve(request, budgets, randomUUID(), Date.now())
      if (entry) await append({ op: 'reserve', entry })
      return reservation
    })
  }

  update(id: string, change: SpendChange): Promise<void> {
    return this.#use(async (book, append) => {
      book.update(id, change)
      await append({ op: 'update', id, change })
    })
  }

  list(options: { limit?: number; sinceSeconds?: number } = {}): Promise<SpendRecord[]> {
    return this.#use(async (book) => book.list(options, Date.now()))
  }

  spent(budget: Budget, host?: string): Promise<bigint> {
    return this.#use(async (book) => book.spent(budget, host, Date.now()))
  }

  hostsWithin(budget: Budget): Promise<string[]> {
    return this.#use(async (book) => book.hostsWithin(budget, Date.now()))
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#queue
  }

  /** One piece of work at a time in this process, under the folder's lock across processes. */
  #use<T>(
    work: (book: SpendBook, append: (line: object) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new Error(`the spending store in ${this.dataDir} is closed`)
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 })
      const release = await this.#takeLock()
      try {
        return await this.#withJournal(work)
      } finally {
        await release()
      }
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #withJournal<T>(
    work: (book: SpendBook, append: (line: object) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const handle = await open(this.#file, 'a+', 0o600)
    try {
      const text = await handle.readFile('utf8')
      const { book, lines, tornAt } = this.#read(text)
      // A line cut short by a crash was never acknowledged: drop it so the next one starts clean.
      if (tornAt !== undefined) await handle.truncate(tornAt)
      const result = await work(book, async (line) => {
        await handle.write(`${JSON.stringify(line)}\n`)
        await handle.datasync()
      })
      if (lines > compactAfterLines && lines > book.size * 3) await this.#compact(book)
      return result
    } finally {
      await handle.close()
    }
  }

  #read(text: string): { book: SpendBook; lines: number; tornAt?: number } {
    const book = new SpendBook()
    const end = text.lastIndexOf('\n') + 1
    const lines = text.slice(0, end).split('\n')
    lines.pop()
    lines.forEach((line, index) => {
      let parsed: z.output<typeof lineSchema>
      try {
        parsed = lineSchema.parse(JSON.parse(line))
      } catch {
        throw new Error(
          `${this.#file} line ${index + 1} is not a spending record: restore the file from a backup or move it away (budgets then start from zero)`,
        )
      }
      if (parsed.op === 'reserve') book.put(parsed.entry)
      else book.update(parsed.id, parsed.change)
    })
    return { book, lines: lines.length, ...(end < text.length ? { tornAt: end } : {}) }
  }

  /** Rewrites the journal as one line per payment, replacing it in one rename. */
  async #compact(book: SpendBook): Promise<void> {
    const temporary = `${this.#file}.${process.pid}.compact`
    const handle = await open(temporary, 'w', 0o600)
    try {
      const lines = [...book.entries()].map((entry) => JSON.stringify({ op: 'reserve', entry }))
      await handle.write(`${lines.join('\n')}\n`)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await rename(temporary, this.#file).catch(async (error: unknown) => {
      await rm(temporary, { force: true })
      throw error
    })
  }

  async #takeLock(): Promise<() => Promise<void>> {
    const deadline = Date.now() + this.#waitMs
    for (;;) {
      try {
        return await lockDataDir(this.#lock)
      } catch (error) {
        if (!(error instanceof DataDirInUseError) || Date.now() > deadline) throw error
        await sleep(2 + Math.random() * 8)
      }
    }
  }
}

/** Beyond this many lines a journal is rewritten, once most of its lines are updates. */
const compactAfterLines = 1_000
