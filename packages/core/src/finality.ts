import type { SettleResponse } from './wire/types.ts'

/**
 * How final a successful settlement is, carried in a settle answer's `extra.finality`. A
 * facilitator answers success once the transaction is in a block (`included`); it is
 * `confirmed` once it is the network's confirmation depth deep (on Solana: `finalized`), and
 * only then safe from a reorganisation. Answers without it (other facilitators) count as
 * confirmed: nothing better is known of them.
 */
export interface SettlementFinality {
  state: 'included' | 'confirmed'
  /** Blocks mined on top of the one holding the transaction (0: it is in the newest block). */
  confirmations: number
  /** The network's confirmation depth: `confirmed` once `confirmations` reaches it. */
  required: number
}

export const finalityKey = 'finality'

/** The finality a settle answer reports, or `undefined` when it reports none. */
export function finalityOf(response: SettleResponse): SettlementFinality | undefined {
  const value = response.extra?.[finalityKey]
  if (typeof value !== 'object' || value === null) return undefined
  const { state, confirmations, required } = value as Record<string, unknown>
  if (state !== 'included' && state !== 'confirmed') return undefined
  if (typeof confirmations !== 'number' || typeof required !== 'number') return undefined
  return { state, confirmations, required }
}

/** A settle answer with its finality recorded in `extra`. */
export function withFinality(
  response: SettleResponse,
  finality: SettlementFinality,
): SettleResponse {
  return { ...response, extra: { ...response.extra, [finalityKey]: { ...finality } } }
}
