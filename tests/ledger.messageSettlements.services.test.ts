/**
 * Solana settlement records in the ledger's database, on both engines: one claimant per message
 * hash however many facilitators ask at once, the signed transaction kept before broadcast, an
 * abandoned claim taken over only after its lease, and the final answer for every later ask.
 * Each settlement is a payment of the ledger too, with its history, which EVM recovery leaves to
 * the records.
 */
import { type MessagePaymentDetails, reasonOf } from '@tollgate/core'
import { openLedger, SqlLedgerReports, SqlMessageSettlements } from '@tollgate/ledger'
import { afterAll, describe, expect, it } from 'vitest'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const postgresAvailable = await requireService('postgres')
const schema = uniqueSchema('svm')

const engines: Array<[string, boolean, () => ReturnType<typeof openLedger>]> = [
  ['PGlite', true, () => openLedger()],
  ['PostgreSQL', postgresAvailable, () => openLedger({ databaseUrl: postgresUrl, schema })],
]

const submission = { transaction: 'sig1', raw: 'AQID', blockhash: 'hash1', payer: 'Buyer111' }
const success = { success: true, transaction: 'sig1', network: 'solana:local', payer: 'Buyer111' }
const requirements = {
  scheme: 'exact',
  network: 'solana:local',
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
      resource: { url: 'http://127.0.0.1/weather' },
      accepted: requirements,
      payload: { transaction: 'AQID' },
    },
    paymentRequirements: requirements,
  },
}
const simulationFailed = { reason: reasonOf('SVM_EXACT_SIMULATION_FAILED'), message: 'no funds' }
/** A claim on the test network by `owner`, holding for `leaseMs`. */
const claimBy = (owner: string, leaseMs = 60_000) => ({
  network: 'solana:local',
  owner,
  leaseMs,
  payment,
})

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`Solana settlement records on ${engine}`, () => {
    const opened: Array<Awaited<ReturnType<typeof openLedger>>> = []
    afterAll(async () => {
      for (const ledger of opened) await ledger.close()
    })
    /** Two facilitators: two connections on PostgreSQL, one embedded database on PGlite. */
    async function twoFacilitators() {
      const first = await open()
      opened.push(first)
      let second = first
      if (engine === 'PostgreSQL') {
        second = await open()
        opened.push(second)
      }
      return [new SqlMessageSettlements(first.sql), new SqlMessageSettlements(second.sql)] as const
    }

    it('gives a payment to one claimant among many asking at once', async () => {
      const [a, b] = await twoFacilitators()
      const hash = `msg-${engine}-race`
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 ? a : b).claim(hash, claimBy(`process-${index}`)),
        ),
      )
      expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1)
      const owner = claims.find((claim) => claim.status === 'claimed')!.record.owner
      for (const claim of claims.filter((each) => each.status === 'existing'))
        expect(claim.record).toMatchObject({ state: 'claimed', owner })
    })

    it('keeps the signed transaction, then the answer, for every later ask', async () => {
      const [a, b] = await twoFacilitators()
      const hash = `msg-${engine}-life`
      const claim = claimBy('a')
      expect((await a.claim(hash, claim)).status).toBe('claimed')
      await a.submit(hash, submission)
      expect(await b.claim(hash, { ...claim, owner: 'b' })).toMatchObject({
        status: 'existing',
        record: { state: 'submitted', ...submission },
      })
      await a.finish(hash, success)
      expect(await b.get(hash)).toMatchObject({ state: 'finished', outcome: success })
      expect((await b.claim(hash, { ...claim, owner: 'b' })).status).toBe('existing')
    })

    it('hands over a claim only when its lease ran out before anything was submitted', async () => {
      const [a, b] = await twoFacilitators()
      const hash = `msg-${engine}-lease`
      await a.claim(hash, claimBy('a', 1))
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await b.claim(hash, claimBy('b'))).toMatchObject({
        status: 'claimed',
        record: { owner: 'b', state: 'claimed' },
      })
      // A submitted payment is never handed over, however old its lease: its bytes may land.
      const submitted = `msg-${engine}-submitted`
      await a.claim(submitted, claimBy('a', 1))
      await a.submit(submitted, submission)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect((await b.claim(submitted, claimBy('b'))).status).toBe('existing')
    })

    it('lets a released claim be claimed again, and refuses changes to an unclaimed payment', async () => {
      const [a, b] = await twoFacilitators()
      const hash = `msg-${engine}-release`
      await a.claim(hash, claimBy('a'))
      await b.release(hash, 'b', simulationFailed) // not its claim: nothing happens
      expect((await b.claim(hash, claimBy('b'))).status).toBe('existing')
      await a.release(hash, 'a', simulationFailed)
      expect((await b.claim(hash, claimBy('b'))).status).toBe('claimed')
      await expect(a.submit(`msg-${engine}-never`, submission)).rejects.toThrow(
        'only after its claim',
      )
    })

    it('keeps each settlement in the ledger, with its history, out of EVM recovery', async () => {
      const ledger = await open()
      opened.push(ledger)
      const records = new SqlMessageSettlements(ledger.sql)
      const hash = `msg-${engine}-ledger`
      const key = `solana:local|${hash}`
      const claim = claimBy('a', 1)
      await records.claim(hash, claim)
      expect(await ledger.findByKey(key)).toMatchObject({
        state: 'received',
        network: 'solana:local',
        scheme: 'exact',
        payer: 'Buyer111',
        payTo: 'Merchant111',
        asset: 'Mint111',
        amount: '1000',
        payloadHash: hash,
        payment: payment.payment,
      })
      // Its lease ran out, and recovery at start-up takes every open payment: not this one.
      await new Promise((resolve) => setTimeout(resolve, 20))
      const taken = await ledger.takeOverExpired('evm-recovery', 60_000, 500, true)
      expect(taken.map((each) => each.key)).not.toContain(key)

      await records.submit(hash, submission)
      expect(await ledger.findByKey(key)).toMatchObject({ state: 'submitted', transaction: 'sig1' })
      await records.finish(hash, success)
      const confirmed = await ledger.findByKey(key)
      expect(confirmed).toMatchObject({ state: 'confirmed', transaction: 'sig1', attempts: 1 })
      const history = await new SqlLedgerReports(ledger.sql).paymentHistory(confirmed!.id)
      expect(history?.events.map((event) => [event.state, event.transaction])).toEqual([
        ['received', undefined],
        ['verified', undefined],
        ['submitted', 'sig1'],
        ['confirmed', 'sig1'],
      ])
      const recent = await ledger.recent({ limit: 500, network: 'solana:local' })
      expect(recent.map((each) => each.key)).toContain(key)
    })

    it('records a failed settle with its reason, and a retry as another attempt', async () => {
      const ledger = await open()
      opened.push(ledger)
      const records = new SqlMessageSettlements(ledger.sql)
      const hash = `msg-${engine}-retry`
      const key = `solana:local|${hash}`
      const claim = claimBy('a')
      await records.claim(hash, claim)
      await records.release(hash, 'a', simulationFailed)
      expect(await ledger.findByKey(key)).toMatchObject({
        state: 'failed',
        reason: simulationFailed.reason,
        message: 'no funds',
      })
      expect((await records.claim(hash, claim)).status).toBe('claimed')
      expect(await ledger.findByKey(key)).toMatchObject({ state: 'received', attempts: 2 })
      const failure = {
        success: false,
        errorReason: reasonOf('SVM_EXACT_TRANSACTION_FAILED'),
        transaction: 'sig1',
        network: 'solana:local',
      }
      await records.submit(hash, submission)
      await records.finish(hash, failure)
      expect(await ledger.findByKey(key)).toMatchObject({
        state: 'failed',
        reason: failure.errorReason,
        transaction: 'sig1',
      })
    })
  })
}
