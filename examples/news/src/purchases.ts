import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** A settled purchase of one article by one address. */
export interface Purchase {
  /** The payer, as an EVM address (stored lowercase: the checksum is a spelling). */
  address: string
  slug: string
  /** The settlement's transaction, network and amount, from the receipt. */
  transaction: string
  network: string
  amount: string
  /** ISO time it was recorded. */
  at: string
}

/** Who bought which article. Records come only from settled payments. */
export interface Purchases {
  has(address: string, slug: string): Promise<boolean>
  /** Records a purchase; recording the same address and article again keeps the first. */
  record(purchase: Purchase): Promise<void>
}

const addressPattern = /^0x[0-9a-fA-F]{40}$/
const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/**
 * The address in the one spelling records are kept under, or undefined for anything that is not
 * an EVM address (so it can never become a path outside the folder).
 */
export function readerKey(address: string): string | undefined {
  return addressPattern.test(address) ? address.toLowerCase() : undefined
}

function checked(purchase: Purchase): { key: string; slug: string } {
  const key = readerKey(purchase.address)
  if (!key)
    throw new Error(`a purchase needs an EVM address, not ${JSON.stringify(purchase.address)}`)
  if (!slugPattern.test(purchase.slug))
    throw new Error(`a purchase needs an article slug, not ${JSON.stringify(purchase.slug)}`)
  return { key, slug: purchase.slug }
}

/** In this process only: for tests. */
export class MemoryPurchases implements Purchases {
  readonly #records = new Map<string, Purchase>()

  async has(address: string, slug: string): Promise<boolean> {
    const key = readerKey(address)
    return key !== undefined && this.#records.has(`${key} ${slug}`)
  }

  async record(purchase: Purchase): Promise<void> {
    const { key, slug } = checked(purchase)
    if (!this.#records.has(`${key} ${slug}`))
      this.#records.set(`${key} ${slug}`, { ...purchase, address: key })
  }
}

export interface FolderPurchasesOptions {
  /** Where the records live: one folder per reader, one JSON file per article bought. */
  folder: string
}

/**
 * Purchases on disk, so a reader who paid keeps the article across restarts: each purchase is
 * `<folder>/<address>/<slug>.json`. A record is written whole to a temporary file, flushed and
 * renamed into place, so a crash leaves the old state or the new one, never half a file; and as
 * no file is ever rewritten, two purchases at once (by one reader, or in two processes sharing
 * the folder) cannot lose each other.
 */
export class FolderPurchases implements Purchases {
  readonly #folder: string

  constructor(options: FolderPurchasesOptions) {
    this.#folder = options.folder
  }

  async has(address: string, slug: string): Promise<boolean> {
    const key = readerKey(address)
    if (!key || !slugPattern.test(slug)) return false
    let text: string
    try {
      text = await readFile(join(this.#folder, key, `${slug}.json`), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    const record: unknown = JSON.parse(text)
    return typeof record === 'object' && record !== null && Reflect.get(record, 'slug') === slug
  }

  async record(purchase: Purchase): Promise<void> {
    const { key, slug } = checked(purchase)
    if (await this.has(key, slug)) return
    const folder = join(this.#folder, key)
    await mkdir(folder, { recursive: true })
    const target = join(folder, `${slug}.json`)
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`
    const file = await open(temporary, 'wx')
    try {
      await file.writeFile(`${JSON.stringify({ ...purchase, address: key }, null, 2)}\n`)
      await file.sync()
    } finally {
      await file.close()
    }
    try {
      await rename(temporary, target)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
  }
}
