import type { ClaimResult, NewPayment, SettlementLedger } from '@tollgate/core'
import { Batcher } from './batcher.ts'

interface ClaimRequest {
  payment: NewPayment
  resolve: (result: ClaimResult) => void
  reject: (error: unknown) => void
}

/**
 * Claims arriving together go to the ledger in one statement. While one statement runs, the next
 * claims gather: the ledger runs one statement at a time anyway, so this only saves round trips.
 */
export class ClaimBatcher {
  readonly #batcher: Batcher<ClaimRequest>

  constructor(ledger: SettlementLedger, owner: string, leaseMs: number) {
    this.#batcher = new Batcher({
      maxSize: 500,
      maxWaitMs: 0,
      maxConcurrent: 1,
      flush: async (requests) => {
        try {
          const results = await ledger.claimMany(
            requests.map((request) => request.payment),
            owner,
            leaseMs,
          )
          for (const [index, request] of requests.entries()) request.resolve(results[index]!)
        } catch (error) {
          for (const request of requests) request.reject(error)
        }
      },
    })
  }

  claim(payment: NewPayment): Promise<ClaimResult> {
    return new Promise((resolve, reject) => this.#batcher.add({ payment, resolve, reject }))
  }
}
