import { type ErrorCode, formatAtomicUnits, reasonOf } from '@tollgate/core'
import type { PaymentRefusal } from '../paymentChecks.ts'
import {
  type ClosedPaymentMandate,
  closedPaymentMandateVct,
  type MandateAmount,
  type OpenPaymentMandate,
  openPaymentMandateVct,
  type Payee,
} from './mandates.ts'

/** What was already spent under an open mandate, as the wallet counts it. */
export interface MandateHistory {
  /** In millionths of a dollar for dollar currencies, else in the mandate's minor units. */
  spent: bigint
  payments: number
}

type Scaled = { unit: string; value: bigint }

/**
 * An amount on a common scale: US dollars (cents) and the dollar stablecoins with 6 decimals
 * (USDC's atomic units) both in millionths of a dollar, so a mandate written in USD bounds a
 * payment in USDC; any other currency only against itself.
 */
export function scaledAmount(amount: MandateAmount): Scaled {
  const value = BigInt(Math.trunc(amount.amount))
  if (amount.currency === 'USD') return { unit: 'usd', value: value * 10_000n }
  if (amount.currency === 'USDC') return { unit: 'usd', value }
  return { unit: amount.currency, value }
}

/** An AP2 amount as people read it: `$0.05`, `0.001 USDC`. */
export function amountText(amount: unknown, currency: unknown): string {
  const units = BigInt(Math.trunc(Number(amount ?? 0)))
  if (currency === 'USD') return `$${formatAtomicUnits(units, 2)}`
  if (currency === 'USDC') return `${formatAtomicUnits(units, 6)} USDC`
  return `${units} (minor units of ${String(currency)})`
}

function refuse(code: ErrorCode, message: string): PaymentRefusal {
  return { reason: reasonOf(code), message }
}

function payeeMatches(allowed: Payee, payee: Payee): boolean {
  const same = (a: string | undefined, b: string | undefined) =>
    a === undefined || (b !== undefined && a.toLowerCase() === b.toLowerCase())
  return (
    (allowed.id !== undefined || allowed.name !== undefined || allowed.website !== undefined) &&
    same(allowed.id, payee.id) &&
    same(allowed.name, payee.name) &&
    same(allowed.website, payee.website)
  )
}

/**
 * Whether the closed mandate keeps every constraint of the open one (AP2 v0.2: an unknown
 * constraint fails). Without `history`, the budget and recurrence are checked for this payment
 * alone: only the wallet knows what was spent before.
 */
export function evaluateMandate(
  open: OpenPaymentMandate,
  closed: ClosedPaymentMandate,
  options: { now?: number; history?: MandateHistory } = {},
): PaymentRefusal | undefined {
  const now = options.now ?? Math.floor(Date.now() / 1000)
  if (open.vct !== openPaymentMandateVct)
    return refuse(
      'MANDATE_MALFORMED',
      `the open mandate's vct is ${open.vct}, not ${openPaymentMandateVct}`,
    )
  if (closed.vct !== closedPaymentMandateVct)
    return refuse(
      'MANDATE_MALFORMED',
      `the closed mandate's vct is ${closed.vct}, not ${closedPaymentMandateVct}`,
    )
  if (typeof open.exp === 'number' && open.exp <= now)
    return refuse(
      'MANDATE_EXPIRED',
      `the mandate expired at ${new Date(open.exp * 1000).toISOString()}`,
    )
  if (typeof closed.exp === 'number' && closed.exp <= now)
    return refuse('MANDATE_EXPIRED', 'the closed mandate has expired')
  const paying = scaledAmount(closed.payment_amount)
  for (const constraint of open.constraints ?? []) {
    const problem = check(constraint, closed, paying, options.history, now)
    if (problem) return problem
  }
  return undefined
}

function check(
  constraint: Record<string, unknown>,
  closed: ClosedPaymentMandate,
  paying: Scaled,
  history: MandateHistory | undefined,
  now: number,
): PaymentRefusal | undefined {
  const money = (value: unknown, currency: unknown) =>
    scaledAmount({ amount: Number(value ?? 0), currency: String(currency ?? '') })
  switch (constraint.type) {
    case 'payment.amount_range': {
      const max = money(constraint.max, constraint.currency)
      const min = money(constraint.min ?? 0, constraint.currency)
      if (max.unit !== paying.unit || paying.value > max.value || paying.value < min.value)
        return refuse(
          'MANDATE_AMOUNT_OUT_OF_RANGE',
          `${amountText(closed.payment_amount.amount, closed.payment_amount.currency)} is outside the mandate's range of ${amountText(constraint.min ?? 0, constraint.currency)} to ${amountText(constraint.max, constraint.currency)} a payment`,
        )
      return undefined
    }
    case 'payment.budget': {
      const max = money(constraint.max, constraint.currency)
      const total = paying.value + (history?.spent ?? 0n)
      if (max.unit !== paying.unit || total > max.value)
        return refuse(
          'MANDATE_BUDGET_EXCEEDED',
          `the payment would bring the mandate's spending over its budget of ${amountText(constraint.max, constraint.currency)} (${amountText(String(history?.spent ?? 0n), paying.unit === 'usd' ? 'USDC' : constraint.currency)} already spent or reserved)`,
        )
      return undefined
    }
    case 'payment.agent_recurrence': {
      const most = Number(constraint.max_occurrences)
      if (Number.isFinite(most) && (history?.payments ?? 0) + 1 > most)
        return refuse('MANDATE_BUDGET_EXCEEDED', `the mandate allows at most ${most} payments`)
      return undefined
    }
    case 'payment.allowed_payees': {
      const allowed = Array.isArray(constraint.allowed) ? (constraint.allowed as Payee[]) : []
      if (!allowed.some((payee) => payeeMatches(payee, closed.payee)))
        return refuse(
          'MANDATE_PAYEE_NOT_ALLOWED',
          `${closed.payee.id ?? closed.payee.website ?? 'the payee'} is not a payee the mandate allows`,
        )
      return undefined
    }
    case 'payment.allowed_payment_instruments': {
      const allowed = Array.isArray(constraint.allowed)
        ? (constraint.allowed as { id?: string; type?: string }[])
        : []
      const instrument = closed.payment_instrument
      if (
        !allowed.some(
          (item) =>
            (item.id ?? instrument.id) === instrument.id &&
            (item.type ?? instrument.type) === instrument.type,
        )
      )
        return refuse(
          'MANDATE_PAYEE_NOT_ALLOWED',
          `${instrument.id} is not an instrument the mandate allows`,
        )
      return undefined
    }
    case 'payment.execution_date': {
      const at = closed.execution_date ? Date.parse(closed.execution_date) : now * 1000
      const before =
        typeof constraint.not_before === 'string' ? Date.parse(constraint.not_before) : -Infinity
      const after =
        typeof constraint.not_after === 'string' ? Date.parse(constraint.not_after) : Infinity
      if (!(at >= before && at <= after))
        return refuse('MANDATE_EXPIRED', "the payment falls outside the mandate's execution dates")
      return undefined
    }
    default:
      return refuse(
        'MANDATE_CONSTRAINT_UNKNOWN',
        `the mandate has a constraint this verifier cannot evaluate (${String(constraint.type)}); AP2 fails those`,
      )
  }
}
