import {
  decodePaymentUse,
  encodePaymentUse,
  type PaymentClaim,
  type PaymentUse,
  type ResponseStore,
} from '@tollgate/core'
import { migrate, openPostgres, type SchemaDefinition, type Sql } from '@tollgate/sql'

export const responseStoreSchema: SchemaDefinition = {
  name: 'response-store',
  table: 'tollgate_response_store_migrations',
  lockKey: 402404,
  migrations: [
    {
      id: 1,
      name: 'payment uses',
      sql: `create table tollgate_payment_uses (
        key text primary key,
        holder text not null,
        record text not null,
        expires_at_ms bigint not null
      );
      create index tollgate_payment_uses_expiry on tollgate_payment_uses (expires_at_ms);`,
    },
  ],
}

const sweepEveryMs = 60_000

/**
 * Payment records in one PostgreSQL table. A claim is one `insert … on conflict do update …
 * where expired`, a replacement one `update … where holder`, so each is atomic across every
 * instance using the database. Expired rows count as absent and are deleted now and then.
 */
export class PostgresResponseStore implements ResponseStore {
  readonly #sql: Sql
  readonly #owned: boolean
  #sweptAtMs = Date.now()

  /** Over an open database whose schema is migrated (`migrate(sql, responseStoreSchema)`). */
  constructor(sql: Sql, options: { owned?: boolean } = {}) {
    this.#sql = sql
    this.#owned = options.owned ?? false
  }

  /** Opens PostgreSQL at `url` and brings the table up to date; `close()` ends the pool. */
  static async open(
    url: string,
    options: { schema?: string } = {},
  ): Promise<PostgresResponseStore> {
    const sql = await openPostgres(url, options)
    try {
      await migrate(sql, responseStoreSchema)
    } catch (error) {
      await sql.close()
      throw error
    }
    return new PostgresResponseStore(sql, { owned: true })
  }

  async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
    this.#maybeSweep()
    for (;;) {
      const now = Date.now()
      const written = await this.#sql.query(
        `insert into tollgate_payment_uses (key, holder, record, expires_at_ms)
         values ($1, $2, $3, $4)
         on conflict (key) do update
           set holder = excluded.holder, record = excluded.record,
               expires_at_ms = excluded.expires_at_ms
           where tollgate_payment_uses.expires_at_ms <= $5
         returning key`,
        [key, use.holder, encodePaymentUse(use), use.expiresAtMs, now],
      )
      if (written.length > 0) return { claimed: true }
      const current = await this.get(key)
      // Released or expired between the two statements: claim again.
      if (current) return { claimed: false, current }
    }
  }

  async get(key: string): Promise<PaymentUse | undefined> {
    const rows = await this.#sql.query<{ record: string }>(
      'select record from tollgate_payment_uses where key = $1 and expires_at_ms > $2',
      [key, Date.now()],
    )
    return rows[0] ? decodePaymentUse(rows[0].record) : undefined
  }

  async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    const rows = await this.#sql.query(
      `update tollgate_payment_uses set holder = $3, record = $4, expires_at_ms = $5
       where key = $1 and holder = $2 and expires_at_ms > $6 returning key`,
      [key, holder, use.holder, encodePaymentUse(use), use.expiresAtMs, Date.now()],
    )
    return rows.length > 0
  }

  async takeOver(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    // The lease lives in the record: read it in the same statement that checks the holder.
    const now = Date.now()
    const rows = await this.#sql.query(
      `update tollgate_payment_uses set holder = $3, record = $4, expires_at_ms = $5
       where key = $1 and holder = $2 and expires_at_ms > $6
         and record::jsonb ->> 'state' = 'in-flight'
         and (record::jsonb ->> 'leaseUntilMs')::double precision <= $6
       returning key`,
      [key, holder, use.holder, encodePaymentUse(use), use.expiresAtMs, now],
    )
    return rows.length > 0
  }

  async release(key: string, holder: string): Promise<void> {
    await this.#sql.query('delete from tollgate_payment_uses where key = $1 and holder = $2', [
      key,
      holder,
    ])
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#sql.close()
  }

  #maybeSweep(): void {
    if (Date.now() - this.#sweptAtMs < sweepEveryMs) return
    this.#sweptAtMs = Date.now()
    this.#sql
      .query('delete from tollgate_payment_uses where expires_at_ms <= $1', [Date.now()])
      .catch(() => undefined)
  }
}
