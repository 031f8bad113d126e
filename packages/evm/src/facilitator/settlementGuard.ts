import type { SettleResponse } from '@tollgate/core'

interface Settled {
  signature: string
  outcome: SettleResponse
}

/**
 * Keeps one authorization from being settled twice inside this process. A second settle of the
 * same authorization joins the one in flight or gets its recorded outcome (same tx hash); a
 * different signature over the same authorization is refused. Failed attempts are not kept, so
 * a retry can succeed; pending ones are, so a retry waits on the same transaction.
 */
export class SettlementGuard {
  readonly #inFlight = new Map<string, { signature: string; promise: Promise<SettleResponse> }>()
  readonly #settled = new Map<string, Settled>()
  readonly #entriesMax: number

  constructor(options: { entriesMax?: number } = {}) {
    this.#entriesMax = options.entriesMax ?? 100_000
  }

  async run(
    key: string,
    signature: string,
    settle: (previous: SettleResponse | undefined) => Promise<SettleResponse>,
  ): Promise<SettleResponse | 'conflict'> {
    const running = this.#inFlight.get(key)
    if (running) return running.signature === signature ? running.promise : 'conflict'
    const previous = this.#settled.get(key)
    if (previous && previous.signature !== signature) return 'conflict'
    if (previous?.outcome.success) return previous.outcome

    const promise = settle(previous?.outcome)
    this.#inFlight.set(key, { signature, promise })
    try {
      const outcome = await promise
      if (outcome.success || outcome.transaction !== '') {
        this.#remember(key, { signature, outcome })
      } else {
        this.#settled.delete(key)
      }
      return outcome
    } finally {
      this.#inFlight.delete(key)
    }
  }

  #remember(key: string, entry: Settled): void {
    this.#settled.delete(key)
    this.#settled.set(key, entry)
    // Oldest first (a Map keeps insertion order): an authorization past its expiry can never
    // be settled again anyway, so the oldest entries are the ones safest to forget.
    for (const oldest of this.#settled.keys()) {
      if (this.#settled.size <= this.#entriesMax) break
      this.#settled.delete(oldest)
    }
  }
}
