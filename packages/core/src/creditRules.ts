/**
 * The rules every credit book applies, in one place so the stores cannot drift apart: what a
 * valid reservation is, when one is admitted, and how a repeated one is answered.
 */
import {
  type CreditEntry,
  type CreditLimits,
  type CreditListOptions,
  type CreditRefusalCode,
  type CreditReservation,
  creditListLimitDefault,
  creditListLimitMax,
  type NewCreditEntry,
} from './credit.ts'

/** Longest `reason` kept for a default; longer ones are cut so the debt is still recorded. */
export const creditReasonLengthMax = 1000

/** Longest id, agent and unit: keys and names, never documents. */
const nameLengthMax = 512
/** A payment is a header's worth of JSON (`paymentHeaderLengthMax`) plus its requirements. */
const paymentLengthMax = 64 * 1024
const transactionLengthMax = 256

/** What the book knows of an agent in a unit when it decides, without the entry at hand. */
export interface CreditStanding {
  /** The agent has a defaulted entry, in any unit. */
  inDebt: boolean
  /** The agent's outstanding in the unit. */
  outstanding: bigint
  /** Everyone's outstanding in the unit. */
  totalOutstanding: bigint
}

function checkName(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > nameLengthMax)
    throw new TypeError(`a credit entry's ${field} must be 1 to ${nameLengthMax} characters`)
}

/** Throws on a reservation no book should hold; the caller's bug or bad input, never a refusal. */
export function checkCreditReservation(entry: NewCreditEntry, limits: CreditLimits): void {
  checkName('id', entry.id)
  checkName('agent', entry.agent)
  checkName('unit', entry.unit)
  if (typeof entry.amount !== 'bigint' || entry.amount <= 0n)
    throw new RangeError('a credit entry amount must be a bigint above zero')
  if (typeof entry.payment !== 'string' || entry.payment.length > paymentLengthMax)
    throw new TypeError(`a credit entry payment must be a string of at most ${paymentLengthMax}`)
  checkCreditTime('deadline', entry.deadline)
  for (const name of ['perAgentMax', 'totalMax'] as const) {
    const cap = limits[name]
    if (typeof cap !== 'bigint' || cap < 0n)
      throw new RangeError(`credit limit ${name} must be a bigint of zero or more`)
  }
}

/** Throws on a time that is not one (an invalid Date). */
export function checkCreditTime(name: string, time: Date): void {
  if (!(time instanceof Date) || Number.isNaN(time.getTime()))
    throw new TypeError(`${name} must be a valid Date`)
}

/** Throws on a transaction id that cannot be one. */
export function checkCreditTransaction(transaction: string): void {
  if (typeof transaction !== 'string' || transaction === '')
    throw new TypeError('a settlement needs its transaction')
  if (transaction.length > transactionLengthMax)
    throw new TypeError(`a transaction must be at most ${transactionLengthMax} characters`)
}

/** The reason as stored: cut to `creditReasonLengthMax`. */
export function creditReason(reason: string): string {
  return String(reason).slice(0, creditReasonLengthMax)
}

/** The listing size asked for, checked. */
export function creditListLimit(options: CreditListOptions = {}): number {
  const limit = options.limit ?? creditListLimitDefault
  if (!Number.isInteger(limit) || limit < 1 || limit > creditListLimitMax)
    throw new RangeError(
      `a credit listing limit must be an integer from 1 to ${creditListLimitMax}`,
    )
  return limit
}

/** Why a new entry of `amount` is refused, or undefined to admit it. Debt first, then the caps. */
export function creditAdmission(
  standing: CreditStanding,
  amount: bigint,
  limits: CreditLimits,
): CreditRefusalCode | undefined {
  if (standing.inDebt) return 'CREDIT_IN_DEBT'
  if (standing.outstanding + amount > limits.perAgentMax) return 'CREDIT_AGENT_LIMIT'
  if (standing.totalOutstanding + amount > limits.totalMax) return 'CREDIT_TOTAL_LIMIT'
  return undefined
}

/** The answer to a reservation whose id the book already holds as `existing`. */
export function repeatedReservation(
  existing: CreditEntry,
  entry: NewCreditEntry,
  standing: CreditStanding,
): CreditReservation {
  if (
    existing.agent !== entry.agent ||
    existing.unit !== entry.unit ||
    existing.amount !== entry.amount
  )
    throw new TypeError(`credit entry ${entry.id} is held for another agent, unit or amount`)
  if (existing.state === 'outstanding' || existing.state === 'settled')
    return { admitted: true, entry: existing }
  // It failed to settle once: even forgiven, the same payment is not served on credit again.
  return creditRefusal('CREDIT_IN_DEBT', standing)
}

/** The refusal answer for `code`, with the standing the book saw. */
export function creditRefusal(
  code: CreditRefusalCode,
  standing: CreditStanding,
): CreditReservation {
  return {
    admitted: false,
    code,
    outstanding: standing.outstanding,
    totalOutstanding: standing.totalOutstanding,
  }
}
