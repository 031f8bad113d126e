import type { PaymentPayload, PaymentRequired } from '@tollgate/core'
import { paymentIdentifierKey } from './paymentIdentifier.ts'

/** `WrapFetchOptions.payAhead`: how long an offer is remembered, and for how many URLs. */
export interface PayAheadOptions {
  /** @default 300000 (five minutes) */
  ttlMs?: number | undefined
  /** @default 256 */
  urls?: number | undefined
}

/**
 * Extensions that say nothing about one request alone: a payment id is made afresh for every
 * payment, and discovery metadata describes the route. Any other (a sign-in challenge, say)
 * belongs to the 402 it came in, so an offer carrying one is never paid unasked.
 */
const lastingExtensions = new Set([paymentIdentifierKey, 'bazaar'])

/**
 * What each URL asked for when this client last paid it, so that the next request can carry a
 * payment from the start: only `exact` offers of x402 v2, only the requirement that was paid,
 * for `ttlMs`; past `urls`, the one used least recently is forgotten first.
 */
export class RememberedOffers {
  readonly #ttlMs: number
  readonly #urls: number
  /** In order of use, the most recent last. */
  readonly #offers = new Map<string, { required: PaymentRequired; untilMs: number }>()

  constructor(options: PayAheadOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 300_000
    this.#urls = options.urls ?? 256
    if (!Number.isSafeInteger(this.#ttlMs) || this.#ttlMs < 1)
      throw new RangeError(`payAhead.ttlMs must be a whole number of milliseconds ≥ 1`)
    if (!Number.isSafeInteger(this.#urls) || this.#urls < 1)
      throw new RangeError(`payAhead.urls must be a whole number ≥ 1`)
  }

  /** The offer to pay ahead for `key` (method and URL), if one is remembered and fresh. */
  recall(key: string, nowMs = Date.now()): PaymentRequired | undefined {
    const entry = this.#offers.get(key)
    if (!entry) return undefined
    this.#offers.delete(key)
    if (entry.untilMs <= nowMs) return undefined
    this.#offers.set(key, entry)
    return entry.required
  }

  /** After a payment for `key` settled: remembers what it paid, if that may be paid unasked. */
  remember(key: string, required: PaymentRequired, paid: PaymentPayload, nowMs = Date.now()): void {
    if (required.x402Version !== 2 || paid.accepted.scheme !== 'exact') return
    const extensions = Object.keys(required.extensions ?? {})
    if (extensions.some((name) => !lastingExtensions.has(name))) return
    this.#offers.delete(key)
    this.#offers.set(key, {
      required: { ...required, accepts: [paid.accepted] },
      untilMs: nowMs + this.#ttlMs,
    })
    for (const oldest of this.#offers.keys()) {
      if (this.#offers.size <= this.#urls) break
      this.#offers.delete(oldest)
    }
  }

  forget(key: string): void {
    this.#offers.delete(key)
  }
}
