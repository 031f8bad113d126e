/**
 * Solana settlement records in the ledger's database, on both engines: one claimant per message
 * hash however many facilitators ask at once, the signed transaction kept before broadcast, an
 * abandoned claim taken over only after its lease, and the final answer for every later ask.
 */
import { openLedger, SqlSvmSettlements } from '@tollgate/ledger'
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
      return [new SqlSvmSettlements(first.sql), new SqlSvmSettlements(second.sql)] as const
    }

    it('gives a payment to one claimant among many asking at once', async () => {
      const [a, b] = await twoFacilitators()
      const hash = `msg-${engine}-race`
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 ? a : b).claim(hash, {
            network: 'solana:local',
            owner: `process-${index}`,
            leaseMs: 60_000,
          }),
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
      const claim = { network: 'solana:local', owner: 'a', leaseMs: 60_000 }
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
      await a.claim(hash, { network: 'solana:local', owner: 'a', leaseMs: 1 })
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(
        await b.claim(hash, { network: 'solana:local', owner: 'b', leaseMs: 60_000 }),
      ).toMatchObject({ status: 'claimed', record: { owner: 'b', state: 'claimed' } })
      // A submitted payment is never handed over, however old its lease: its bytes may land.
      const submitted = `msg-${engine}-submitted`
      await a.claim(submitted, { network: 'solana:local', owner: 'a', leaseMs: 1 })
      await a.submit(submitted, submission)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(
        (await b.claim(submitted, { network: 'solana:local', owner: 'b', leaseMs: 60_000 })).status,
      ).toBe('existing')
    })

    it('lets a released claim be claimed again, and refuses changes to an unclaimed payment', async () => {
      const [a, b] = await twoFacilitators()
      const hash = `msg-${engine}-release`
      await a.claim(hash, { network: 'solana:local', owner: 'a', leaseMs: 60_000 })
      await b.release(hash, 'b') // not its claim: nothing happens
      expect(
        (await b.claim(hash, { network: 'solana:local', owner: 'b', leaseMs: 60_000 })).status,
      ).toBe('existing')
      await a.release(hash, 'a')
      expect(
        (await b.claim(hash, { network: 'solana:local', owner: 'b', leaseMs: 60_000 })).status,
      ).toBe('claimed')
      await expect(a.submit(`msg-${engine}-never`, submission)).rejects.toThrow(
        'only after its claim',
      )
    })
  })
}
