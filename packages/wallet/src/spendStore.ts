import { randomUUID } from 'node:crypto'
import {
  type Migration,
  openSqlAccess,
  type SchemaDefinition,
  type Sql,
  type SqlAccess,
} from '@tollgate/sql'
import { type Budget, budgetPeriods, formatUsd } from './policy.ts'
import {
  expiryMarginSeconds,
  type Reservation,
  SpendBook,
  type SpendChange,
  type SpendRecord,
  type SpendRequest,
  type SpendState,
} from './spendBook.ts'
import { SpendJournal } from './spendJournal.ts'

const migrations: Migration[] = [
  {
    id: 1,
    name: 'spend records',
    sql: `
      create table tollgate_spend (
        id uuid primary key default gen_random_uuid(),
        url text not null,
        host text not null,
        network text not null,
        asset text not null,
        pay_to text not null,
        amount numeric(78, 0) not null,
        decimals integer not null,
        usd_micros numeric(78, 0) not null,
        state text not null check (state in
          ('reserved', 'signed', 'settled', 'failed', 'pending', 'abandoned')),
        reason text,
        tx_hash text,
        payer text,
        payment_identifier text,
        expires_at timestamptz not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index tollgate_spend_created on tollgate_spend (created_at desc);
      create index tollgate_spend_host on tollgate_spend (host, created_at desc);
    `,
  },
]

/** The spending store's tables, in a database of their own or beside the ledger's. */
export const spendSchema: SchemaDefinition = {
  name: 'spend',
  table: 'tollgate_spend_migrations',
  lockKey: 402403,
  migrations,
}

/** Serialises budget checks across every process sharing the store. */
const reserveLockKey = 402404

/**
 * What counts against a budget: everything not known to have failed, and a failed payment until
 * its authorization expires (until then, whoever holds it could still settle it).
 */
const counted = `(state in ('reserved', 'signed', 'settled', 'pending')
  or (state = 'failed' and expires_at > now()))`

/** Where a spending store keeps its records. */
export interface SpendStoreOptions {
  /** `postgres://…`: one PostgreSQL shared by agents on several machines. */
  databaseUrl?: string | undefined
  /** PostgreSQL schema to use (created if absent). */
  schema?: string | undefined
  /** A folder for the journal, shared by the processes of one machine. */
  dataDir?: string | undefined
  /** Folder only: how long to wait for another process to let go of it. @default 60000 */
  waitMs?: number | undefined
}

/** What every kind of spending store does; `SpendStore` is the one to use. */
export interface SpendBackend {
  reserve(request: SpendRequest, budgets: readonly Budget[]): Promise<Reservation>
  update(id: string, change: SpendChange): Promise<void>
  list(options?: { limit?: number; sinceSeconds?: number }): Promise<SpendRecord[]>
  spent(budget: Budget, host?: string): Promise<bigint>
  hostsWithin(budget: Budget): Promise<string[]>
  close(): Promise<void>
}

/**
 * Every payment an agent signs, recorded before it is signed: the record that makes budgets hold
 * across restarts and across processes sharing the store. It lives in PostgreSQL (`databaseUrl`),
 * in a journal in a folder (`dataDir`), or, with neither, in this process's memory.
 */
export class SpendStore implements SpendBackend {
  constructor(readonly backend: SpendBackend) {}

  static async open(options: SpendStoreOptions = {}): Promise<SpendStore> {
    if (options.databaseUrl) {
      const access = await openSqlAccess(spendSchema, {
        databaseUrl: options.databaseUrl,
        schema: options.schema,
      })
      return new SpendStore(new SqlSpendBackend(access))
    }
    if (options.dataDir)
      return new SpendStore(
        new SpendJournal(options.dataDir, options.waitMs ? { waitMs: options.waitMs } : {}),
      )
    return new SpendStore(new MemorySpendBackend())
  }

  reserve(request: SpendRequest, budgets: readonly Budget[]): Promise<Reservation> {
    return this.backend.reserve(request, budgets)
  }

  update(id: string, change: SpendChange): Promise<void> {
    return this.backend.update(id, change)
  }

  list(options: { limit?: number; sinceSeconds?: number } = {}): Promise<SpendRecord[]> {
    return this.backend.list(options)
  }

  spent(budget: Budget, host?: string): Promise<bigint> {
    return this.backend.spent(budget, host)
  }

  hostsWithin(budget: Budget): Promise<string[]> {
    return this.backend.hostsWithin(budget)
  }

  close(): Promise<void> {
    return this.backend.close()
  }
}

/** A store that lives as long as its process: for tests and one-off payers. */
class MemorySpendBackend implements SpendBackend {
  readonly #book = new SpendBook()

  async reserve(request: SpendRequest, budgets: readonly Budget[]): Promise<Reservation> {
    return this.#book.reserve(request, budgets, randomUUID(), Date.now()).reservation
  }

  async update(id: string, change: SpendChange): Promise<void> {
    this.#book.update(id, change)
  }

  async list(options: { limit?: number; sinceSeconds?: number } = {}): Promise<SpendRecord[]> {
    return this.#book.list(options, Date.now())
  }

  async spent(budget: Budget, host?: string): Promise<bigint> {
    return this.#book.spent(budget, host, Date.now())
  }

  async hostsWithin(budget: Budget): Promise<string[]> {
    return this.#book.hostsWithin(budget, Date.now())
  }

  async close(): Promise<void> {}
}

/** The store in PostgreSQL, shared by agents on several machines. */
class SqlSpendBackend implements SpendBackend {
  constructor(readonly access: SqlAccess) {}

  /** Checks every budget and records the payment as reserved, atomically, or names the budget it would break. */
  reserve(request: SpendRequest, budgets: readonly Budget[]): Promise<Reservation> {
    return this.access.use((sql) =>
      sql.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [reserveLockKey])
        for (const budget of budgets) {
          if (budget.host && budget.host.toLowerCase() !== request.host) continue
          const host = budget.host || budget.eachHost ? request.host : undefined
          const spentMicros = await spent(tx, budget, host)
          if (spentMicros + request.usdMicros > budget.limit)
            return { ok: false as const, budget, spentMicros, ...(host ? { host } : {}) }
        }
        const [row] = await tx.query<{ id: string }>(
          `insert into tollgate_spend (url, host, network, asset, pay_to, amount, decimals,
             usd_micros, state, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, 'reserved',
             now() + make_interval(secs => $9))
           returning id`,
          [
            request.url,
            request.host,
            request.network,
            request.asset,
            request.payTo,
            request.amount.toString(),
            request.decimals,
            request.usdMicros.toString(),
            request.validForSeconds + expiryMarginSeconds,
          ],
        )
        return { ok: true as const, id: row!.id }
      }),
    )
  }

  /** Moves a record on; the payer and transaction are kept once known. */
  async update(id: string, change: SpendChange): Promise<void> {
    await this.access.use((sql) =>
      sql.query(
        `update tollgate_spend set state = $2, reason = coalesce($3, reason),
           tx_hash = coalesce($4, tx_hash), payer = coalesce($5, payer),
           payment_identifier = coalesce($6, payment_identifier),
           amount = coalesce($7::numeric, amount), usd_micros = coalesce($8::numeric, usd_micros),
           updated_at = now()
         where id = $1`,
        [
          id,
          change.state,
          change.reason ?? null,
          change.transaction ?? null,
          change.payer ?? null,
          change.paymentIdentifier ?? null,
          change.charged?.amount ?? null,
          change.charged?.usdMicros ?? null,
        ],
      ),
    )
  }

  /** Newest first. */
  list(options: { limit?: number; sinceSeconds?: number } = {}): Promise<SpendRecord[]> {
    return this.access.use(async (sql) => {
      const rows = await sql.query<Row>(
        `select id, created_at, url, host, network, asset, pay_to, amount, decimals, usd_micros,
           state, reason, tx_hash, payer
         from tollgate_spend
         where $1::double precision is null or created_at > now() - make_interval(secs => $1)
         order by created_at desc limit $2`,
        [options.sinceSeconds ?? null, options.limit ?? 100],
      )
      return rows.map(toRecord)
    })
  }

  /** What has been spent against a budget (for one host, when it is per host). */
  spent(budget: Budget, host?: string): Promise<bigint> {
    return this.access.use((sql) => spent(sql, budget, host))
  }

  /** Hosts paid within a budget's window, for per-host budgets. */
  hostsWithin(budget: Budget): Promise<string[]> {
    return this.access.use(async (sql) => {
      const rows = await sql.query<{ host: string }>(
        `select distinct host from tollgate_spend where ${counted}
           and ($1::double precision is null or created_at > now() - make_interval(secs => $1))
         order by host`,
        [budget.per ? budgetPeriods[budget.per] : null],
      )
      return rows.map((row) => row.host)
    })
  }

  close(): Promise<void> {
    return this.access.close()
  }
}

async function spent(sql: Sql, budget: Budget, host: string | undefined): Promise<bigint> {
  const [row] = await sql.query<{ spent: string }>(
    `select coalesce(sum(usd_micros), 0)::text as spent from tollgate_spend
     where ${counted}
       and ($1::double precision is null or created_at > now() - make_interval(secs => $1))
       and ($2::text is null or host = $2)`,
    [budget.per ? budgetPeriods[budget.per] : null, host ?? null],
  )
  return BigInt(row!.spent)
}

interface Row {
  id: string
  created_at: Date | string
  url: string
  host: string
  network: string
  asset: string
  pay_to: string
  amount: string
  decimals: number
  usd_micros: string
  state: SpendState
  reason: string | null
  tx_hash: string | null
  payer: string | null
}

function toRecord(row: Row): SpendRecord {
  return {
    id: row.id,
    createdAt: new Date(row.created_at).toISOString(),
    url: row.url,
    host: row.host,
    network: row.network,
    asset: row.asset,
    payTo: row.pay_to,
    amount: String(row.amount),
    decimals: Number(row.decimals),
    usd: formatUsd(BigInt(row.usd_micros)),
    state: row.state,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.tx_hash ? { transaction: row.tx_hash } : {}),
    ...(row.payer ? { payer: row.payer } : {}),
  }
}
