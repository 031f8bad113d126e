import {
  assert,
  type MessagePaymentDetails,
  type MessageReleaseCause,
  type MessageSettlementClaim,
  type MessageSettlementRecord,
  type MessageSettlementRecords,
  type MessageSubmission,
  type SettleResponse,
} from '@tollgate/core'

/** Options of the in-memory records; the interface itself is in `@tollgate/core`. */
export interface InMemoryMessageSettlementRecordsOptions {
  /**
   * How long a record is kept after its last change. Longer than a blockhash lives (about 90 s),
   * so a transaction that could still land is always remembered.
   * @default 900000 (15 minutes)
   */
  retentionMs?: number | undefined
  /** Milliseconds since the epoch; injected for tests. */
  now?: (() => number) | undefined
}

/**
 * Records in this process's memory: exactly once within one facilitator process. They keep no
 * ledger, so the payment details and release causes a claim carries are not stored.
 */
export class InMemoryMessageSettlementRecords implements MessageSettlementRecords {
  readonly #records = new Map<string, { record: MessageSettlementRecord; touchedMs: number }>()
  readonly #retentionMs: number
  readonly #now: () => number

  constructor(options: InMemoryMessageSettlementRecordsOptions = {}) {
    this.#retentionMs = options.retentionMs ?? 900_000
    this.#now = options.now ?? Date.now
  }

  async claim(
    messageHash: string,
    claim: { network: string; owner: string; leaseMs: number; payment: MessagePaymentDetails },
  ): Promise<MessageSettlementClaim> {
    this.#prune()
    const now = this.#now()
    const existing = this.#records.get(messageHash)?.record
    // A claim not submitted within its lease was abandoned (its process crashed). Within one
    // process, concurrent settles of a payment share one promise and never reach this point.
    const abandoned = existing?.state === 'claimed' && existing.leaseUntilMs < now
    if (existing && !abandoned) return { status: 'existing', record: { ...existing } }
    const record: MessageSettlementRecord = {
      messageHash,
      network: claim.network,
      state: 'claimed',
      owner: claim.owner,
      leaseUntilMs: now + claim.leaseMs,
    }
    this.#records.set(messageHash, { record, touchedMs: now })
    return { status: 'claimed', record: { ...record } }
  }

  async get(messageHash: string): Promise<MessageSettlementRecord | undefined> {
    const entry = this.#records.get(messageHash)
    return entry ? { ...entry.record } : undefined
  }

  async submit(messageHash: string, submission: MessageSubmission): Promise<void> {
    this.#update(messageHash, (record) => ({ ...record, ...submission, state: 'submitted' }))
  }

  async finish(messageHash: string, outcome: SettleResponse): Promise<void> {
    this.#update(messageHash, (record) => ({ ...record, outcome, state: 'finished' }))
  }

  async include(messageHash: string, outcome: SettleResponse): Promise<void> {
    this.#update(messageHash, (record) => ({ ...record, outcome, state: 'included' }))
  }

  async revert(messageHash: string): Promise<void> {
    this.#update(messageHash, (record) => {
      if (record.state !== 'included') return record
      const { outcome: _abandoned, ...rest } = record
      return { ...rest, state: 'submitted' }
    })
  }

  /** No ledger here: a pending payment is simply still `submitted`. */
  async pending(_messageHash: string, _message: string): Promise<void> {}

  async release(messageHash: string, owner: string, _cause: MessageReleaseCause): Promise<void> {
    const entry = this.#records.get(messageHash)
    if (entry?.record.state === 'claimed' && entry.record.owner === owner) {
      this.#records.delete(messageHash)
    }
  }

  #update(
    messageHash: string,
    change: (record: MessageSettlementRecord) => MessageSettlementRecord,
  ) {
    const entry = this.#records.get(messageHash)
    assert(entry, `a settlement record is changed only after its claim (${messageHash})`)
    this.#records.set(messageHash, { record: change(entry.record), touchedMs: this.#now() })
  }

  #prune() {
    const oldest = this.#now() - this.#retentionMs
    for (const [hash, entry] of this.#records) {
      if (entry.touchedMs < oldest) this.#records.delete(hash)
    }
  }
}
