/**
 * @module
 * `GET /api/overview`: the ledger's aggregates laid out for plotting. Every series has one value
 * per bucket of the window (zero, or null where there is nothing to measure), so a chart can put
 * them on one time axis as they are.
 */
import type { DashboardOverview, LedgerOverview, PaymentState } from '@tollgate/core'
import { type AssetBook, unitsForPlot } from './assetBook.ts'
import type { OverviewRangeName } from './dashboardQueries.ts'

type StateGroup = keyof DashboardOverview['payments']

/** `GET /api/overview`'s answer; its shape is core's, so the page reads the same type. */
export type OverviewReport = DashboardOverview

const groupOf: Record<PaymentState, StateGroup> = {
  received: 'open',
  verified: 'open',
  submitted: 'open',
  pending: 'open',
  included: 'open',
  confirmed: 'confirmed',
  failed: 'failed',
}

/** The window's buckets: their starts, and where a bucket start falls among them. */
interface Axis {
  time: number[]
  /** The index of a bucket start, or undefined outside the window. */
  indexOf(bucket: number): number | undefined
  zeros(): number[]
  nulls(): Array<number | null>
}

function axisOf(range: { since: Date; until: Date; bucketSeconds: number }): Axis {
  const first = Math.floor(range.since.getTime() / 1000)
  const time: number[] = []
  for (let start = first; start < range.until.getTime() / 1000; start += range.bucketSeconds) {
    time.push(start)
  }
  return {
    time,
    indexOf(bucket) {
      const index = Math.round((bucket - first) / range.bucketSeconds)
      return index >= 0 && index < time.length ? index : undefined
    },
    zeros: () => time.map(() => 0),
    nulls: () => time.map((): number | null => null),
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0)

/** Payments per state group and confirmed volume per asset, per bucket. */
function paymentSeries(
  rows: LedgerOverview['payments'],
  axis: Axis,
  describeAsset: AssetBook,
): Pick<OverviewReport, 'payments' | 'totals' | 'volume'> {
  const payments: Record<StateGroup, number[]> = {
    confirmed: axis.zeros(),
    failed: axis.zeros(),
    open: axis.zeros(),
  }
  const volumes = new Map<
    string,
    { network: string; asset: string; total: bigint; values: number[] }
  >()
  for (const row of rows) {
    const index = axis.indexOf(row.bucket)
    if (index === undefined) continue
    const group = groupOf[row.state]
    payments[group][index]! += row.payments
    if (group !== 'confirmed') continue
    const key = `${row.network}|${row.asset}`
    const volume = volumes.get(key) ?? {
      network: row.network,
      asset: row.asset,
      total: 0n,
      values: axis.zeros(),
    }
    volume.total += BigInt(row.amount)
    const decimals = describeAsset(row.network, row.asset).decimals
    volume.values[index]! += unitsForPlot(row.amount, decimals)
    volumes.set(key, volume)
  }
  return {
    payments,
    totals: {
      payments: sum(payments.confirmed) + sum(payments.failed) + sum(payments.open),
      confirmed: sum(payments.confirmed),
      failed: sum(payments.failed),
      open: sum(payments.open),
    },
    volume: [...volumes.values()].map((volume) => ({
      network: volume.network,
      asset: volume.asset,
      ...describeAsset(volume.network, volume.asset),
      total: volume.total.toString(),
      values: volume.values,
    })),
  }
}

function latencySeries(latency: LedgerOverview['latency'], axis: Axis): OverviewReport['latency'] {
  const series = { p50Ms: axis.nulls(), p90Ms: axis.nulls(), p99Ms: axis.nulls() }
  for (const row of latency.buckets) {
    const index = axis.indexOf(row.bucket)
    if (index === undefined) continue
    series.p50Ms[index] = row.p50Ms
    series.p90Ms[index] = row.p90Ms
    series.p99Ms[index] = row.p99Ms
  }
  const { count, p50Ms, p90Ms, p99Ms } = latency
  return { count, p50Ms, p90Ms, p99Ms, series }
}

function gasSeries(rows: LedgerOverview['transactions'], axis: Axis): OverviewReport['gas'] {
  const series = { transactions: axis.zeros(), perPayment: axis.nulls() }
  let used = 0n
  let payments = 0
  for (const row of rows) {
    used += BigInt(row.gasUsed)
    payments += row.payments
    const index = axis.indexOf(row.bucket)
    if (index === undefined) continue
    series.transactions[index] = row.transactions
    series.perPayment[index] = perPayment(BigInt(row.gasUsed), row.payments)
  }
  return {
    used: used.toString(),
    transactions: sum(series.transactions),
    payments,
    perPayment: perPayment(used, payments),
    series,
  }
}

/** Whole gas per payment; null where no payment was carried (filler transactions only). */
function perPayment(gasUsed: bigint, payments: number): number | null {
  return payments > 0 ? Number(gasUsed / BigInt(payments)) : null
}

function batchSizeMean(rows: LedgerOverview['batchSizes']): number | null {
  const transactions = sum(rows.map((row) => row.transactions))
  const payments = sum(rows.map((row) => row.size * row.transactions))
  return transactions > 0 ? Math.round((payments / transactions) * 100) / 100 : null
}

/** Lays the ledger's overview out on the window's buckets. */
export function overviewReport(
  overview: LedgerOverview,
  range: { name: OverviewRangeName; since: Date; until: Date; bucketSeconds: number },
  describeAsset: AssetBook,
): OverviewReport {
  const axis = axisOf(range)
  return {
    range: {
      name: range.name,
      since: range.since.toISOString(),
      until: range.until.toISOString(),
      bucketSeconds: range.bucketSeconds,
    },
    time: axis.time,
    ...paymentSeries(overview.payments, axis, describeAsset),
    outcomes: overview.outcomes,
    verifications: overview.verifications,
    latency: latencySeries(overview.latency, axis),
    gas: gasSeries(overview.transactions, axis),
    batchSizes: overview.batchSizes,
    batchSizeMean: batchSizeMean(overview.batchSizes),
  }
}
