import type { SettlementLedger } from '@tollgate/core'
import type { FacilitatorClock } from './clock.ts'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'

type Row = Parameters<SettlementLedger['recordVerifications']>[0][number]

/** Rows written in one statement at most; more start a write at once. */
const maxRowsPerWrite = 500
/** How long a row waits for others to share its write. */
const writeDelayMs = 250

/**
 * Every verification goes into the ledger. The rows are written in batches, off the request's
 * path: verification moves no money, so a record may trail the answer by a moment, and a failed
 * write is logged rather than retried.
 */
export class VerificationLog {
  readonly #ledger: SettlementLedger
  readonly #clock: FacilitatorClock
  readonly #logger: EvmFacilitatorLogger
  readonly #rows: Row[] = []
  #scheduled = false

  constructor(ledger: SettlementLedger, clock: FacilitatorClock, logger: EvmFacilitatorLogger) {
    this.#ledger = ledger
    this.#clock = clock
    this.#logger = logger
  }

  add(row: Row): void {
    this.#rows.push(row)
    if (this.#rows.length >= maxRowsPerWrite) {
      void this.flush()
      return
    }
    if (this.#scheduled) return
    this.#scheduled = true
    void this.#clock.sleep(writeDelayMs).then(() => this.flush())
  }

  async flush(): Promise<void> {
    this.#scheduled = false
    const rows = this.#rows.splice(0)
    if (rows.length === 0) return
    await this.#ledger
      .recordVerifications(rows)
      .catch(logFailure(this.#logger, 'recording verifications', { rows: rows.length }))
  }
}
