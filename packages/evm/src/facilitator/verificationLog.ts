import type { SettlementLedger } from '@tollgate/core'

type Row = Parameters<SettlementLedger['recordVerifications']>[0][number]

/**
 * Every verification goes into the ledger. The rows are written in batches, off the request's
 * path: verification moves no money, so a record may trail the answer by a moment.
 */
export class VerificationLog {
  readonly #ledger: SettlementLedger
  readonly #rows: Row[] = []
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(ledger: SettlementLedger) {
    this.#ledger = ledger
  }

  add(row: Row): void {
    this.#rows.push(row)
    if (this.#rows.length >= 500) void this.flush()
    else this.#timer ??= setTimeout(() => void this.flush(), 250).unref()
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    const rows = this.#rows.splice(0)
    await this.#ledger.recordVerifications(rows).catch(() => undefined)
  }
}
