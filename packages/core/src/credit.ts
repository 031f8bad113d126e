/**
 * The credit book: where a resource server that serves trusted agents before their payment
 * settles ("serve first, pay later") records and bounds the money at risk. Every entry is one
 * credited payment; its amount counts against the agent's cap and the total cap of its unit
 * while it is `outstanding`. Stores are shared by every instance of a server, so each operation
 * is atomic across the processes that share one.
 */

/**
 * `outstanding`: served, not settled yet (the amount is at risk). `settled`: the money arrived.
 * `defaulted`: it failed to settle; a debt that stops all credit to the agent. `forgiven`: a
 * debt the operator wrote off, so credit resumes.
 */
export type CreditState = 'outstanding' | 'settled' | 'defaulted' | 'forgiven'

export const creditStates: readonly CreditState[] = [
  'outstanding',
  'settled',
  'defaulted',
  'forgiven',
]

/** One payment served on credit. */
export interface CreditEntry {
  /** The payment's key (the signed content the chain executes once): one entry per payment. */
  id: string
  /** Who owes it, e.g. `eip155:31337:0x8004…:7` (registry and agent id). */
  agent: string
  /** `<network>/<asset>`: caps and sums are per unit, since amounts of two assets never add up. */
  unit: string
  /** Atomic units of the asset; always more than zero. */
  amount: bigint
  /** What the settler needs to settle it after a restart (JSON the book does not read). */
  payment: string
  /** Settle by: once past, the entry is overdue and the settler makes it a debt. */
  deadline: Date
  state: CreditState
  /** The settlement transaction, once settled. */
  transaction?: string | undefined
  /**
   * Why it defaulted. Kept when a late settlement clears the debt, so a settled entry with a
   * reason is one that had defaulted first.
   */
  reason?: string | undefined
  createdAt: Date
  updatedAt: Date
}

/** What a reservation gives; the book sets the state and the times. */
export type NewCreditEntry = Pick<
  CreditEntry,
  'id' | 'agent' | 'unit' | 'amount' | 'payment' | 'deadline'
>

/** The caps of one unit, in its atomic units. */
export interface CreditLimits {
  /** Most one agent may have outstanding at once. */
  perAgentMax: bigint
  /** Most all agents together may have outstanding at once. */
  totalMax: bigint
}

/** Why a reservation was refused: codes of core's table. */
export type CreditRefusalCode = 'CREDIT_IN_DEBT' | 'CREDIT_AGENT_LIMIT' | 'CREDIT_TOTAL_LIMIT'

export type CreditReservation =
  /** Serve now: the entry is the book's (new, or the one an earlier reservation made). */
  | { admitted: true; entry: CreditEntry }
  /**
   * Settle first. `outstanding` is the agent's and `totalOutstanding` the unit's, both without
   * this entry, as the book saw them when it refused.
   */
  | {
      admitted: false
      code: CreditRefusalCode
      outstanding: bigint
      totalOutstanding: bigint
    }

/** The outcome of `settled` or `defaulted`: the entry as it is now and the state it left. */
export interface CreditChange {
  entry: CreditEntry
  /** Equal to `entry.state` when nothing changed. */
  previous: CreditState
}

/** One agent's standing in one unit, for a dashboard: sums in atomic units, and counts. */
export interface CreditAgentSummary {
  agent: string
  unit: string
  outstanding: bigint
  outstandingCount: number
  settled: bigint
  settledCount: number
  defaulted: bigint
  defaultedCount: number
  forgiven: bigint
  forgivenCount: number
}

export interface CreditListOptions {
  /** At most this many rows, from 1 to `creditListLimitMax`. @default 1000 */
  limit?: number | undefined
}

/** The default and the largest `limit` of a listing. */
export const creditListLimitDefault = 1000
export const creditListLimitMax = 10_000

/**
 * The port. Operations reject when the store cannot be reached (SQL stores with a
 * `TollgateError` coded `CREDIT_BOOK_UNAVAILABLE`): callers then extend no credit. Arguments
 * out of range throw a `TypeError` or `RangeError`.
 */
export interface CreditBook {
  /**
   * Admits `entry` atomically, only when the agent has no debt (a defaulted entry in any unit),
   * its outstanding in the unit plus `amount` is at most `perAgentMax`, and the unit's total
   * outstanding plus `amount` is at most `totalMax`. Checked in that order; the first that fails
   * is the code.
   *
   * Idempotent on `id`: an entry the book holds is never counted twice. While it is
   * `outstanding` or `settled` it is answered admitted as it stands (check `entry.state`); once
   * `defaulted` or `forgiven` it is refused as `CREDIT_IN_DEBT`, since a payment that failed to
   * settle is never credited again. The same id with another agent, unit or amount is a
   * `TypeError`.
   */
  reserve(entry: NewCreditEntry, limits: CreditLimits): Promise<CreditReservation>
  /**
   * Drops an `outstanding` entry as if it was never reserved (the response was not served, so
   * nothing is owed). False when there was none or it had moved on.
   */
  cancel(id: string): Promise<boolean>
  /**
   * Records the settlement. An outstanding entry becomes settled. A settled one is left as it
   * is (the first transaction stays). A defaulted or forgiven one becomes settled too, because
   * the money did arrive: the debt clears, and `previous` tells the caller it was late.
   * Undefined for an id the book does not hold.
   */
  settled(id: string, transaction: string): Promise<CreditChange | undefined>
  /**
   * Records that the payment failed to settle: an outstanding entry becomes a debt that blocks
   * the agent. Any other entry is left as it is (a settled one stays settled: a later failure,
   * such as a duplicate settlement, does not undo money that arrived). Reasons longer than
   * `creditReasonLengthMax` are cut. Undefined for an id the book does not hold.
   */
  defaulted(id: string, reason: string): Promise<CreditChange | undefined>
  /** The operator writes off the agent's debts (all units): they become forgiven. Returns how many. */
  forgive(agent: string): Promise<number>
  /** Entries still outstanding, oldest first: what a restarted settler picks up. */
  outstanding(options?: CreditListOptions): Promise<CreditEntry[]>
  /** Outstanding entries whose deadline is at or before `now`, earliest deadline first. */
  overdue(now: Date, options?: CreditListOptions): Promise<CreditEntry[]>
  /** Each agent's standing per unit, by agent then unit (code-point order). */
  agents(options?: CreditListOptions): Promise<CreditAgentSummary[]>
  entry(id: string): Promise<CreditEntry | undefined>
}
