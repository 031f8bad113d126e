/**
 * The claim batcher on the real ledger, embedded PGlite and the PostgreSQL server: one payment the
 * database refuses fails the batched insert for every claim in it. Method: honest claims sent
 * together with refused ones (JSON the database cannot store: a NUL, a lone surrogate; a column
 * value it rejects), so they share one statement; the honest ones must be claimed and stored, the
 * refused ones rejected and absent. Without the batcher's isolation every honest claim of the
 * batch fails with the database's error.
 */
import type { NewPayment, SettlementLedger } from '@tollgate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClaimBatcher } from '../packages/evm/src/facilitator/claimBatcher.ts'
import { silentEvmLogger } from '../packages/evm/src/facilitator/failureLog.ts'
import { fixturePayment, ledgerEngines } from './support/ledgerFixtures.ts'

/** A payment whose (ignored) resource description and amount are what the test says. */
function payment(key: string, description: string, amount = '1000'): NewPayment {
  const base = fixturePayment(key, { amount })
  const paymentPayload = {
    ...base.payment.paymentPayload,
    resource: { url: 'http://x', description },
  }
  return { ...base, payment: { ...base.payment, paymentPayload } }
}

const engines = await ledgerEngines('claim_batch')

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`claim batches on ${engine}`, () => {
    let ledger: SettlementLedger
    beforeAll(async () => {
      ledger = await open()
    })
    afterAll(() => ledger?.close())

    it('claims the honest payments of a batch that holds ones the database refuses', async () => {
      const batches: number[] = []
      const batcher = new ClaimBatcher(
        {
          claimMany: (payments, owner, leaseMs) => {
            batches.push(payments.length)
            return ledger.claimMany(payments, owner, leaseMs)
          },
        },
        'p1',
        30_000,
        silentEvmLogger,
      )
      // JSON the database cannot store, and a column it refuses (not a number).
      const claims = [
        payment(`${engine}-0`, 'ok'),
        payment(`${engine}-1`, 'a\u0000b'),
        payment(`${engine}-2`, 'ok'),
        payment(`${engine}-3`, 'ok', 'not-a-number'),
        payment(`${engine}-4`, 'a\uD800b'),
        payment(`${engine}-5`, 'ok'),
        payment(`${engine}-6`, '\uDC00'),
        payment(`${engine}-7`, 'ok'),
      ]
      const honest = [0, 2, 5, 7]
      const outcomes = await Promise.allSettled(claims.map((claim) => batcher.claim(claim)))
      // The unstorable JSON never joined the batch; the other five shared one statement, which
      // the bad amount failed; then each went alone.
      expect(batches).toEqual([5, 1, 1, 1, 1, 1])
      for (const [index, claim] of claims.entries()) {
        const stored = await ledger.findByKey(claim.key)
        if (honest.includes(index)) {
          expect(outcomes[index]).toMatchObject({
            status: 'fulfilled',
            value: { status: 'claimed', payment: { key: claim.key, owner: 'p1' } },
          })
          expect(stored?.state).toBe('received')
        } else {
          expect(outcomes[index]?.status).toBe('rejected')
          expect(stored).toBeUndefined()
        }
      }
      // Claimed once: the same key again is the existing record.
      expect((await batcher.claim(claims[0]!)).status).toBe('existing')
    })
  })
}
