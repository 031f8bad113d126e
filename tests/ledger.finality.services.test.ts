/**
 * Finality records on both ledger engines: a payment may be `included`, a mined transaction keeps
 * its block, and a reorganisation moves the transaction back to broadcast and exactly the payments
 * it settled back to submitted.
 */
import type { SettlementLedger } from '@tollgate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturePayment, ledgerEngines } from './support/ledgerFixtures.ts'

const engines = await ledgerEngines('finality')
const network = 'eip155:31337'
const hashOf = (label: string) => `0x${label.padStart(64, '0')}`

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`finality records on ${engine}`, () => {
    let ledger: SettlementLedger
    beforeAll(async () => {
      ledger = await open()
    })
    afterAll(() => ledger?.close())

    async function mined(keys: string[], label: string, blockNumber: bigint) {
      const claims = await Promise.all(
        keys.map((key) => ledger.claim(fixturePayment(key), 'p', 60_000)),
      )
      const ids = claims.map((claim) => claim.payment.id)
      const hash = hashOf(label)
      await ledger.submit({
        network,
        signer: '0xsigner',
        kind: 'batch',
        paymentIds: ids,
        chainNonce: 0,
        sign: async () => ({ hash, raw: `0xraw${label}` }),
      })
      await ledger.transition(ids, 'included', { transaction: hash })
      const blockHash = `0xBLOCK${label}`
      await ledger.markTransaction(hash, {
        state: 'mined',
        blockNumber,
        blockHash,
        gasUsed: 21_000n,
      })
      return { ids, hash }
    }

    it('stores included payments and the block of a mined transaction', async () => {
      const { ids, hash } = await mined(['f1', 'f2'], 'a1', 100n)
      expect((await ledger.findByKey('f1'))?.state).toBe('included')
      expect(await ledger.findTransaction(hash)).toMatchObject({
        state: 'mined',
        blockNumber: 100n,
        blockHash: '0xblocka1',
        paymentIds: ids,
      })
      const since = await ledger.minedSince(network, 100n)
      expect(since.map((transaction) => transaction.hash)).toContain(hash)
      expect((await ledger.minedSince(network, 101n)).map((t) => t.hash)).not.toContain(hash)
      expect(await ledger.minedSince('eip155:1', 0n)).toEqual([])
    })

    it('moves a reorganised transaction back to broadcast and only its own settlements back', async () => {
      const { ids, hash } = await mined(['g1', 'g2', 'g3'], 'b1', 200n)
      await ledger.transition([ids[1]!], 'confirmed', { transaction: hash })
      // Settled by someone else's transaction: a reorganisation of ours does not undo it.
      await ledger.transition([ids[2]!], 'confirmed', { transaction: hashOf('other') })
      const moved = await ledger.reorganised(hash)
      // In id order; a batch claim may number its payments in any order.
      const ours = [ids[0]!, ids[1]!].sort((a, b) => a - b)
      expect(moved.map((payment) => payment.id)).toEqual(ours)
      expect(moved.every((payment) => payment.state === 'submitted')).toBe(true)
      expect((await ledger.findByKey('g3'))?.state).toBe('confirmed')
      const transaction = await ledger.findTransaction(hash)
      expect(transaction).toMatchObject({ state: 'broadcast' })
      expect(transaction?.blockNumber).toBeUndefined()
      expect(transaction?.blockHash).toBeUndefined()
      // Open again, so recovery drives it; once more it is a no-op.
      expect((await ledger.openTransactions(network)).map((t) => t.hash)).toContain(hash)
      expect(await ledger.reorganised(hash)).toEqual([])
      // Mined again later: the block is recorded anew.
      await ledger.markTransaction(hash, { state: 'mined', blockNumber: 203n, blockHash: '0xc' })
      expect(await ledger.findTransaction(hash)).toMatchObject({
        state: 'mined',
        blockNumber: 203n,
      })
    })
  })
}
