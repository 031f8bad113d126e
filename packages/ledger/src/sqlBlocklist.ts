/**
 * @module
 * A compliance blocklist of payer and payee addresses in the ledger's database, for
 * `createFacilitatorApp({ blocklist })`. `SqlBlocklist` has the shape of `Blocklist` from
 * `@tollgate/facilitator` (written out here: this package depends on `@tollgate/core` only).
 * Addresses are stored and compared in lower case, as the facilitator's own blocklists do.
 */

import type { Sql } from '@tollgate/sql'
import { LookupCache, type SqlStoreOptions } from './sqlApiKeyStore.ts'

export interface BlockedAddress {
  /** In lower case. */
  address: string
  reason?: string
  createdAt: Date
}

const addressPattern = /^\S{1,128}$/
const reasonLengthMax = 500

function addressKey(address: string): string {
  return address.trim().toLowerCase()
}

/**
 * Blocked addresses in the `tollgate_blocklist` table. Lookups are cached up to `staleMsMax`
 * (5 s by default): an address blocked by another process is refused within that time.
 * @example
 * const blocklist = new SqlBlocklist(ledger.sql)
 * await blocklist.add('0xAbC…', 'sanctions list 2026-08')
 * createFacilitatorApp(facilitator, { blocklist })
 */
export class SqlBlocklist {
  readonly #cache: LookupCache<boolean>

  constructor(
    readonly sql: Sql,
    options: SqlStoreOptions = {},
  ) {
    this.#cache = new LookupCache(options)
  }

  async isBlocked(address: string): Promise<boolean> {
    const key = addressKey(address)
    // Nothing else can be in the table; no query for it.
    if (!addressPattern.test(key)) return false
    return this.#cache.get(key, async () => {
      const rows = await this.sql.query('select 1 from tollgate_blocklist where address = $1', [
        key,
      ])
      return rows.length > 0
    })
  }

  /** Blocks an address; false when it was blocked already (its reason is then kept). */
  async add(address: string, reason?: string): Promise<boolean> {
    const key = addressKey(address)
    if (!addressPattern.test(key))
      throw new TypeError('an address must be 1 to 128 characters without spaces')
    if (reason !== undefined && reason.length > reasonLengthMax)
      throw new TypeError(`a reason must be at most ${reasonLengthMax} characters`)
    const inserted = await this.sql.query(
      `insert into tollgate_blocklist (address, reason) values ($1, $2)
       on conflict (address) do nothing returning address`,
      [key, reason ?? null],
    )
    this.#cache.forget(key)
    return inserted.length > 0
  }

  /** Unblocks an address; false when it was not blocked. */
  async remove(address: string): Promise<boolean> {
    const key = addressKey(address)
    const removed = await this.sql.query(
      'delete from tollgate_blocklist where address = $1 returning address',
      [key],
    )
    this.#cache.forget(key)
    return removed.length > 0
  }

  /** Every blocked address, oldest first. */
  async list(): Promise<BlockedAddress[]> {
    const rows = await this.sql.query<{ address: string; reason: string | null; created_at: Date }>(
      'select address, reason, created_at from tollgate_blocklist order by created_at, address',
    )
    return rows.map((row) => ({
      address: row.address,
      ...(row.reason === null ? {} : { reason: row.reason }),
      createdAt: new Date(row.created_at),
    }))
  }
}
