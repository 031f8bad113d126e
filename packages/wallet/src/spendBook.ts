import { z } from 'zod'
import { type Budget, budgetPeriods, formatUsd } from './policy.ts'

export interface SpendRecord {
  id: string
  createdAt: string
  url: string
  host: string
  network: string
  asset: string
  payTo: string
  /** Atomic units of the asset. */
  amount: string
  decimals: number
  /** Dollars. */
  usd: string
  state: SpendState
  reason?: string
  transaction?: string
  payer?: string
}

export interface SpendRequest {
  url: string
  host: string
  network: string
  asset: string
  payTo: string
  amount: bigint
  decimals: number
  usdMicros: bigint
  /** How long the authorization may be settled after signing. */
  validForSeconds: number
}

export type Reservation =
  | { ok: true; id: string }
  | { ok: false; budget: Budget; host?: string; spentMicros: bigint }

export interface SpendChange {
  state: SpendState
  reason?: string | undefined
  transaction?: string | undefined
  payer?: string | undefined
  paymentIdentifier?: string | undefined
  /**
   * What a usage-based (`upto`) payment was charged once settled, below the reserved maximum:
   * from then on the budget counts this instead.
   */
  charged?: { amount: string; usdMicros: string } | undefined
}

/** One payment as a journal keeps it: times in milliseconds, money in atomic units and micros. */
export const spendEntrySchema = z.object({
  id: z.string(),
  createdAtMs: z.number(),
  expiresAtMs: z.number(),
  url: z.string(),
  host: z.string(),
  network: z.string(),
  asset: z.string(),
  payTo: z.string(),
  amount: z.string().regex(/^\d+$/),
  decimals: z.number().int(),
  usdMicros: z.string().regex(/^\d+$/),
  state: z.enum(['reserved', 'signed', 'settled', 'failed', 'pending', 'abandoned']),
  reason: z.string().optional(),
  transaction: z.string().optional(),
  payer: z.string().optional(),
  paymentIdentifier: z.string().optional(),
})
export type SpendEntry = z.output<typeof spendEntrySchema>
export type SpendState = SpendEntry['state']

/** A failed authorization counts until it expires, plus this margin for clocks that differ. */
export const expiryMarginSeconds = 60

/**
 * The payments of a store in memory, and the budget rules over them. What counts against a
 * budget: everything not known to have failed, and a failed payment until its authorization
 * expires (until then, whoever holds it could still settle it). Abandoned payments never count.
 */
export class SpendBook {
  readonly #entries = new Map<string, SpendEntry>()

  get size(): number {
    return this.#entries.size
  }

  entries(): IterableIterator<SpendEntry> {
    return this.#entries.values()
  }

  /** Adds a reserved payment, or names the first budget it would break. */
  reserve(
    request: SpendRequest,
    budgets: readonly Budget[],
    id: string,
    nowMs: number,
  ): { reservation: Reservation; entry?: SpendEntry } {
    for (const budget of budgets) {
      if (budget.host && budget.host.toLowerCase() !== request.host) continue
      const host = budget.host || budget.eachHost ? request.host : undefined
      const spentMicros = this.spent(budget, host, nowMs)
      if (spentMicros + request.usdMicros > budget.limit)
        return { reservation: { ok: false, budget, spentMicros, ...(host ? { host } : {}) } }
    }
    const entry: SpendEntry = {
      id,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + (request.validForSeconds + expiryMarginSeconds) * 1000,
      url: request.url,
      host: request.host,
      network: request.network,
      asset: request.asset,
      payTo: request.payTo,
      amount: request.amount.toString(),
      decimals: request.decimals,
      usdMicros: request.usdMicros.toString(),
      state: 'reserved',
    }
    this.put(entry)
    return { reservation: { ok: true, id }, entry }
  }

  put(entry: SpendEntry): void {
    this.#entries.set(entry.id, entry)
  }

  /** Moves a payment on; the payer, transaction and reason are kept once known. */
  update(id: string, change: SpendChange): void {
    const entry = this.#entries.get(id)
    if (!entry) return
    entry.state = change.state
    if (change.reason !== undefined) entry.reason = change.reason
    if (change.transaction !== undefined) entry.transaction = change.transaction
    if (change.payer !== undefined) entry.payer = change.payer
    if (change.paymentIdentifier !== undefined) entry.paymentIdentifier = change.paymentIdentifier
    if (change.charged !== undefined) {
      entry.amount = change.charged.amount
      entry.usdMicros = change.charged.usdMicros
    }
  }

  spent(budget: Budget, host: string | undefined, nowMs: number): bigint {
    let total = 0n
    for (const entry of this.#counted(budget, nowMs)) {
      if (host === undefined || entry.host === host) total += BigInt(entry.usdMicros)
    }
    return total
  }

  hostsWithin(budget: Budget, nowMs: number): string[] {
    const hosts = new Set<string>()
    for (const entry of this.#counted(budget, nowMs)) hosts.add(entry.host)
    return [...hosts].sort()
  }

  /** Newest first. */
  list(options: { limit?: number; sinceSeconds?: number }, nowMs: number): SpendRecord[] {
    const since =
      options.sinceSeconds === undefined ? -Infinity : nowMs - options.sinceSeconds * 1000
    // Latest added first, and the sort is stable: payments of one millisecond keep their order.
    return [...this.#entries.values()]
      .reverse()
      .filter((entry) => entry.createdAtMs > since)
      .sort((a, b) => b.createdAtMs - a.createdAtMs)
      .slice(0, options.limit ?? 100)
      .map(toRecord)
  }

  *#counted(budget: Budget, nowMs: number): Generator<SpendEntry> {
    const since = budget.per ? nowMs - budgetPeriods[budget.per] * 1000 : -Infinity
    for (const entry of this.#entries.values()) {
      if (entry.createdAtMs <= since) continue
      const counts =
        entry.state === 'failed' ? entry.expiresAtMs > nowMs : entry.state !== 'abandoned'
      if (counts) yield entry
    }
  }
}

function toRecord(entry: SpendEntry): SpendRecord {
  return {
    id: entry.id,
    createdAt: new Date(entry.createdAtMs).toISOString(),
    url: entry.url,
    host: entry.host,
    network: entry.network,
    asset: entry.asset,
    payTo: entry.payTo,
    amount: entry.amount,
    decimals: entry.decimals,
    usd: formatUsd(BigInt(entry.usdMicros)),
    state: entry.state,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.transaction ? { transaction: entry.transaction } : {}),
    ...(entry.payer ? { payer: entry.payer } : {}),
  }
}
