/**
 * @module
 * The ledger's read side for the facilitator's dashboard, in SQL over the ledger's own tables
 * (PGlite or PostgreSQL). It has the shape of `LedgerReports` from `@tollgate/core`.
 */
import type {
  LatencyPercentiles,
  LedgerOverview,
  LedgerPayment,
  LedgerReports,
  MerchantRevenue,
  PaymentHistory,
  PaymentSearch,
  PaymentState,
  ReportRange,
  ResourceRevenue,
  SignerActivity,
  TransactionState,
} from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { type PaymentRow, toPayment } from './rows.ts'

/** A bucket start in seconds since the epoch, as a float8 so both drivers return a number. */
const bucketOf = (column: string) =>
  `(floor(extract(epoch from ${column}) / $3::int) * $3::int)::float8`

/** The resource a payment paid for: the v2 payload's URL, else the v1 requirement's, no query. */
const resourceOf = `split_part(coalesce(payment->'paymentPayload'->'resource'->>'url',
  payment->'paymentRequirements'->>'resource', ''), '?', 1)`

/** Settlement transactions that reached the chain (mined or reverted: gas was spent). */
const finalTransactions = `select t.hash, t.kind, t.created_at, t.gas_used,
    (select count(*) from tollgate_transaction_payments tp where tp.tx_hash = t.hash)::int as payments
  from tollgate_transactions t
  where t.gas_used is not null and t.created_at >= $1 and t.created_at < $2`

interface LatencyRow {
  bucket: number | null
  count: number
  p50: number | null
  p90: number | null
  p99: number | null
}

interface RevenueRow {
  network: string
  pay_to: string
  asset: string
  payments: number
  amount: string
  last_payment_at: Date
  resource?: string
}

/**
 * Aggregates and searches over `tollgate_payments`, `tollgate_payment_events`,
 * `tollgate_transactions` and `tollgate_verifications`, for `createFacilitatorApp({ dashboard })`.
 * @example
 * const app = createFacilitatorApp(facilitator, {
 *   dashboard: { reports: new SqlLedgerReports(ledger.sql), adminToken },
 * })
 */
export class SqlLedgerReports implements LedgerReports {
  constructor(readonly sql: Sql) {}

  async overview(range: ReportRange): Promise<LedgerOverview> {
    const window = [range.since, range.until, range.bucketSeconds]
    const [payments, outcomes, verifications, latency, transactions, batchSizes] =
      await Promise.all([
        this.sql.query<LedgerOverview['payments'][number]>(
          `select ${bucketOf('created_at')} as bucket, state, network, asset,
             count(*)::int as payments, sum(amount)::text as amount
           from tollgate_payments where created_at >= $1 and created_at < $2
           group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
          window,
        ),
        this.sql.query<{ state: PaymentState; reason: string | null; payments: number }>(
          `select state, reason, count(*)::int as payments from tollgate_payments
           where created_at >= $1 and created_at < $2 group by 1, 2 order by 3 desc, 1, 2`,
          [range.since, range.until],
        ),
        this.sql.query<{ reason: string | null; verifications: number }>(
          `select reason, count(*)::int as verifications from tollgate_verifications
           where at >= $1 and at < $2 group by 1 order by 2 desc, 1`,
          [range.since, range.until],
        ),
        this.#latency(window),
        this.sql.query<LedgerOverview['transactions'][number]>(
          `select ${bucketOf('created_at')} as bucket, count(*)::int as transactions,
             sum(payments)::int as payments, sum(gas_used)::text as "gasUsed"
           from (${finalTransactions}) t group by 1 order by 1`,
          window,
        ),
        this.sql.query<LedgerOverview['batchSizes'][number]>(
          `select payments as size, count(*)::int as transactions from (${finalTransactions}) t
           where kind <> 'filler' group by 1 order by 1`,
          [range.since, range.until],
        ),
      ])
    return {
      payments,
      outcomes: outcomes.map((row) => ({ ...row, reason: row.reason ?? undefined })),
      verifications: verifications.map((row) => ({ ...row, reason: row.reason ?? undefined })),
      latency,
      transactions,
      batchSizes,
    }
  }

  /** From a payment's arrival to its first `confirmed` step: per bucket, and overall. */
  async #latency(window: unknown[]): Promise<LedgerOverview['latency']> {
    const rows = await this.sql.query<LatencyRow>(
      `with confirmed as (
         select p.created_at,
           extract(epoch from (e.at - p.created_at)) * 1000 as latency_ms
         from tollgate_payments p
         join lateral (select min(at) as at from tollgate_payment_events
           where payment_id = p.id and state = 'confirmed') e on e.at is not null
         where p.state = 'confirmed' and p.created_at >= $1 and p.created_at < $2)
       select ${bucketOf('created_at')} as bucket, count(*)::int as count,
         percentile_cont(0.5) within group (order by latency_ms)::float8 as p50,
         percentile_cont(0.9) within group (order by latency_ms)::float8 as p90,
         percentile_cont(0.99) within group (order by latency_ms)::float8 as p99
       from confirmed group by rollup (1) order by 1 nulls first`,
      window,
    )
    const percentiles = (row: LatencyRow | undefined): LatencyPercentiles => ({
      count: row?.count ?? 0,
      p50Ms: Math.round(row?.p50 ?? 0),
      p90Ms: Math.round(row?.p90 ?? 0),
      p99Ms: Math.round(row?.p99 ?? 0),
    })
    const overall = rows.find((row) => row.bucket === null)
    return {
      ...percentiles(overall),
      buckets: rows
        .filter((row) => row.bucket !== null)
        .map((row) => ({ bucket: Number(row.bucket), ...percentiles(row) })),
    }
  }

  async searchPayments(
    search: PaymentSearch,
  ): Promise<{ payments: LedgerPayment[]; total: number }> {
    const text = search.text?.trim().toLowerCase()
    const filter = `($1::text is null or p.id::text = $1 or lower(p.payer) like $2
         or lower(p.pay_to) like $2 or lower(p.tx_hash) like $2
         or exists (select 1 from tollgate_transaction_payments tp
           where tp.payment_id = p.id and lower(tp.tx_hash) like $2))
       and ($3::text is null or lower(p.payer) = lower($3))
       and ($4::text is null or lower(p.pay_to) = lower($4))
       and ($5::text is null or lower(p.tx_hash) = lower($5) or exists (
         select 1 from tollgate_transaction_payments tp
         where tp.payment_id = p.id and lower(tp.tx_hash) = lower($5)))
       and ($6::text[] is null or p.state = any($6::text[]))
       and ($7::text is null or p.network = $7)`
    const params = [
      text || null,
      text ? `${text.replace(/[\\%_]/g, '\\$&')}%` : null,
      search.payer ?? null,
      search.payTo ?? null,
      search.transaction ?? null,
      search.states ?? null,
      search.network ?? null,
    ]
    const [rows, counted] = await Promise.all([
      this.sql.query<PaymentRow>(
        `select p.* from tollgate_payments p where ${filter}
         order by p.id desc limit $8 offset $9`,
        [...params, search.limit, search.offset],
      ),
      this.sql.query<{ total: number }>(
        `select count(*)::int as total from tollgate_payments p where ${filter}`,
        params,
      ),
    ])
    return { payments: rows.map(toPayment), total: counted[0]?.total ?? 0 }
  }

  async paymentHistory(id: number): Promise<PaymentHistory | undefined> {
    const [payments, events, transactions] = await Promise.all([
      this.sql.query<PaymentRow>('select * from tollgate_payments where id = $1', [id]),
      this.sql.query<{
        state: PaymentState
        reason: string | null
        tx_hash: string | null
        at: Date
      }>(
        `select state, reason, tx_hash, at from tollgate_payment_events
         where payment_id = $1 order by id`,
        [id],
      ),
      this.sql.query<TransactionReportRow>(
        `select t.hash, t.network, t.signer, t.nonce::float8 as nonce, t.kind, t.state,
           t.gas_used::text as gas_used, t.block_number::text as block_number, t.created_at,
           (select count(*) from tollgate_transaction_payments x where x.tx_hash = t.hash)::int
             as payments
         from tollgate_transactions t
         join tollgate_transaction_payments tp on tp.tx_hash = t.hash
         where tp.payment_id = $1 order by t.created_at, t.hash`,
        [id],
      ),
    ])
    const [payment] = payments
    if (!payment) return undefined
    return {
      payment: toPayment(payment),
      events: events.map((event) => ({
        state: event.state,
        reason: event.reason ?? undefined,
        transaction: event.tx_hash ?? undefined,
        at: new Date(event.at),
      })),
      transactions: transactions.map((row) => ({
        hash: row.hash,
        network: row.network,
        signer: row.signer,
        nonce: row.nonce,
        kind: row.kind,
        state: row.state,
        gasUsed: row.gas_used ?? undefined,
        blockNumber: row.block_number ?? undefined,
        payments: row.payments,
        createdAt: new Date(row.created_at),
      })),
    }
  }

  async signerActivity(): Promise<SignerActivity[]> {
    const rows = await this.sql.query<{
      network: string
      signer: string
      next_nonce: number
      pending: number
      last_at: Date | null
    }>(
      `select n.network, n.signer, n.next_nonce::float8 as next_nonce,
         (select count(*) from tollgate_transactions t where t.network = n.network
           and t.signer = n.signer and t.state in ('signed', 'broadcast'))::int as pending,
         (select max(created_at) from tollgate_transactions t where t.network = n.network
           and t.signer = n.signer) as last_at
       from tollgate_signer_nonces n order by 1, 2`,
    )
    return rows.map((row) => ({
      network: row.network,
      signer: row.signer,
      nextNonce: row.next_nonce,
      pendingTransactions: row.pending,
      lastTransactionAt: row.last_at ? new Date(row.last_at) : undefined,
    }))
  }

  async revenue(
    limit: number,
  ): Promise<{ merchants: MerchantRevenue[]; resources: ResourceRevenue[] }> {
    const totals = `count(*)::int as payments, sum(amount)::text as amount,
      max(updated_at) as last_payment_at`
    const [merchants, resources] = await Promise.all([
      this.sql.query<RevenueRow>(
        `select network, pay_to, asset, ${totals} from tollgate_payments
         where state = 'confirmed' group by 1, 2, 3 order by sum(amount) desc, 1, 2, 3 limit $1`,
        [limit],
      ),
      this.sql.query<RevenueRow>(
        `select ${resourceOf} as resource, network, pay_to, asset, ${totals}
         from tollgate_payments where state = 'confirmed'
         group by 1, 2, 3, 4 order by sum(amount) desc, 1, 2, 3, 4 limit $1`,
        [limit],
      ),
    ])
    const revenueOf = (row: RevenueRow): MerchantRevenue => ({
      network: row.network,
      payTo: row.pay_to,
      asset: row.asset,
      payments: row.payments,
      amount: row.amount,
      lastPaymentAt: new Date(row.last_payment_at),
    })
    return {
      merchants: merchants.map(revenueOf),
      resources: resources.map((row) => ({ resource: row.resource ?? '', ...revenueOf(row) })),
    }
  }

  async changeMark(): Promise<string> {
    // Primary-key maxima: an index lookup each, whatever the size of the tables.
    const [row] = await this.sql.query<{ mark: string }>(
      `select coalesce((select max(id) from tollgate_payment_events), 0)::text || ':' ||
         coalesce((select max(id) from tollgate_verifications), 0)::text as mark`,
    )
    return row?.mark ?? '0:0'
  }
}

interface TransactionReportRow {
  hash: string
  network: string
  signer: string
  nonce: number
  kind: string
  state: TransactionState
  gas_used: string | null
  block_number: string | null
  payments: number
  created_at: Date
}
