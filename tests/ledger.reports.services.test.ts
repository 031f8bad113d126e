/**
 * `SqlLedgerReports` on both engines (embedded PGlite and the PostgreSQL server on 127.0.0.1):
 * the dashboard's aggregates and searches over a ledger written through the ledger's own API
 * (claims, submissions, receipts, failures, verifications), so the figures are checked against
 * what the settlement path really stores, and both drivers return the same types.
 */
import type { NewPayment } from '@tollgate/core'
import { openLedger, type SqlLedger, SqlLedgerReports } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const network = 'eip155:84532'
const payee = '0x209693bc6afc0c5328ba36faf03c514ef312287c'
const otherPayee = '0x3333333333333333333333333333333333333333'
const asset = '0x036cbd53842c5426634e7929541ec2318f3dcf7e'
const signer = '0xAAAA000000000000000000000000000000000001'
const hashOf = (index: number) => `0x${index.toString(16).padStart(64, '0')}`

function newPayment(index: number, change: { payTo?: string; resource?: string } = {}): NewPayment {
  const requirements = {
    scheme: 'exact',
    network,
    amount: String(1000 * index),
    asset,
    payTo: change.payTo ?? payee,
    maxTimeoutSeconds: 60,
  }
  return {
    key: `payment-${index}`,
    payloadHash: `hash-${index}`,
    network,
    scheme: 'exact',
    payer: `0x${String(index).padStart(40, '1')}`,
    payTo: change.payTo ?? payee,
    asset,
    amount: String(1000 * index),
    payment: {
      paymentPayload: {
        x402Version: 2,
        resource: { url: change.resource ?? 'http://api.test/weather?city=Paris' },
        accepted: requirements,
        payload: { index },
      },
      paymentRequirements: requirements,
    },
  }
}

/** Payments 1-3 settle in one batch, 4 alone; 5 fails verification; 6 waits for its transaction. */
async function seed(ledger: SqlLedger): Promise<number[]> {
  const ids: number[] = []
  for (let index = 1; index <= 6; index++) {
    const change =
      index === 4 ? { payTo: otherPayee, resource: 'http://api.test/forecast' } : undefined
    const { payment } = await ledger.claim(newPayment(index, change), 'test', 60_000)
    ids.push(payment.id)
  }
  const batch = await ledger.submit({
    network,
    signer,
    kind: 'multicall',
    paymentIds: ids.slice(0, 3),
    chainNonce: 0,
    sign: async () => ({ hash: hashOf(1), raw: '0x01' }),
  })
  const single = await ledger.submit({
    network,
    signer,
    kind: 'transfer',
    paymentIds: [ids[3]!],
    chainNonce: 0,
    sign: async () => ({ hash: hashOf(2), raw: '0x02' }),
  })
  await ledger.submit({
    network,
    signer,
    kind: 'transfer',
    paymentIds: [ids[5]!],
    chainNonce: 0,
    sign: async () => ({ hash: hashOf(3), raw: '0x03' }),
  })
  await ledger.markTransaction(batch.hash, { state: 'mined', gasUsed: 150_000n, blockNumber: 7n })
  await ledger.markTransaction(single.hash, { state: 'mined', gasUsed: 60_000n, blockNumber: 8n })
  await ledger.transition(ids.slice(0, 4), 'confirmed')
  await ledger.transition([ids[4]!], 'failed', {
    reason: 'insufficient_funds',
    message: 'the payer holds too little',
  })
  await ledger.recordVerifications([
    { network, scheme: 'exact', payTo: payee, amount: '1000' },
    {
      network,
      scheme: 'exact',
      payTo: payee,
      amount: '1000',
      reason: 'invalid_exact_evm_signature',
    },
  ])
  return ids
}

const postgresAvailable = await requireService('postgres')

const engines: Array<[string, boolean, () => Promise<SqlLedger>]> = [
  ['PGlite', true, () => openLedger()],
  [
    'PostgreSQL',
    postgresAvailable,
    () => openLedger({ databaseUrl: postgresUrl, schema: uniqueSchema('reports') }),
  ],
]

const range = () => ({
  since: new Date(Date.now() - 3_600_000),
  until: new Date(Date.now() + 60_000),
  bucketSeconds: 60,
})

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`SqlLedgerReports on ${engine}`, () => {
    let ledger: SqlLedger
    let reports: SqlLedgerReports
    let ids: number[]
    beforeAll(async () => {
      ledger = await open()
      reports = new SqlLedgerReports(ledger.sql)
      ids = await seed(ledger)
    })
    afterAll(() => ledger?.close())

    it('overview: payments per state, outcomes by reason, latency, gas and batch sizes', async () => {
      const overview = await reports.overview(range())
      const confirmed = overview.payments.filter((row) => row.state === 'confirmed')
      expect(confirmed.reduce((sum, row) => sum + row.payments, 0)).toBe(4)
      expect(confirmed.reduce((sum, row) => sum + BigInt(row.amount), 0n)).toBe(10_000n)
      for (const row of overview.payments) expect(row.bucket % 60).toBe(0)
      expect(overview.outcomes).toEqual(
        expect.arrayContaining([
          { state: 'confirmed', reason: undefined, payments: 4 },
          { state: 'failed', reason: 'insufficient_funds', payments: 1 },
          { state: 'submitted', reason: undefined, payments: 1 },
        ]),
      )
      expect(overview.verifications).toEqual(
        expect.arrayContaining([
          { reason: undefined, verifications: 1 },
          { reason: 'invalid_exact_evm_signature', verifications: 1 },
        ]),
      )
      expect(overview.latency.count).toBe(4)
      expect(overview.latency.p50Ms).toBeGreaterThanOrEqual(0)
      expect(overview.latency.p99Ms).toBeGreaterThanOrEqual(overview.latency.p50Ms)
      expect(overview.latency.buckets.reduce((sum, row) => sum + row.count, 0)).toBe(4)
      const sent = overview.transactions
      expect(sent.reduce((sum, row) => sum + row.transactions, 0)).toBe(2)
      expect(sent.reduce((sum, row) => sum + row.payments, 0)).toBe(4)
      expect(sent.reduce((sum, row) => sum + BigInt(row.gasUsed), 0n)).toBe(210_000n)
      expect(overview.batchSizes).toEqual([
        { size: 1, transactions: 1 },
        { size: 3, transactions: 1 },
      ])
    })

    it('overview of an empty window is empty, not an error', async () => {
      const overview = await reports.overview({
        since: new Date(0),
        until: new Date(1_000),
        bucketSeconds: 3600,
      })
      expect(overview).toMatchObject({
        payments: [],
        outcomes: [],
        transactions: [],
        batchSizes: [],
        latency: { count: 0, p50Ms: 0, buckets: [] },
      })
    })

    it('searches newest first, by id, payer, payee and transaction hash, with a total', async () => {
      const all = await reports.searchPayments({ limit: 4, offset: 0 })
      expect(all.total).toBe(6)
      expect(all.payments.map((payment) => payment.id)).toEqual([...ids].reverse().slice(0, 4))
      const page = await reports.searchPayments({ limit: 4, offset: 4 })
      expect(page.payments.map((payment) => payment.id)).toEqual([ids[1], ids[0]])

      const byHash = await reports.searchPayments({
        text: hashOf(2).toUpperCase(),
        limit: 10,
        offset: 0,
      })
      expect(byHash.payments.map((payment) => payment.id)).toEqual([ids[3]])
      const byTransaction = await reports.searchPayments({
        transaction: hashOf(1),
        limit: 10,
        offset: 0,
      })
      expect(byTransaction.total).toBe(3)
      const byPayee = await reports.searchPayments({ payTo: otherPayee, limit: 10, offset: 0 })
      expect(byPayee.payments.map((payment) => payment.id)).toEqual([ids[3]])
      const byPrefix = await reports.searchPayments({ text: '0x3333', limit: 10, offset: 0 })
      expect(byPrefix.total).toBe(1)
      const byId = await reports.searchPayments({ text: String(ids[4]), limit: 10, offset: 0 })
      expect(byId.payments[0]).toMatchObject({ state: 'failed', reason: 'insufficient_funds' })
      const failed = await reports.searchPayments({ states: ['failed'], limit: 10, offset: 0 })
      expect(failed.total).toBe(1)
      // LIKE wildcards in the text are literal characters, not patterns.
      expect((await reports.searchPayments({ text: '%', limit: 10, offset: 0 })).total).toBe(0)
    })

    it('a payment history lists every step and the transactions that carried it', async () => {
      const history = await reports.paymentHistory(ids[0]!)
      expect(history?.events.map((event) => event.state)).toEqual([
        'received',
        'verified',
        'submitted',
        'confirmed',
      ])
      expect(history?.events[2]?.transaction).toBe(hashOf(1))
      expect(history?.transactions).toEqual([
        expect.objectContaining({
          hash: hashOf(1),
          signer,
          nonce: 0,
          kind: 'multicall',
          state: 'mined',
          gasUsed: '150000',
          blockNumber: '7',
          payments: 3,
        }),
      ])
      const failed = await reports.paymentHistory(ids[4]!)
      expect(failed?.events.at(-1)).toMatchObject({ state: 'failed', reason: 'insufficient_funds' })
      expect(await reports.paymentHistory(999_999)).toBeUndefined()
    })

    it('signer activity: next nonce and transactions not yet final', async () => {
      expect(await reports.signerActivity()).toEqual([
        {
          network,
          signer,
          nextNonce: 3,
          pendingTransactions: 1,
          lastTransactionAt: expect.any(Date),
        },
      ])
    })

    it('revenue per merchant and per resource, from confirmed payments only', async () => {
      const revenue = await reports.revenue(10)
      expect(revenue.merchants).toEqual([
        expect.objectContaining({ payTo: payee, asset, payments: 3, amount: '6000' }),
        expect.objectContaining({ payTo: otherPayee, payments: 1, amount: '4000' }),
      ])
      expect(revenue.resources).toEqual([
        expect.objectContaining({
          resource: 'http://api.test/weather',
          payments: 3,
          amount: '6000',
        }),
        expect.objectContaining({ resource: 'http://api.test/forecast', amount: '4000' }),
      ])
    })

    it('the change mark moves when a payment changes state or a verification is recorded', async () => {
      const before = await reports.changeMark()
      expect(await reports.changeMark()).toBe(before)
      await ledger.transition([ids[5]!], 'pending')
      const after = await reports.changeMark()
      expect(after).not.toBe(before)
      await ledger.recordVerifications([{ network, scheme: 'exact', payTo: payee, amount: '1' }])
      expect(await reports.changeMark()).not.toBe(after)
    })
  })
}
