import {
  type ClaimResult,
  type NewPayment,
  parseStrictJson,
  type SettlementLedger,
  TollgateError,
} from '@tollgate/core'
import { Batcher } from './batcher.ts'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'

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

  constructor(
    ledger: Pick<SettlementLedger, 'claimMany'>,
    owner: string,
    leaseMs: number,
    logger: EvmFacilitatorLogger,
  ) {
    const claimMany = (requests: ClaimRequest[]) =>
      ledger.claimMany(
        requests.map((request) => request.payment),
        owner,
        leaseMs,
      )
    this.#batcher = new Batcher({
      maxSize: 500,
      maxWaitMs: 0,
      maxConcurrent: 1,
      onFlushError: logFailure(logger, 'a claim batch'),
      flush: async (requests) => {
        let results: ClaimResult[]
        try {
          results = await claimMany(requests)
        } catch (error) {
          if (requests.length === 1) {
            requests[0]!.reject(error)
            return
          }
          // One payment the database refuses fails the statement for all: each claim is tried
          // alone, so only that payment fails. Claiming is idempotent (the same key again is the
          // existing record), so a second try never claims a payment twice.
          await Promise.all(requests.map((request) => claimAlone(request, claimMany)))
          return
        }
        for (const [index, request] of requests.entries()) request.resolve(results[index]!)
      },
    })
  }

  claim(payment: NewPayment): Promise<ClaimResult> {
    // What the database cannot store never joins a batch (the HTTP edge refuses it already; an
    // application calling the facilitator directly may not).
    const problem = unstorable(payment)
    if (problem) return Promise.reject(new TollgateError('PAYLOAD_MALFORMED', problem))
    return new Promise((resolve, reject) => this.#batcher.add({ payment, resolve, reject }))
  }
}

/** Why the payment's JSON cannot be stored (core's strict rules), or undefined. */
function unstorable(payment: NewPayment): string | undefined {
  let text: string
  try {
    text = JSON.stringify(payment.payment)
  } catch (error) {
    return `the payment cannot be stored as JSON: ${(error as Error).message}`
  }
  const parsed = parseStrictJson(text)
  return parsed.ok ? undefined : `the payment cannot be stored: ${parsed.error}`
}

async function claimAlone(
  request: ClaimRequest,
  claimMany: (requests: ClaimRequest[]) => Promise<ClaimResult[]>,
): Promise<void> {
  try {
    const [result] = await claimMany([request])
    request.resolve(result!)
  } catch (error) {
    request.reject(error)
  }
}
