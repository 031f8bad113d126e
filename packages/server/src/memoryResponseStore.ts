import {
  leaseExpired,
  type PaymentClaim,
  type PaymentUse,
  type ResponseStore,
} from '@tollgate/core'

/**
 * Payment records in this process only: for tests, and runtimes without a filesystem. Nothing
 * survives a restart, and other instances do not see it.
 */
export class MemoryResponseStore implements ResponseStore {
  readonly #uses = new Map<string, PaymentUse>()
  readonly #entriesMax: number

  constructor(options: { entriesMax?: number } = {}) {
    this.#entriesMax = options.entriesMax ?? 100_000
  }

  async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
    const current = this.#live(key)
    if (current) return { claimed: false, current: copyOf(current) }
    this.#uses.set(key, copyOf(use))
    this.#evict()
    return { claimed: true }
  }

  async get(key: string): Promise<PaymentUse | undefined> {
    const current = this.#live(key)
    return current ? copyOf(current) : undefined
  }

  async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    const current = this.#live(key)
    if (current?.holder !== holder) return false
    this.#uses.delete(key)
    this.#uses.set(key, copyOf(use))
    return true
  }

  async takeOver(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    const current = this.#live(key)
    if (current?.holder !== holder || !leaseExpired(current, Date.now())) return false
    this.#uses.delete(key)
    this.#uses.set(key, copyOf(use))
    return true
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.#live(key)?.holder === holder) this.#uses.delete(key)
  }

  #live(key: string): PaymentUse | undefined {
    const current = this.#uses.get(key)
    if (current && current.expiresAtMs <= Date.now()) {
      this.#uses.delete(key)
      return undefined
    }
    return current
  }

  /** Oldest first, never a payment being served: dropping one would let a copy in. */
  #evict(): void {
    for (const [key, use] of this.#uses) {
      if (this.#uses.size <= this.#entriesMax) break
      if (use.state !== 'in-flight') this.#uses.delete(key)
    }
  }
}

/**
 * A copy that shares nothing with the caller's record (what `structuredClone` gives, at a
 * fraction of its cost on this small fixed shape).
 */
function copyOf(use: PaymentUse): PaymentUse {
  const response = use.response
  return response
    ? {
        ...use,
        response: {
          status: response.status,
          headers: { ...response.headers },
          body: response.body.slice(),
        },
      }
    : { ...use }
}
