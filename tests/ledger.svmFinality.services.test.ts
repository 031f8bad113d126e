/**
 * Solana settlements below finality in the ledger's database, on both engines: an included
 * settlement keeps its answer and its ledger payment is `included`; one whose block was
 * abandoned goes back to `submitted` on both sides; a timed-out wait shows `pending`; a fee
 * payer that could not pay leaves the payment open, and the retry is the same payment.
 */
import { type MessagePaymentDetails, reasonOf } from '@tollgate/core'
import { openLedger, SqlMessageSettlements } from '@tollgate/ledger'
import { afterAll, describe, expect, it } from 'vitest'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const postgresAvailable = await requireService('postgres')
const schema = uniqueSchema('svmfinality')

const engines: Array<[string, boolean, () => ReturnType<typeof openLedger>]> = [
  ['PGlite', true, () => openLedger()],
  ['PostgreSQL', postgresAvailable, () => openLedger({ databaseUrl: postgresUrl, schema })],
]

const network = 'solana:local'
const submission = { transaction: 'sig1', raw: 'AQID', blockhash: 'hash1', payer: 'Buyer111' }
const included = {
  success: true,
  transaction: 'sig1',
  network,
  payer: 'Buyer111',
  extra: { finality: { state: 'included', confirmations: 0, required: 32 } },
}
const requirements = {
  scheme: 'exact',
  network,
  amount: '1000',
  asset: 'Mint111',
  payTo: 'Merchant111',
  maxTimeoutSeconds: 60,
}
const payment: MessagePaymentDetails = {
  scheme: 'exact',
  payer: 'Buyer111',
  payTo: 'Merchant111',
  asset: 'Mint111',
  amount: '1000',
  payment: {
    paymentPayload: {
      x402Version: 2,
      accepted: requirements,
      payload: { transaction: 'AQID' },
    },
    paymentRequirements: requirements,
  },
}
const claim = { network, owner: 'process-1', leaseMs: 60_000, payment }

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`Solana settlements below finality on ${engine}`, () => {
    let ledger: Awaited<ReturnType<typeof openLedger>> | undefined
    afterAll(() => ledger?.close())

    async function records() {
      ledger ??= await open()
      return { ledger, records: new SqlMessageSettlements(ledger.sql) }
    }

    async function history(key: string): Promise<string[]> {
      const { ledger: opened } = await records()
      const rows = await opened.sql.query<{ state: string }>(
        `select e.state from tollgate_payment_events e join tollgate_payments p
         on p.id = e.payment_id where p.key = $1 order by e.id`,
        [key],
      )
      return rows.map((row) => row.state)
    }

    it('keeps an included answer, takes it back when its block is abandoned, in step', async () => {
      const { ledger: opened, records: store } = await records()
      const hash = `msg-${engine}-included`
      const key = `${network}|${hash}`
      await store.claim(hash, claim)
      await store.submit(hash, submission)
      await store.pending(hash, 'not yet seen by the cluster')
      expect((await opened.findByKey(key))?.state).toBe('pending')
      await store.include(hash, included)
      expect(await store.get(hash)).toMatchObject({ state: 'included', outcome: included })
      expect((await opened.findByKey(key))?.state).toBe('included')
      const again = await store.claim(hash, claim)
      expect(again).toMatchObject({ status: 'existing', record: { state: 'included' } })

      await store.revert(hash)
      const reverted = await store.get(hash)
      expect(reverted?.state).toBe('submitted')
      expect(reverted?.outcome).toBeUndefined()
      expect((await opened.findByKey(key))?.state).toBe('submitted')
      // Only an included record goes back: a second revert changes nothing.
      await store.revert(hash)

      const confirmed = { ...included, extra: { finality: { ...included.extra.finality } } }
      confirmed.extra.finality.state = 'confirmed'
      await store.include(hash, included)
      await store.finish(hash, confirmed)
      await store.revert(hash)
      expect(await store.get(hash)).toMatchObject({ state: 'finished', outcome: confirmed })
      expect(await history(key)).toEqual([
        'received',
        'verified',
        'submitted',
        'pending',
        'included',
        'submitted',
        'included',
        'confirmed',
      ])
    })

    it('leaves a payment open when the fee payer could not pay, and retries it as the same payment', async () => {
      const { ledger: opened, records: store } = await records()
      const hash = `msg-${engine}-dry`
      const key = `${network}|${hash}`
      await store.claim(hash, claim)
      const reason = reasonOf('SVM_FEE_PAYER_UNFUNDED')
      await store.release(hash, 'process-1', { reason, message: 'no lamports', retryable: true })
      const open = await opened.findByKey(key)
      expect([open?.state, open?.reason]).toEqual(['received', reason])
      expect(await store.get(hash)).toBeUndefined()

      expect((await store.claim(hash, { ...claim, owner: 'process-2' })).status).toBe('claimed')
      const retried = await opened.findByKey(key)
      expect([retried?.id, retried?.state, retried?.attempts]).toEqual([open?.id, 'received', 2])
      expect(retried?.reason).toBeUndefined()
    })
  })
}
