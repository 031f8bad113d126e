import { type PaymentRequirements, reasonOf, toAtomicUnits } from '@tollgate/core'
import type { GateResponse } from './responses.ts'
import { type HeaderSource, headerRecord } from './storedResponses.ts'

/** The response header an `upto` handler sets to charge less than the authorized maximum. */
export const settlementOverridesHeader = 'settlement-overrides'

/**
 * What a handler charges for a usage-based payment, read from its `Settlement-Overrides` header
 * (`{"amount": "<atomic>" | "<percent>%" | "$<dollars>"}`, the reference's forms). The charge is
 * capped at the authorized maximum: an override above it is refused here, before the facilitator
 * is asked (the reference 2.27 passes it through, x402 #3334). Without the header the charge is
 * the maximum.
 */
export function chargeOf(
  requirements: PaymentRequirements,
  headers: HeaderSource,
  decimals: number | undefined,
): { amount: string } | { problem: string } {
  const raw = headerRecord(headers)[settlementOverridesHeader]
  if (raw === undefined) return { amount: requirements.amount }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return { problem: `${settlementOverridesHeader} is not JSON: ${raw.slice(0, 80)}` }
  }
  const amount = (parsed as { amount?: unknown } | null)?.amount
  if (typeof amount !== 'string') {
    return {
      problem: `${settlementOverridesHeader} needs {"amount": "<atomic>|<percent>%|$<usd>"}`,
    }
  }
  const maximum = BigInt(requirements.amount)
  const charge = resolve(amount, maximum, decimals)
  if (typeof charge === 'string') return { problem: charge }
  if (charge > maximum) {
    return {
      problem: `the charge ${charge} exceeds the ${maximum} the buyer authorized; nothing was charged`,
    }
  }
  return { amount: charge.toString() }
}

function resolve(amount: string, maximum: bigint, decimals: number | undefined): bigint | string {
  const percent = /^(\d{1,3})(?:\.(\d{1,2}))?%$/.exec(amount)
  if (percent) {
    const hundredths = BigInt(percent[1]!) * 100n + BigInt((percent[2] ?? '').padEnd(2, '0'))
    return (maximum * hundredths) / 10_000n
  }
  if (/^\$\d+(\.\d+)?$/.test(amount)) {
    if (decimals === undefined)
      return `the asset's decimals are unknown, so ${amount} cannot be converted`
    try {
      return toAtomicUnits(amount, decimals)
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  }
  if (/^(0|[1-9][0-9]{0,77})$/.test(amount)) return BigInt(amount)
  return `${amount} is not an atomic amount, a percentage or a dollar price`
}

/** 500: the handler asked for a charge the payment cannot carry. Nothing is charged or served. */
export function overrideRefusedResponse(message: string): GateResponse {
  return {
    status: 500,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: reasonOf('SETTLEMENT_OVERRIDE_INVALID'), message }),
  }
}
