/**
 * A transaction's receipt recorded in one write, and nonces taken from memory by a ledger no
 * other process opens, on both engines: what is stored must be what a restart would read.
 */
import { type SqlLedger, SqlLedgerReports } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ledgerEngines, fixturePayment as payment } from './support/ledgerFixtures.ts'

const engines = await ledgerEngines('receipts')

const block = { gasUsed: 51_000n, blockNumber: 12n, blockHash: '0xB10C' }

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`receipts and nonces on ${engine}`, () => {
    let ledger: SqlLedger
    let reports: SqlLedgerReports
    beforeAll(async () => {
      ledger = await open()
      reports = new SqlLedgerReports(ledger.sql)
    })
    afterAll(() => ledger?.close())

    const submitted = async (key: string, signer = '0xreceipts') => {
      const id = (await ledger.claim(payment(key), 'p1', 30_000)).payment.id
      const transaction = await ledger.submit({
        network: 'eip155:31337',
        signer,
        kind: 'transfer',
        paymentIds: [id],
        chainNonce: 0,
        sign: async (nonce) => ({ hash: `0x${key}${nonce}`, raw: '0x01' }),
      })
      return { id, transaction }
    }

    it('stores the included payments and the transaction block together', async () => {
      const { id, transaction } = await submitted('receipt-a')
      const other = (await ledger.claim(payment('receipt-other'), 'p1', 30_000)).payment.id
      await ledger.recordReceipt(
        transaction.hash,
        { state: 'mined', ...block },
        // `other` is still `received`: not a state the receipt may move it from.
        { ids: [id, other], to: 'confirmed', from: ['submitted', 'pending', 'verified'] },
      )
      expect(await ledger.findByKey('receipt-a')).toMatchObject({
        state: 'confirmed',
        transaction: transaction.hash,
      })
      expect((await ledger.findByKey('receipt-other'))?.state).toBe('received')
      expect(await ledger.findTransaction(transaction.hash)).toMatchObject({
        state: 'mined',
        blockNumber: 12n,
        blockHash: '0xb10c',
      })
      expect(await ledger.openTransactions('eip155:31337')).not.toContainEqual(
        expect.objectContaining({ hash: transaction.hash }),
      )
      const history = await reports.paymentHistory(id)
      expect(history?.events.map((event) => event.state)).toEqual([
        'received',
        'verified',
        'submitted',
        'confirmed',
      ])
    })

    it('marks a reverted transaction alone, leaving its payments where they were', async () => {
      const { id, transaction } = await submitted('receipt-reverted')
      await ledger.recordReceipt(transaction.hash, { state: 'reverted', ...block })
      expect((await ledger.findTransaction(transaction.hash))?.state).toBe('reverted')
      expect((await ledger.findByKey('receipt-reverted'))?.state).toBe('submitted')
      expect((await reports.paymentHistory(id))?.events.at(-1)?.state).toBe('submitted')
    })

    it('hands out each nonce once and stores the next one, whatever fails in between', async () => {
      const signer = '0xnonces'
      const first = await submitted('nonce-a', signer)
      expect(first.transaction.nonce).toBe(0)
      // Signing fails: nothing is stored and the nonce is handed out again.
      const id = (await ledger.claim(payment('nonce-b'), 'p1', 30_000)).payment.id
      const input = {
        network: 'eip155:31337',
        signer,
        kind: 'transfer',
        paymentIds: [id],
        chainNonce: 0,
      }
      await expect(
        ledger.submit({
          ...input,
          sign: async () => {
            throw new Error('signer unavailable')
          },
        }),
      ).rejects.toThrow('signer unavailable')
      // The statement fails (a hash already stored): nothing is stored either.
      await expect(
        ledger.submit({
          ...input,
          sign: async () => ({ hash: first.transaction.hash, raw: '0x' }),
        }),
      ).rejects.toThrow()
      const second = await ledger.submit({
        ...input,
        sign: async (nonce) => ({ hash: `0xnonce-b${nonce}`, raw: '0x02' }),
      })
      expect(second.nonce).toBe(1)
      // The chain ahead of the ledger (another wallet used the key): never below it.
      const third = await ledger.submit({
        ...input,
        paymentIds: [],
        chainNonce: 9,
        sign: async (nonce) => ({ hash: `0xnonce-c${nonce}`, raw: '0x03' }),
      })
      expect(third.nonce).toBe(9)
      // Many at once: consecutive, none twice.
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          ledger.submit({
            ...input,
            paymentIds: [],
            sign: async (nonce) => ({ hash: `0xnonce-many${index}-${nonce}`, raw: '0x04' }),
          }),
        ),
      )
      expect(many.map((tx) => tx.nonce).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 12 }, (_, index) => 10 + index),
      )
      // What a restart reads: the stored next nonce.
      const activity = await reports.signerActivity()
      expect(activity.find((row) => row.signer === signer)?.nextNonce).toBe(22)
      expect((await ledger.transactionsForNonce('eip155:31337', signer, 1))[0]?.hash).toBe(
        '0xnonce-b1',
      )
    })
  })
}
