import {
  decodePaymentUse,
  encodePaymentUse,
  leaseExpired,
  type PaymentClaim,
  type PaymentUse,
  type ResponseStore,
} from '@tollgate/core'

type Fs = typeof import('node:fs')
type Hashing = typeof import('node:crypto')

export interface FolderResponseStoreOptions {
  /**
   * The folder holding one file per payment; every process given the same folder shares the
   * records. @default `<os.tmpdir()>/tollgate-responses`
   */
  folder?: string | undefined
}

/** A lock older than this belongs to a process that died holding it. */
const lockStaleMs = 10_000
const lockWaitMs = 5_000
const sweepEveryMs = 60_000

/**
 * Payment records as files in one folder: they outlive the process and are shared by every
 * server process on the machine. A record is written whole to a temporary file and renamed into
 * place, so readers never see half of one; changes to a record take a per-record lock file
 * created with `wx` (exclusive), so claims and replacements are atomic across processes.
 * Expired records are swept lazily. `node:fs` is loaded on first use, so importing the server
 * works in runtimes without it (which then pass another store).
 *
 * A critical section is a handful of system calls on a file of a few hundred bytes, so it runs
 * synchronously: tens of microseconds, where the same calls through the thread pool took about
 * 2.5 ms of a paid request each time a record changed. Only waiting for another process's lock
 * yields to the event loop.
 */
export class FolderResponseStore implements ResponseStore {
  readonly #folderOption: string | undefined
  #ready: Promise<Folder> | undefined
  #sweptAtMs = Date.now()

  constructor(options: FolderResponseStoreOptions = {}) {
    this.#folderOption = options.folder
  }

  /** The folder in use (after the first operation, or once resolved here). */
  async folder(): Promise<string> {
    return (await this.#open()).folder
  }

  async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
    const claim = await this.#locked(key, (fs, path) => {
      const current = readUse(fs, path)
      if (current) return { claimed: false as const, current }
      writeWhole(fs, path, use)
      return { claimed: true as const }
    })
    if (Date.now() - this.#sweptAtMs > sweepEveryMs) {
      this.#sweptAtMs = Date.now()
      this.#sweep().catch(() => undefined)
    }
    return claim
  }

  async get(key: string): Promise<PaymentUse | undefined> {
    const opened = await this.#open()
    return readUse(opened.fs, `${opened.folder}/${opened.fileName(key)}.json`)
  }

  async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    return this.#locked(key, (fs, path) => {
      if (readUse(fs, path)?.holder !== holder) return false
      writeWhole(fs, path, use)
      return true
    })
  }

  async takeOver(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    return this.#locked(key, (fs, path) => {
      const current = readUse(fs, path)
      if (current?.holder !== holder || !leaseExpired(current, Date.now())) return false
      writeWhole(fs, path, use)
      return true
    })
  }

  async release(key: string, holder: string): Promise<void> {
    await this.#locked(key, (fs, path) => {
      if (readUse(fs, path)?.holder === holder) fs.rmSync(path, { force: true })
    })
  }

  #open(): Promise<Folder> {
    this.#ready ??= (async () => {
      const fs = await import('node:fs')
      const hashing: Hashing = await import('node:crypto')
      const folder =
        this.#folderOption ?? `${(await import('node:os')).tmpdir()}/tollgate-responses`
      fs.mkdirSync(folder, { recursive: true })
      const fileName = (key: string) => hashing.createHash('sha256').update(key).digest('hex')
      return { fs, folder, fileName }
    })()
    this.#ready.catch(() => {
      this.#ready = undefined
    })
    return this.#ready
  }

  async #locked<T>(key: string, work: (fs: Fs, path: string) => T): Promise<T> {
    const { fs, folder, fileName } = await this.#open()
    const base = `${folder}/${fileName(key)}`
    const lock = `${base}.lock`
    await takeLock(fs, lock)
    try {
      return work(fs, `${base}.json`)
    } finally {
      fs.rmSync(lock, { force: true })
    }
  }

  /** Drops expired records, each under its lock so a fresh claim is never removed. */
  async #sweep(): Promise<void> {
    const { fs, folder } = await this.#open()
    const names = (await fs.promises.readdir(folder)).filter((name) => name.endsWith('.json'))
    const now = Date.now()
    for (const name of names.slice(0, 10_000)) {
      const path = `${folder}/${name}`
      const text = await fs.promises.readFile(path, 'utf8').catch(() => undefined)
      if (text === undefined || !expired(text, now)) continue
      const lock = `${path.slice(0, -'.json'.length)}.lock`
      await takeLock(fs, lock)
      try {
        const again = readText(fs, path)
        if (again !== undefined && expired(again, Date.now())) fs.rmSync(path, { force: true })
      } finally {
        fs.rmSync(lock, { force: true })
      }
    }
  }
}

interface Folder {
  fs: Fs
  folder: string
  /** A record's file name: the SHA-256 of its key, so any key is a safe name. */
  fileName(key: string): string
}

function expired(text: string, now: number): boolean {
  try {
    return decodePaymentUse(text).expiresAtMs <= now
  } catch {
    return true
  }
}

function readText(fs: Fs, path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function readUse(fs: Fs, path: string): PaymentUse | undefined {
  const text = readText(fs, path)
  if (text === undefined) return undefined
  const use = decodePaymentUse(text)
  return use.expiresAtMs <= Date.now() ? undefined : use
}

function writeWhole(fs: Fs, path: string, use: PaymentUse): void {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`
  fs.writeFileSync(temporary, encodePaymentUse(use))
  fs.renameSync(temporary, path)
}

/**
 * Creates the lock file exclusively, waiting while another process holds it. A lock left by a
 * dead process is moved aside (a rename only one contender wins); if what was moved turns out
 * to be a fresh lock taken meanwhile, it is put back.
 */
async function takeLock(fs: Fs, lock: string): Promise<void> {
  const deadline = Date.now() + lockWaitMs
  for (let attempt = 0; ; attempt++) {
    try {
      // `wx` creates the file with its content or fails: no moment where it exists empty.
      fs.writeFileSync(lock, crypto.randomUUID(), { flag: 'wx' })
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const held = statOf(fs, lock)
    if (held && Date.now() - held.mtimeMs > lockStaleMs) {
      breakStaleLock(fs, lock)
      continue
    }
    if (Date.now() > deadline) throw new Error(`response store lock ${lock} is held too long`)
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt * 5)))
  }
}

function statOf(fs: Fs, path: string) {
  try {
    return fs.statSync(path)
  } catch {
    return undefined
  }
}

function breakStaleLock(fs: Fs, lock: string): void {
  const stale = readText(fs, lock)
  const aside = `${lock}.${crypto.randomUUID()}.stale`
  try {
    fs.renameSync(lock, aside)
  } catch {
    return
  }
  if (readText(fs, aside) !== stale) {
    try {
      fs.linkSync(aside, lock)
    } catch {
      // Another contender took the lock meanwhile; the moved-aside copy is dropped either way.
    }
  }
  fs.rmSync(aside, { force: true })
}
