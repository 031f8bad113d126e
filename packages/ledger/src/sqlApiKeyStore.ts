/**
 * @module
 * Merchant API keys in the ledger's database, for `createFacilitatorApp({ apiKeys: { store } })`.
 * `SqlApiKeyStore` has the shape of `ApiKeyStore` from `@tollgate/facilitator`; the types are
 * written out here because this package depends on `@tollgate/core` only. Only SHA-256 hashes
 * of keys are stored, never a key in clear.
 */
import type { Sql } from '@tollgate/sql'

/** What a key lets its merchant do; an absent allow-list allows any value. */
export interface MerchantAccess {
  merchant: string
  /** CAIP-2 networks (v1 names are accepted too) the merchant may verify and settle on. */
  networks?: string[]
  /** Asset addresses the merchant may be paid in. */
  assets?: string[]
  /**
   * Addresses the merchant is paid at: it may settle only payments to them, and only a refund of
   * a channel paying one of them is signed with the facilitator's batch-settlement authorizer.
   */
  payTo?: string[]
}

export interface NewApiKey {
  /** SHA-256 of the key in lowercase hex (`hashApiKey(key)` of `@tollgate/facilitator`). */
  keyHash: string
  merchant: string
  networks?: string[] | undefined
  assets?: string[] | undefined
  payTo?: string[] | undefined
}

export interface ApiKeyRecord extends MerchantAccess {
  keyHash: string
  createdAt: Date
  /** When the key stopped working; absent for an active key. */
  revokedAt?: Date
}

export interface SqlStoreOptions {
  /**
   * Longest time a change made elsewhere (a key revoked or added by another process, an address
   * blocked) can go unnoticed by this instance: lookups are cached this long. Changes made through
   * this instance apply at once. 0 disables the cache.
   * @default 5000
   */
  staleMsMax?: number
  /** Most lookups kept in the cache; the oldest go first. @default 10000 */
  cacheEntriesMax?: number
  /** Injected clock for tests. */
  now?: () => number
}

const hashPattern = /^[0-9a-f]{64}$/
const merchantLengthMax = 200

/**
 * Recent answers of a lookup, each kept at most `staleMsMax` counted from before its query, so
 * no answer is older than the bound. Failed lookups are not kept.
 */
export class LookupCache<Value> {
  readonly #entries = new Map<string, { value: Value; at: number }>()
  readonly #staleMsMax: number
  readonly #entriesMax: number
  readonly #now: () => number

  constructor(options: SqlStoreOptions) {
    this.#staleMsMax = options.staleMsMax ?? 5_000
    this.#entriesMax = options.cacheEntriesMax ?? 10_000
    this.#now = options.now ?? Date.now
    if (!(this.#staleMsMax >= 0 && this.#entriesMax >= 1))
      throw new RangeError('staleMsMax must be ≥ 0 and cacheEntriesMax ≥ 1')
  }

  async get(key: string, load: () => Promise<Value>): Promise<Value> {
    const started = this.#now()
    const hit = this.#entries.get(key)
    if (hit && started - hit.at < this.#staleMsMax) return hit.value
    const value = await load()
    this.#entries.delete(key)
    if (this.#staleMsMax > 0) {
      this.#entries.set(key, { value, at: started })
      if (this.#entries.size > this.#entriesMax) {
        const oldest = this.#entries.keys().next().value
        if (oldest !== undefined) this.#entries.delete(oldest)
      }
    }
    return value
  }

  forget(key: string): void {
    this.#entries.delete(key)
  }
}

interface KeyRow {
  key_hash: string
  merchant: string
  networks: string[] | null
  assets: string[] | null
  pay_to: string[] | null
  created_at: Date
  revoked_at: Date | null
}

function toAccess(
  row: Pick<KeyRow, 'merchant' | 'networks' | 'assets' | 'pay_to'>,
): MerchantAccess {
  return {
    merchant: row.merchant,
    ...(row.networks ? { networks: row.networks } : {}),
    ...(row.assets ? { assets: row.assets } : {}),
    ...(row.pay_to ? { payTo: row.pay_to } : {}),
  }
}

function checkAllowList(name: string, values: string[] | undefined): void {
  if (values === undefined) return
  // An empty allow-list would allow nothing: a key that can never be used is a mistake.
  if (values.length === 0 || values.some((value) => value.trim() === '' || value.length > 128))
    throw new TypeError(`${name} must list at least one non-empty value of at most 128 characters`)
}

/**
 * API keys in the `tollgate_api_keys` table. A revoked key is kept (with `revoked_at`) so the
 * history stays, and is refused like an unknown one.
 * @example
 * const keys = new SqlApiKeyStore(ledger.sql)
 * const key = generateApiKey() // from @tollgate/facilitator; shown to the merchant once
 * await keys.add({ keyHash: hashApiKey(key), merchant: 'acme' })
 * createFacilitatorApp(facilitator, { apiKeys: { store: keys, required: true } })
 */
export class SqlApiKeyStore {
  readonly #cache: LookupCache<MerchantAccess | undefined>

  constructor(
    readonly sql: Sql,
    options: SqlStoreOptions = {},
  ) {
    this.#cache = new LookupCache(options)
  }

  /** The access of an active key, looked up by hash (cached up to `staleMsMax`). */
  async findByHash(hash: string): Promise<MerchantAccess | undefined> {
    // Nothing else can be in the table; no query for it.
    if (!hashPattern.test(hash)) return undefined
    return this.#cache.get(hash, async () => {
      const [row] = await this.sql.query<KeyRow>(
        `select merchant, networks, assets, pay_to from tollgate_api_keys
         where key_hash = $1 and revoked_at is null`,
        [hash],
      )
      return row ? toAccess(row) : undefined
    })
  }

  /** Stores a key's hash; a hash stored before (even revoked) is an error, never reused. */
  async add(key: NewApiKey): Promise<void> {
    if (!hashPattern.test(key.keyHash))
      throw new TypeError('keyHash must be a SHA-256 in lowercase hex, never the key itself')
    const merchant = key.merchant.trim()
    if (merchant === '' || merchant.length > merchantLengthMax)
      throw new TypeError(`merchant must be 1 to ${merchantLengthMax} characters`)
    checkAllowList('networks', key.networks)
    checkAllowList('assets', key.assets)
    checkAllowList('payTo', key.payTo)
    const inserted = await this.sql.query(
      `insert into tollgate_api_keys (key_hash, merchant, networks, assets, pay_to)
       values ($1, $2, $3, $4, $5)
       on conflict (key_hash) do nothing returning key_hash`,
      [key.keyHash, merchant, key.networks ?? null, key.assets ?? null, key.payTo ?? null],
    )
    if (inserted.length === 0) throw new Error('this key hash is already stored')
    this.#cache.forget(key.keyHash)
  }

  /** Revokes an active key; false when no active key has this hash. */
  async revoke(keyHash: string): Promise<boolean> {
    const revoked = await this.sql.query(
      `update tollgate_api_keys set revoked_at = now()
       where key_hash = $1 and revoked_at is null returning key_hash`,
      [keyHash],
    )
    this.#cache.forget(keyHash)
    return revoked.length > 0
  }

  /** Every stored key, oldest first; revoked ones only when asked for. */
  async list(options: { revoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    const rows = await this.sql.query<KeyRow>(
      `select * from tollgate_api_keys where $1 or revoked_at is null
       order by created_at, key_hash`,
      [options.revoked ?? false],
    )
    return rows.map((row) => ({
      keyHash: row.key_hash,
      ...toAccess(row),
      createdAt: new Date(row.created_at),
      ...(row.revoked_at ? { revokedAt: new Date(row.revoked_at) } : {}),
    }))
  }
}
