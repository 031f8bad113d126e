import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import lockfile from 'proper-lockfile'
import type { MandateHistory } from './constraints.ts'
import type { MandateLedger } from './mandatePayer.ts'

interface Entry {
  amount: string
  state: 'reserved' | 'settled' | 'failed'
  /** A failed payment counts until its authorization expires (seconds since the epoch). */
  until?: number
}

type Book = Record<string, Entry>

/**
 * A mandate ledger in a folder, one file per mandate under a lock file, so every process on the
 * machine that pays under the same mandate (a CLI run, an MCP wallet, an A2A client) holds one
 * budget: a reservation is checked and written while the file is locked.
 */
export class FolderMandateLedger implements MandateLedger {
  readonly #folder: string

  constructor(folder: string) {
    this.#folder = folder
  }

  async reserve(
    mandate: string,
    amount: bigint,
    check: (history: MandateHistory) => string | undefined,
  ) {
    const token = crypto.randomUUID()
    await this.#locked(mandate, (book) => {
      const now = Date.now() / 1000
      const entries = Object.values(book).filter(
        (entry) => entry.state !== 'failed' || (entry.until ?? 0) > now,
      )
      const refusal = check({
        spent: entries.reduce((sum, entry) => sum + BigInt(entry.amount), 0n),
        payments: entries.length,
      })
      if (refusal) throw new Error(refusal)
      book[token] = { amount: amount.toString(), state: 'reserved' }
    })
    return {
      settled: () =>
        this.#locked(mandate, (book) => {
          if (book[token]) book[token].state = 'settled'
        }),
      failed: (until: number) =>
        this.#locked(mandate, (book) => {
          if (book[token]) book[token] = { ...book[token], state: 'failed', until }
        }),
      released: () =>
        this.#locked(mandate, (book) => {
          delete book[token]
        }),
    }
  }

  async #locked(mandate: string, change: (book: Book) => void): Promise<void> {
    await mkdir(this.#folder, { recursive: true })
    // Mandate ids are base64url digests: safe as file names.
    const file = join(this.#folder, `${mandate}.json`)
    // The lock is taken on the file, so it must exist; a second creator leaves it as it is.
    await writeFile(file, '{}', { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    const release = await lockfile.lock(file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 100, minTimeout: 10, maxTimeout: 200 },
    })
    try {
      const text = await readFile(file, 'utf8')
      const book = (text.trim() ? JSON.parse(text) : {}) as Book
      change(book)
      const temporary = `${file}.${process.pid}.tmp`
      await writeFile(temporary, JSON.stringify(book))
      await rename(temporary, file)
    } finally {
      await release()
    }
  }
}
