/**
 * @module
 * Records settled payments in the discovery catalogue off the settlement path. A settlement hands
 * its payment over and returns at once; one writer checks and stores them one at a time, after
 * the answer has gone out. Payments for the same resource and network waiting together collapse
 * into the latest, the queue is bounded, and no failure here ever reaches a settlement.
 */
import type { DiscoveryCatalog, PaymentPayload, PaymentRequirements } from '@tollgate/core'
import type { Logger } from '../logger.ts'
import { catalogueEntry } from './catalogueEntry.ts'

interface Pending {
  payload: PaymentPayload
  requirements: PaymentRequirements
  at: Date
}

export interface CatalogueWriterOptions {
  /** Payments waiting to be catalogued; more are dropped (and logged). @default 1000 */
  queueMax?: number
  /** The clock, for `lastUpdated`. @default () => new Date() */
  now?: () => Date
}

export class CatalogueWriter {
  readonly #catalog: DiscoveryCatalog
  readonly #logger: Logger
  readonly #queueMax: number
  readonly #now: () => Date
  readonly #pending = new Map<string, Pending>()
  #draining: Promise<void> | undefined

  constructor(catalog: DiscoveryCatalog, logger: Logger, options: CatalogueWriterOptions = {}) {
    this.#catalog = catalog
    this.#logger = logger
    this.#queueMax = options.queueMax ?? 1000
    this.#now = options.now ?? (() => new Date())
  }

  /** Queues a settled payment; returns at once and never throws. */
  add(payload: PaymentPayload, requirements: PaymentRequirements): void {
    if (payload.extensions?.bazaar === undefined) return
    const key = pendingKey(payload, requirements)
    if (!this.#pending.has(key) && this.#pending.size >= this.#queueMax) {
      this.#logger.warn({ resource: payload.resource?.url }, 'discovery queue full: not catalogued')
      return
    }
    // Re-inserted, so a resource paid again moves behind the others and carries the latest payment.
    this.#pending.delete(key)
    this.#pending.set(key, { payload, requirements, at: this.#now() })
    this.#draining ??= this.#drain()
  }

  /** Resolves when every queued payment has been handled (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining
  }

  async #drain(): Promise<void> {
    // The settlement's answer is written before any checking starts.
    await new Promise((resolve) => setImmediate(resolve))
    for (;;) {
      const next = this.#pending.entries().next()
      if (next.done) {
        // Cleared in the same step as the emptiness check, so a payment added now starts a drain.
        this.#draining = undefined
        return
      }
      const [key, pending] = next.value
      this.#pending.delete(key)
      await this.#record(pending)
    }
  }

  async #record({ payload, requirements, at }: Pending): Promise<void> {
    const resource = payload.resource?.url
    try {
      const built = catalogueEntry(payload, requirements, at)
      if (!built.ok) {
        this.#logger.warn(
          { resource, reason: built.reason, errors: built.errors },
          'bazaar declaration not catalogued',
        )
        return
      }
      await this.#catalog.upsert(built.entry)
    } catch (error) {
      this.#logger.error(
        { resource, err: error instanceof Error ? error.message : String(error) },
        'discovery catalogue write failed',
      )
    }
  }
}

/**
 * Payments waiting together for one resource and tool on one scheme and network collapse into
 * one write; on another network each keeps its own, since the catalogue lists every network's.
 */
function pendingKey(payload: PaymentPayload, requirements: PaymentRequirements): string {
  const url = (payload.resource?.url ?? '').split(/[?#]/, 1)[0]
  const info: unknown = Reflect.get(Object(payload.extensions?.bazaar), 'info')
  const input = Object(Reflect.get(Object(info), 'input'))
  const tool: unknown = Reflect.get(input, 'toolName') ?? Reflect.get(input, 'tool')
  const offer = `${requirements.scheme}|${requirements.network}`
  return `${url}\n${typeof tool === 'string' ? tool : ''}\n${offer}`
}
