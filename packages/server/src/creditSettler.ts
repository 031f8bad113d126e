import {
  type CreditEntry,
  type CreditLine,
  type FacilitatorClient,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
} from '@tollgate/core'
import { facilitatorTrouble } from './facilitatorTrouble.ts'

export interface CreditSettlerOptions {
  credit: CreditLine
  /** Who settles a credited payment: its scheme's settlement, or the facilitator. */
  settlementFor(requirements: PaymentRequirements): Pick<FacilitatorClient, 'settle'>
  /** Settle once this many are waiting. @default 20 */
  batchSize?: number | undefined
  /** Or once the oldest waited this long. @default 250 */
  batchMs?: number | undefined
  /** Wait before asking again when the facilitator could not answer. @default 2000 */
  retryMs?: number | undefined
  /** Where a failure to record an outcome is reported; the entry stays outstanding. */
  onError?: ((error: unknown) => void) | undefined
}

/** The payment a credit entry carries, as the gate wrote it. */
interface CreditedPayment {
  payload: PaymentPayload
  requirements: PaymentRequirements
}

/**
 * Settles the payments served on credit, in batches bounded by size and time. A settled
 * payment leaves the book; one the facilitator refuses becomes the agent's debt; one it cannot
 * answer for is asked again until the entry's deadline, then becomes a debt. A restarted
 * server calls `resume` and settles what the book still holds outstanding, so no credited
 * payment is forgotten. Settling is idempotent at the facilitator, so two instances settling
 * the same entry move the money once.
 */
export class CreditSettler {
  readonly #options: CreditSettlerOptions
  readonly #queue = new Map<string, CreditEntry>()
  readonly #inFlight = new Set<string>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  #draining: Promise<void> = Promise.resolve()

  constructor(options: CreditSettlerOptions) {
    this.#options = options
  }

  /** Queues one credited payment for settlement. */
  enqueue(entry: CreditEntry): void {
    if (this.#closed || this.#inFlight.has(entry.id)) return
    this.#queue.set(entry.id, entry)
    if (this.#queue.size >= (this.#options.batchSize ?? 20)) this.#flushSoon(0)
    else this.#flushSoon(this.#options.batchMs ?? 250)
  }

  /** Queues everything the book holds outstanding (after a restart, or another instance's). */
  async resume(): Promise<number> {
    const outstanding = await this.#options.credit.book.outstanding({ limit: 1000 })
    for (const entry of outstanding) this.enqueue(entry)
    return outstanding.length
  }

  /** Settles what is queued now; resolves once each has an outcome or was re-queued. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = [...this.#queue.values()]
    this.#queue.clear()
    for (const entry of batch) this.#inFlight.add(entry.id)
    const run = Promise.all(batch.map((entry) => this.#settle(entry))).then(() => undefined)
    this.#draining = this.#draining.then(() => run)
    return run
  }

  /** Stops taking work; waits for settlements already sent. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    await this.#draining
  }

  #flushSoon(delayMs: number): void {
    if (this.#timer && delayMs > 0) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.flush(), delayMs)
    this.#timer.unref?.()
  }

  async #settle(entry: CreditEntry): Promise<void> {
    try {
      const credited = creditedPayment(entry)
      if (!credited) return await this.#default(entry, 'the entry carries no readable payment')
      const { payload, requirements } = credited
      let receipt: Awaited<ReturnType<FacilitatorClient['settle']>> | undefined
      try {
        receipt = await this.#options.settlementFor(requirements).settle(payload, requirements)
      } catch {
        receipt = undefined
      }
      if (receipt?.success && receipt.transaction) {
        await this.#options.credit.book.settled(entry.id, receipt.transaction)
        await this.#after(() => this.#options.credit.onSettled?.(entry, receipt.transaction))
        return
      }
      const reason = receipt?.errorReason
      const answerable =
        receipt !== undefined &&
        !facilitatorTrouble(reason) &&
        reason !== reasonOf('SETTLEMENT_PENDING')
      if (answerable) {
        const why = `${reason ?? reasonOf('CREDIT_SETTLEMENT_FAILED')}${receipt?.errorMessage ? `: ${receipt.errorMessage}` : ''}`
        return await this.#default(entry, why)
      }
      if (Date.now() >= entry.deadline.getTime())
        return await this.#default(
          entry,
          `${reasonOf('CREDIT_SETTLEMENT_FAILED')}: not settled by ${entry.deadline.toISOString()} (last answer: ${reason ?? 'none'})`,
        )
      this.#retryLater(entry)
    } catch (error) {
      this.#options.onError?.(error)
      this.#retryLater(entry)
    } finally {
      this.#inFlight.delete(entry.id)
    }
  }

  async #default(entry: CreditEntry, reason: string): Promise<void> {
    await this.#options.credit.book.defaulted(entry.id, reason)
    await this.#after(() => this.#options.credit.onDefaulted?.(entry, reason))
  }

  /**
   * Runs an outcome hook once the book holds the outcome. Its failure is reported, never retried:
   * settling again would run the hook again (a second rating for one payment).
   */
  async #after(hook: () => Promise<void> | undefined): Promise<void> {
    try {
      await hook()
    } catch (error) {
      this.#options.onError?.(error)
    }
  }

  #retryLater(entry: CreditEntry): void {
    if (this.#closed) return
    const timer = setTimeout(() => this.enqueue(entry), this.#options.retryMs ?? 2_000)
    timer.unref?.()
  }
}

/** The payment as the gate stored it beside the entry (its own write, so only shape-checked). */
function creditedPayment(entry: CreditEntry): CreditedPayment | undefined {
  try {
    const stored: unknown = JSON.parse(entry.payment)
    const payload = Reflect.get(Object(stored), 'payload')
    const requirements = Reflect.get(Object(stored), 'requirements')
    if (typeof payload !== 'object' || payload === null) return undefined
    if (typeof requirements !== 'object' || requirements === null) return undefined
    return { payload, requirements } as CreditedPayment
  } catch {
    return undefined
  }
}
