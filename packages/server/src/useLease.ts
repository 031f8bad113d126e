import type { PaymentUse, ResponseStore } from '@tollgate/core'
import type { Presentation } from './paymentUses.ts'

/** What became of a write to the record: done, the record is another's now, or no answer. */
export type LeaseWrite = 'written' | 'lost' | 'unreachable'

/**
 * The holder's side of an in-flight record: renews its lease while the handler runs and the
 * payment settles, so a live holder is never taken over, and learns when it was (a renewal or a
 * write that finds another holder). Every write goes through one queue, so a renewal never lands
 * after the final record. The timer does not keep the process alive, and stops with the record.
 */
export class UseLease {
  readonly #store: ResponseStore
  readonly #key: string
  readonly holder: string
  readonly #use: PaymentUse
  readonly #leaseMs: number
  #timer: ReturnType<typeof setInterval> | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #lost = false
  #done = false
  /** The lease as last written by this holder. */
  #heldUntilMs: number

  constructor(store: ResponseStore, presentation: Presentation, holder: string, use: PaymentUse) {
    this.#store = store
    this.#key = presentation.key
    this.holder = holder
    this.#use = use
    this.#leaseMs = presentation.leaseMs
    this.#heldUntilMs = use.leaseUntilMs ?? 0
    // Renewed three times per lease: two renewals may be slow before a live holder looks dead.
    this.#timer = setInterval(() => this.#renew(), Math.max(10, Math.floor(this.#leaseMs / 3)))
    this.#timer.unref?.()
  }

  /** The record was taken by another presentation: this holder must not release anything. */
  get lost(): boolean {
    return this.#lost
  }

  /**
   * Whether the record is still ours, after any write under way; renewed now unless most of the
   * lease is still ahead. Only a holder whose lease ran out can be taken over (`takeOver`), so
   * until then the answer needs no write (one store round trip less per paid request).
   */
  async confirm(): Promise<LeaseWrite> {
    return this.#enqueue(async () => {
      if (this.#done || this.#lost) return this.#lost ? 'lost' : 'written'
      if (this.#heldUntilMs - Date.now() > (this.#leaseMs * 2) / 3) return 'written'
      return this.#write({ ...this.#use, leaseUntilMs: this.#leaseEnd() })
    })
  }

  /** Stops renewing and writes the record's next state, e.g. `settled`. */
  async finish(use: PaymentUse): Promise<LeaseWrite> {
    this.#stop()
    return this.#enqueue(() => this.#write(use))
  }

  /** Stops renewing and drops the record if it is still ours; never rejects. */
  async release(): Promise<void> {
    this.#stop()
    await this.#enqueue(async () => {
      if (!this.#lost) await this.#store.release(this.#key, this.holder).catch(() => undefined)
      return 'written' as const
    })
  }

  #renew(): void {
    if (Date.now() >= this.#use.expiresAtMs) {
      this.#stop()
      return
    }
    this.confirm().catch(() => undefined)
  }

  #leaseEnd(): number {
    return Math.min(Date.now() + this.#leaseMs, this.#use.expiresAtMs)
  }

  async #write(use: PaymentUse): Promise<LeaseWrite> {
    if (this.#lost) return 'lost'
    let kept: boolean
    try {
      kept = await this.#store.replace(this.#key, this.holder, use)
    } catch {
      return 'unreachable'
    }
    if (!kept) {
      this.#lost = true
      if (this.#timer !== undefined) clearInterval(this.#timer)
      this.#timer = undefined
      return 'lost'
    }
    this.#heldUntilMs = use.leaseUntilMs ?? 0
    return 'written'
  }

  #enqueue(work: () => Promise<LeaseWrite>): Promise<LeaseWrite> {
    const next = this.#queue.then(work)
    this.#queue = next.catch(() => undefined)
    return next
  }

  #stop(): void {
    this.#done = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }
}
