/**
 * @module
 * The ledger's read side for operators: the aggregates and searches the facilitator's dashboard
 * API serves. `@tollgate/ledger` answers them in SQL (`SqlLedgerReports`); a facilitator takes
 * them as an option, so it never reads the database itself.
 *
 * Amounts are atomic units as decimal strings; gas is in gas units; times are `Date`s, bucket
 * starts are seconds since the epoch (a multiple of the bucket width).
 */
import type { LedgerPayment, PaymentState, TransactionState } from './ledger.ts'

/** A time window cut into buckets of equal width. */
export interface ReportRange {
  since: Date
  until: Date
  bucketSeconds: number
}

/** Latency percentiles in milliseconds over `count` payments (`count` 0: all zero). */
export interface LatencyPercentiles {
  count: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
}

/** Everything the overview plots, for payments created (or transactions sent) in a range. */
export interface LedgerOverview {
  /** Payments per bucket, state, network and asset, with the summed amount. Empty buckets absent. */
  payments: Array<{
    bucket: number
    state: PaymentState
    network: string
    asset: string
    payments: number
    amount: string
  }>
  /** Payments per final state and reason (`reason` undefined for a success or an open payment). */
  outcomes: Array<{ state: PaymentState; reason: string | undefined; payments: number }>
  /** Verifications (`/verify` calls) per rejection reason; `reason` undefined for valid ones. */
  verifications: Array<{ reason: string | undefined; verifications: number }>
  /** From a payment's arrival to its confirmation, over the range and per bucket. */
  latency: LatencyPercentiles & {
    buckets: Array<LatencyPercentiles & { bucket: number }>
  }
  /** Mined settlement transactions per bucket: gas used and the payments they carried. */
  transactions: Array<{ bucket: number; transactions: number; payments: number; gasUsed: string }>
  /** How many settlement transactions carried how many payments. */
  batchSizes: Array<{ size: number; transactions: number }>
}

/** A payment search: every filter given must hold; newest first. */
export interface PaymentSearch {
  /** Matches a payment id, or a payer, payee or transaction hash by its start (any case). */
  text?: string | undefined
  payer?: string | undefined
  payTo?: string | undefined
  /** Any transaction that carried the payment, replaced ones included. */
  transaction?: string | undefined
  states?: PaymentState[] | undefined
  network?: string | undefined
  limit: number
  offset: number
}

/** One step of a payment's history, as logged on every state change. */
export interface PaymentEvent {
  state: PaymentState
  reason: string | undefined
  transaction: string | undefined
  at: Date
}

/** A settlement transaction as an operator sees it (without the signed bytes). */
export interface TransactionReport {
  hash: string
  network: string
  signer: string
  nonce: number
  kind: string
  state: TransactionState
  gasUsed: string | undefined
  blockNumber: string | undefined
  /** How many payments it carried (its batch size). */
  payments: number
  createdAt: Date
}

/** A payment with its full history and every transaction sent for it. */
export interface PaymentHistory {
  payment: LedgerPayment
  events: PaymentEvent[]
  transactions: TransactionReport[]
}

/** What the ledger knows of a signer: its next nonce and its transactions not yet final. */
export interface SignerActivity {
  network: string
  signer: string
  nextNonce: number
  pendingTransactions: number
  lastTransactionAt: Date | undefined
}

/** Confirmed revenue of one payee in one asset. */
export interface MerchantRevenue {
  network: string
  payTo: string
  asset: string
  payments: number
  amount: string
  lastPaymentAt: Date
}

/** Confirmed revenue of one resource (its URL without query), per payee and asset. */
export interface ResourceRevenue extends MerchantRevenue {
  resource: string
}

/** The ledger's read side for operators, answered by `SqlLedgerReports` in `@tollgate/ledger`. */
export interface LedgerReports {
  overview(range: ReportRange): Promise<LedgerOverview>
  searchPayments(search: PaymentSearch): Promise<{ payments: LedgerPayment[]; total: number }>
  paymentHistory(id: number): Promise<PaymentHistory | undefined>
  signerActivity(): Promise<SignerActivity[]>
  /** Confirmed revenue, biggest first, at most `limit` rows of each. */
  revenue(limit: number): Promise<{ merchants: MerchantRevenue[]; resources: ResourceRevenue[] }>
  /**
   * A mark that changes whenever a payment changes state or a verification is recorded, cheap
   * enough to read every second: live views re-read only when it moves.
   */
  changeMark(): Promise<string>
}

/** What the dashboard API adds to a row with an amount, when the asset is known. */
export interface AssetLabel {
  symbol?: string
  decimals?: number
}

/**
 * The dashboard's overview (`GET /api/overview`): the ledger's aggregates laid out for plotting,
 * one value per time bucket in every series. Written once, for the facilitator that answers and
 * the page that plots.
 */
export interface DashboardOverview {
  range: { name: string; since: string; until: string; bucketSeconds: number }
  /** Bucket starts, seconds since the epoch: the x axis of every series. */
  time: number[]
  payments: Record<'confirmed' | 'failed' | 'open', number[]>
  totals: Record<'confirmed' | 'failed' | 'open' | 'payments', number>
  /** Confirmed volume per asset: exact total in atomic units, plot values in whole units. */
  volume: Array<{ network: string; asset: string; total: string; values: number[] } & AssetLabel>
  outcomes: LedgerOverview['outcomes']
  verifications: LedgerOverview['verifications']
  latency: {
    count: number
    p50Ms: number
    p90Ms: number
    p99Ms: number
    series: {
      p50Ms: Array<number | null>
      p90Ms: Array<number | null>
      p99Ms: Array<number | null>
    }
  }
  gas: {
    used: string
    transactions: number
    payments: number
    perPayment: number | null
    series: { transactions: number[]; perPayment: Array<number | null> }
  }
  batchSizes: LedgerOverview['batchSizes']
  /** Payments per settlement transaction, over the window. */
  batchSizeMean: number | null
}
