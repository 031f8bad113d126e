import type {
  CreditAgentSummary,
  CreditBook,
  CreditChange,
  CreditEntry,
  CreditLimits,
  CreditListOptions,
  CreditReservation,
  NewCreditEntry,
} from './credit.ts'
import {
  type CreditStanding,
  checkCreditReservation,
  checkCreditTime,
  checkCreditTransaction,
  creditAdmission,
  creditListLimit,
  creditReason,
  creditRefusal,
  repeatedReservation,
} from './creditRules.ts'

export interface MemoryCreditBookOptions {
  /** Injected clock for the entries' times. @default () => new Date() */
  now?: (() => Date) | undefined
}

/** A copy, so a caller changing what it got cannot change the book. */
function copyOf(entry: CreditEntry): CreditEntry {
  return {
    ...entry,
    deadline: new Date(entry.deadline),
    createdAt: new Date(entry.createdAt),
    updatedAt: new Date(entry.updatedAt),
  }
}

function emptySummary(agent: string, unit: string): CreditAgentSummary {
  return {
    agent,
    unit,
    outstanding: 0n,
    outstandingCount: 0,
    settled: 0n,
    settledCount: 0,
    defaulted: 0n,
    defaultedCount: 0,
    forgiven: 0n,
    forgivenCount: 0,
  }
}

/**
 * A credit book in this process's memory, for tests, demos and a single server that may forget
 * its book on restart. Each operation runs to completion before the next (no await inside), so
 * concurrent calls are atomic. Servers that run several instances, or must remember debts, use
 * `SqlCreditBook` of `@tollgate/ledger`.
 * @example
 * const book = new MemoryCreditBook()
 * const answer = await book.reserve(entry, { perAgentMax: 5_000n, totalMax: 50_000n })
 * if (answer.admitted) serveNow()
 */
export class MemoryCreditBook implements CreditBook {
  readonly #entries = new Map<string, CreditEntry>()
  /** Ids by state, so an admission reads what is at risk without scanning every entry. */
  readonly #outstanding = new Set<string>()
  readonly #defaulted = new Set<string>()
  /** Outstanding sums per unit and per agent and unit, and debts per agent: O(1) admissions. */
  readonly #unitOutstanding = new Map<string, bigint>()
  readonly #agentOutstanding = new Map<string, bigint>()
  readonly #debts = new Map<string, bigint>()
  readonly #now: () => Date

  constructor(options: MemoryCreditBookOptions = {}) {
    this.#now = options.now ?? (() => new Date())
  }

  async reserve(entry: NewCreditEntry, limits: CreditLimits): Promise<CreditReservation> {
    checkCreditReservation(entry, limits)
    const standing = this.#standing(entry.agent, entry.unit)
    const existing = this.#entries.get(entry.id)
    if (existing) {
      const answer = repeatedReservation(existing, entry, standing)
      return answer.admitted ? { admitted: true, entry: copyOf(answer.entry) } : answer
    }
    const refused = creditAdmission(standing, entry.amount, limits)
    if (refused) return creditRefusal(refused, standing)
    const now = this.#now()
    const admitted: CreditEntry = {
      id: entry.id,
      agent: entry.agent,
      unit: entry.unit,
      amount: entry.amount,
      payment: entry.payment,
      deadline: new Date(entry.deadline),
      state: 'outstanding',
      createdAt: now,
      updatedAt: now,
    }
    this.#put(admitted)
    return { admitted: true, entry: copyOf(admitted) }
  }

  async cancel(id: string): Promise<boolean> {
    const entry = this.#entries.get(id)
    if (entry?.state !== 'outstanding') return false
    this.#count(entry, -1)
    this.#entries.delete(id)
    return true
  }

  async settled(id: string, transaction: string): Promise<CreditChange | undefined> {
    checkCreditTransaction(transaction)
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    const previous = entry.state
    if (previous !== 'settled')
      this.#put({ ...entry, state: 'settled', transaction, updatedAt: this.#now() })
    return { entry: copyOf(this.#entries.get(id) ?? entry), previous }
  }

  async defaulted(id: string, reason: string): Promise<CreditChange | undefined> {
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    const previous = entry.state
    if (previous === 'outstanding')
      this.#put({
        ...entry,
        state: 'defaulted',
        reason: creditReason(reason),
        updatedAt: this.#now(),
      })
    return { entry: copyOf(this.#entries.get(id) ?? entry), previous }
  }

  async forgive(agent: string): Promise<number> {
    let forgiven = 0
    for (const id of [...this.#defaulted]) {
      const entry = this.#entries.get(id)
      if (entry?.agent !== agent) continue
      this.#put({ ...entry, state: 'forgiven', updatedAt: this.#now() })
      forgiven++
    }
    return forgiven
  }

  async outstanding(options?: CreditListOptions): Promise<CreditEntry[]> {
    const limit = creditListLimit(options)
    return this.#outstandingEntries()
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map(copyOf)
  }

  async overdue(now: Date, options?: CreditListOptions): Promise<CreditEntry[]> {
    checkCreditTime('now', now)
    const limit = creditListLimit(options)
    return this.#outstandingEntries()
      .filter((entry) => entry.deadline.getTime() <= now.getTime())
      .sort((a, b) => a.deadline.getTime() - b.deadline.getTime())
      .slice(0, limit)
      .map(copyOf)
  }

  async agents(options?: CreditListOptions): Promise<CreditAgentSummary[]> {
    const limit = creditListLimit(options)
    const summaries = new Map<string, CreditAgentSummary>()
    for (const entry of this.#entries.values()) {
      const key = `${entry.agent}\n${entry.unit}`
      const summary = summaries.get(key) ?? emptySummary(entry.agent, entry.unit)
      summary[entry.state] += entry.amount
      summary[`${entry.state}Count`] += 1
      summaries.set(key, summary)
    }
    return [...summaries.values()]
      .sort((a, b) => compareText(a.agent, b.agent) || compareText(a.unit, b.unit))
      .slice(0, limit)
  }

  async entry(id: string): Promise<CreditEntry | undefined> {
    const entry = this.#entries.get(id)
    return entry ? copyOf(entry) : undefined
  }

  /** Stores `entry` and keeps the ids by state, and the sums at risk, in step with it. */
  #put(entry: CreditEntry): void {
    const before = this.#entries.get(entry.id)
    if (before) this.#count(before, -1)
    this.#entries.set(entry.id, entry)
    this.#count(entry, 1)
  }

  /** Adds (`sign` 1) or removes (-1) an entry from the state sets and the running sums. */
  #count(entry: CreditEntry, sign: 1 | -1): void {
    const set =
      entry.state === 'outstanding'
        ? this.#outstanding
        : entry.state === 'defaulted'
          ? this.#defaulted
          : undefined
    if (sign > 0) set?.add(entry.id)
    else set?.delete(entry.id)
    if (entry.state === 'outstanding') {
      const amount = sign > 0 ? entry.amount : -entry.amount
      bump(this.#unitOutstanding, entry.unit, amount)
      bump(this.#agentOutstanding, `${entry.agent}\n${entry.unit}`, amount)
    }
    if (entry.state === 'defaulted') bump(this.#debts, entry.agent, BigInt(sign))
  }

  #outstandingEntries(): CreditEntry[] {
    return [...this.#outstanding].flatMap((id) => this.#entries.get(id) ?? [])
  }

  #standing(agent: string, unit: string): CreditStanding {
    return {
      inDebt: (this.#debts.get(agent) ?? 0n) > 0n,
      outstanding: this.#agentOutstanding.get(`${agent}\n${unit}`) ?? 0n,
      totalOutstanding: this.#unitOutstanding.get(unit) ?? 0n,
    }
  }
}

/** Adds `delta` to a running sum, dropping sums that come back to zero. */
function bump(sums: Map<string, bigint>, key: string, delta: bigint): void {
  const next = (sums.get(key) ?? 0n) + delta
  if (next === 0n) sums.delete(key)
  else sums.set(key, next)
}

/** Code-point order, the same as SQL's `collate "C"`, so both books list agents alike. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
