import {
  decodePaymentUse,
  encodePaymentUse,
  leaseExpired,
  type PaymentClaim,
  type PaymentUse,
  type ResponseStore,
} from '@tollgate/core'

type Fs = typeof import('node:fs/promises')

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
 */
export class FolderResponseStore implements ResponseStore {
  readonly #folderOption: string | undefined
  #ready: Promise<{ fs: Fs; folder: string }> | undefined
  #sweptAtMs = Date.now()

  constructor(options: FolderResponseStoreOptions = {}) {
    this.#folderOption = options.folder
  }

  /** The folder in use (after the first operation, or once resolved here). */
  async folder(): Promise<string> {
    return (await this.#open()).folder
  }

  async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
    const claim = await this.#locked(key, async (fs, path) => {
      const current = await readUse(fs, path)
      if (current) return { claimed: false as const, current }
      await writeWhole(fs, path, use)
      return { claimed: true as const }
    })
    if (Date.now() - this.#sweptAtMs > sweepEveryMs) {
      this.#sweptAtMs = Date.now()
      this.#sweep().catch(() => undefined)
    }
    return claim
  }

  async get(key: string): Promise<PaymentUse | undefined> {
    const { fs, folder } = await this.#open()
    return readUse(fs, `${folder}/${await fileName(key)}.json`)
  }

  async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    return this.#locked(key, async (fs, path) => {
      const current = await readUse(fs, path)
      if (current?.holder !== holder) return false
      await writeWhole(fs, path, use)
      return true
    })
  }

  async takeOver(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    return this.#locked(key, async (fs, path) => {
      const current = await readUse(fs, path)
      if (current?.holder !== holder || !leaseExpired(current, Date.now())) return false
      await writeWhole(fs, path, use)
      return true
    })
  }

  async release(key: string, holder: string): Promise<void> {
    await this.#locked(key, async (fs, path) => {
      const current = await readUse(fs, path)
      if (current?.holder === holder) await fs.rm(path, { force: true })
    })
  }

  #open(): Promise<{ fs: Fs; folder: string }> {
    this.#ready ??= (async () => {
      const fs = await import('node:fs/promises')
      const folder =
        this.#folderOption ?? `${(await import('node:os')).tmpdir()}/tollgate-responses`
      await fs.mkdir(folder, { recursive: true })
      return { fs, folder }
    })()
    this.#ready.catch(() => {
      this.#ready = undefined
    })
    return this.#ready
  }

  async #locked<T>(key: string, work: (fs: Fs, path: string) => Promise<T>): Promise<T> {
    const { fs, folder } = await this.#open()
    const base = `${folder}/${await fileName(key)}`
    const lock = `${base}.lock`
    await takeLock(fs, lock)
    try {
      return await work(fs, `${base}.json`)
    } finally {
      await fs.rm(lock, { force: true })
    }
  }

  /** Drops expired records, each under its lock so a fresh claim is never removed. */
  async #sweep(): Promise<void> {
    const { fs, folder } = await this.#open()
    const names = (await fs.readdir(folder)).filter((name) => name.endsWith('.json'))
    const now = Date.now()
    for (const name of names.slice(0, 10_000)) {
      const path = `${folder}/${name}`
      const text = await fs.readFile(path, 'utf8').catch(() => undefined)
      if (text === undefined || !expired(text, now)) continue
      const lock = `${path.slice(0, -'.json'.length)}.lock`
      await takeLock(fs, lock)
      try {
        const again = await fs.readFile(path, 'utf8').catch(() => undefined)
        if (again !== undefined && expired(again, Date.now())) await fs.rm(path, { force: true })
      } finally {
        await fs.rm(lock, { force: true })
      }
    }
  }
}

async function fileName(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

function expired(text: string, now: number): boolean {
  try {
    return decodePaymentUse(text).expiresAtMs <= now
  } catch {
    return true
  }
}

async function readUse(fs: Fs, path: string): Promise<PaymentUse | undefined> {
  let text: string
  try {
    text = await fs.readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const use = decodePaymentUse(text)
  return use.expiresAtMs <= Date.now() ? undefined : use
}

async function writeWhole(fs: Fs, path: string, use: PaymentUse): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`
  await fs.writeFile(temporary, encodePaymentUse(use))
  await fs.rename(temporary, path)
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
      const handle = await fs.open(lock, 'wx')
      await handle.writeFile(crypto.randomUUID())
      await handle.close()
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const held = await fs.stat(lock).catch(() => undefined)
    if (held && Date.now() - held.mtimeMs > lockStaleMs) {
      await breakStaleLock(fs, lock)
      continue
    }
    if (Date.now() > deadline) throw new Error(`response store lock ${lock} is held too long`)
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt * 5)))
  }
}

async function breakStaleLock(fs: Fs, lock: string): Promise<void> {
  const stale = await fs.readFile(lock, 'utf8').catch(() => undefined)
  const aside = `${lock}.${crypto.randomUUID()}.stale`
  const moved = await fs.rename(lock, aside).then(
    () => true,
    () => false,
  )
  if (!moved) return
  if ((await fs.readFile(aside, 'utf8').catch(() => undefined)) !== stale)
    await fs.link(aside, lock).catch(() => undefined)
  await fs.rm(aside, { force: true })
}
