/**
 * What this server has done with each payment. A payment is used by one request at a time and
 * releases content at most once; a payment whose settlement is pending or unknown may come back
 * to finish settling, but is not verified again (its nonce may already be spent).
 */
export type PaymentState = 'in-flight' | 'pending' | 'settled'

export class ReplayGuard {
  readonly #states = new Map<string, { state: PaymentState; expiresAtMs: number }>()
  readonly #entriesMax: number

  constructor(entriesMax = 100_000) {
    this.#entriesMax = entriesMax
  }

  state(key: string): PaymentState | undefined {
    const entry = this.#states.get(key)
    if (entry && entry.expiresAtMs < Date.now() && entry.state !== 'in-flight') {
      this.#states.delete(key)
      return undefined
    }
    return entry?.state
  }

  set(key: string, state: PaymentState, ttlMs: number): void {
    this.#states.delete(key)
    this.#states.set(key, { state, expiresAtMs: Date.now() + ttlMs })
    for (const [oldKey, entry] of this.#states) {
      if (this.#states.size <= this.#entriesMax) break
      if (entry.state !== 'in-flight') this.#states.delete(oldKey)
    }
  }

  forget(key: string): void {
    this.#states.delete(key)
  }
}
