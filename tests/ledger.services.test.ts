/**
 * The settlement ledger on both engines it supports, with the same suite: embedded PGlite and the
 * PostgreSQL server on 127.0.0.1. One authorization is one row; claims, takeovers, nonces and
 * submissions keep their promises under concurrency.
 */
import type { SettlementLedger } from '@tollgate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturePayment, fixtureRequirements, ledgerEngines } from './support/ledgerFixtures.ts'

const payment = fixturePayment
const _requirements = fixtureRequirements
const engines = await ledgerEngines('ledger')

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`ledger on ${engine}`, () => {
    let ledger: SettlementLedger
    beforeAll(async () => {
      ledger = await open()
    })
    afterAll(() => ledger?.close())

    it('claims a payment once; the same key again is the existing record', async () => {
      const first = await ledger.claim(payment('a'), 'p1', 30_000)
      expect(first).toMatchObject({
        status: 'claimed',
        payment: { key: 'a', state: 'received', amount: '1000', attempts: 1 },
      })
      const second = await ledger.claim(payment('a'), 'p2', 30_000)
      expect(second).toMatchObject({
        status: 'existing',
        payment: { id: first.payment.id, owner: 'p1' },
      })
      expect(second.payment.payment.paymentPayload.payload).toEqual({ key: 'a' })
    })

    it('gives exactly one of many concurrent claimants the payment', async () => {
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, index) => ledger.claim(payment('b'), `p${index}`, 30_000)),
      )
      expect(results.filter((result) => result.status === 'claimed')).toHaveLength(1)
    })

    it('lets a failed payment without a transaction be claimed again, by any payload for its key', async () => {
      const claimed = await ledger.claim(payment('c'), 'p1', 30_000)
      await ledger.transition([claimed.payment.id], 'failed', { reason: 'insufficient_funds' })
      const retry = await ledger.claim(payment('c'), 'p2', 30_000)
      expect(retry).toMatchObject({
        status: 'claimed',
        payment: { state: 'received', attempts: 2, reason: undefined },
      })
      // A copy that failed first (a forged one, say) does not lock the genuine payload out, and
      // the record then describes the payload being settled.
      await ledger.transition([claimed.payment.id], 'failed', { reason: 'invalid_payload' })
      const other = await ledger.claim(
        payment('c', { payloadHash: 'other', payTo: '0xother', amount: '7' }),
        'p3',
        30_000,
      )
      expect(other).toMatchObject({
        status: 'claimed',
        payment: { id: claimed.payment.id, payloadHash: 'other', payTo: '0xother', amount: '7' },
      })
      // Once a transaction exists, the record is no one else's.
      await ledger.transition([claimed.payment.id], 'failed', {
        reason: 'insufficient_funds',
        transaction: '0xsent',
      })
      const late = await ledger.claim(payment('c'), 'p4', 30_000)
      expect(late).toMatchObject({
        status: 'existing',
        payment: { payloadHash: 'other', state: 'failed', transaction: '0xsent' },
      })
    })

    it('hands out consecutive nonces, never below the chain, under concurrent submissions', async () => {
      const ids = await Promise.all(
        Array.from(
          { length: 20 },
          async (_, index) => (await ledger.claim(payment(`n${index}`), 'p1', 30_000)).payment.id,
        ),
      )
      const submitted = await Promise.all(
        ids.map((id) =>
          ledger.submit({
            network: 'eip155:31337',
            signer: '0xsigner',
            kind: 'transfer',
            paymentIds: [id],
            chainNonce: 7,
            sign: async (nonce) => ({ hash: `0xtx${nonce}`, raw: `0xraw${nonce}` }),
          }),
        ),
      )
      expect(submitted.map((tx) => tx.nonce).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => 7 + i),
      )
      const first = await ledger.findByKey('n0')
      expect(first?.state).toBe('submitted')
      expect(first?.transaction).toMatch(/^0xtx/)
      const open = await ledger.openTransactions('eip155:31337')
      expect(open).toHaveLength(20)
      expect(open[0]).toMatchObject({ nonce: 7, state: 'signed', signer: '0xsigner' })
    })

    it('gives back a nonce whose signing failed', async () => {
      const id = (await ledger.claim(payment('rollback'), 'p1', 30_000)).payment.id
      await expect(
        ledger.submit({
          network: 'eip155:1',
          signer: '0xother',
          kind: 'transfer',
          paymentIds: [id],
          chainNonce: 0,
          sign: async () => {
            throw new Error('signer unavailable')
          },
        }),
      ).rejects.toThrow('signer unavailable')
      const tx = await ledger.submit({
        network: 'eip155:1',
        signer: '0xother',
        kind: 'transfer',
        paymentIds: [id],
        chainNonce: 0,
        sign: async (nonce) => ({ hash: `0xretry${nonce}`, raw: '0x' }),
      })
      expect(tx.nonce).toBe(0)
      expect((await ledger.findByKey('rollback'))?.state).toBe('submitted')
    })

    it('keeps every replacement of a transaction and links them to the payments', async () => {
      const id = (await ledger.claim(payment('stuck'), 'p1', 30_000)).payment.id
      const original = await ledger.submit({
        network: 'eip155:5',
        signer: '0xs',
        kind: 'transfer',
        paymentIds: [id],
        chainNonce: 3,
        sign: async () => ({ hash: '0xslow', raw: '0x01', maxFeePerGas: '100' }),
      })
      await ledger.replace(original, { hash: '0xfaster', raw: '0x02', maxFeePerGas: '113' })
      const all = await ledger.transactionsForNonce('eip155:5', '0xs', 3)
      expect(all.map((tx) => tx.hash)).toEqual(['0xslow', '0xfaster'])
      expect((await ledger.findByKey('stuck'))?.transaction).toBe('0xfaster')
      expect((await ledger.paymentsOf('0xslow')).map((p) => p.id)).toEqual([id])
    })

    it('takes over payments whose owner stopped renewing its lease', async () => {
      const claimed = await ledger.claim(payment('crashed'), 'dead', 1)
      await new Promise((resolve) => setTimeout(resolve, 20))
      const taken = await ledger.takeOverExpired('alive', 30_000, 100)
      expect(taken.map((p) => p.key)).toContain('crashed')
      expect(taken.find((p) => p.key === 'crashed')?.owner).toBe('alive')
      expect(await ledger.takeOverExpired('third', 30_000, 100)).not.toContainEqual(
        expect.objectContaining({ id: claimed.payment.id }),
      )
    })

    it('only moves payments from the expected states', async () => {
      const id = (await ledger.claim(payment('guarded'), 'p1', 30_000)).payment.id
      expect(
        await ledger.transition([id], 'confirmed', { transaction: '0xdone' }, ['submitted']),
      ).toBe(0)
      expect(await ledger.transition([id], 'verified', {}, ['received'])).toBe(1)
      expect((await ledger.findByKey('guarded'))?.state).toBe('verified')
    })

    it('binds itself to one chain', async () => {
      expect(await ledger.bindChain('eip155:9', 9, '0xAB')).toBe('bound')
      expect(await ledger.bindChain('eip155:9', 9, '0xab')).toBe('same')
      expect(await ledger.bindChain('eip155:9', 9, '0xcd')).toBe('different')
    })

    it('finds payments by identifier and lists recent ones', async () => {
      await ledger.claim(
        payment('ident', { paymentIdentifier: 'pay_0123456789abcdef' }),
        'p1',
        30_000,
      )
      expect((await ledger.findByIdentifier('pay_0123456789abcdef'))?.key).toBe('ident')
      const recent = await ledger.recent({ limit: 3 })
      expect(recent).toHaveLength(3)
      expect(recent[0]!.id).toBeGreaterThan(recent[1]!.id)
      await ledger.recordVerifications([
        { network: 'eip155:1', scheme: 'exact', payTo: '0x', amount: '1', reason: 'x' },
      ])
    })
  })
}
