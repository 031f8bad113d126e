import type { SettlementLedger } from '@tollgate/core'
import { fixturePayment } from './ledgerFixtures.ts'

export interface ClaimWorkload {
  /** Keys shared by every worker; each batch takes some of them in a random order. */
  keys: string[]
  rounds: number
  batchSize: number
  /** Batches one worker has in flight at once (each on a connection of its own). */
  concurrency: number
  seed: number
}

export interface ClaimTally {
  /** How many times this worker was told it claimed each key. */
  claimed: Record<string, number>
  errors: string[]
}

/** A small seeded generator (mulberry32), so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Claims overlapping batches of the same keys, each in a random order, with a lease of 0 ms so
 * every claim after the first takes the row over again: inserts and take-overs of shared rows
 * from every worker at once, which is where lock order decides between waiting and deadlock.
 */
export async function runClaimWorkload(
  ledger: Pick<SettlementLedger, 'claimMany'>,
  owner: string,
  workload: ClaimWorkload,
): Promise<ClaimTally> {
  const random = seededRandom(workload.seed)
  const tally: ClaimTally = { claimed: {}, errors: [] }
  const batches = Array.from({ length: workload.rounds * workload.concurrency }, () => {
    const shuffled = [...workload.keys].sort(() => random() - 0.5)
    return shuffled.slice(0, workload.batchSize)
  })
  const lane = async (index: number) => {
    for (let round = index; round < batches.length; round += workload.concurrency) {
      const batch = batches[round]!
      try {
        const results = await ledger.claimMany(
          batch.map((key) => fixturePayment(key)),
          owner,
          0,
        )
        for (const [position, result] of results.entries()) {
          if (result.payment.key !== batch[position])
            tally.errors.push(`result ${position} is for ${result.payment.key}`)
          if (result.status === 'claimed')
            tally.claimed[result.payment.key] = (tally.claimed[result.payment.key] ?? 0) + 1
        }
      } catch (error) {
        tally.errors.push(String(error))
      }
    }
  }
  await Promise.all(Array.from({ length: workload.concurrency }, (_, index) => lane(index)))
  return tally
}
