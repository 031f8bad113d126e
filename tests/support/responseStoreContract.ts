import type { PaymentUse, ResponseStore } from '@tollgate/core'
import { describe, expect, it } from 'vitest'

/** Two handles on one store (two instances of a server), and how to end them. */
export interface StorePair {
  first: ResponseStore
  second: ResponseStore
  close(): Promise<void>
}

const use = (holder: string, overrides: Partial<PaymentUse> = {}): PaymentUse => ({
  state: 'in-flight',
  holder,
  identifier: 'pay_0123456789abcdef0123456789abcdef',
  payloadHash: 'ab'.repeat(32),
  route: 'GET /weather',
  expiresAtMs: Date.now() + 60_000,
  ...overrides,
})

const unique = () => `exact|eip155:31337|${crypto.randomUUID()}`

/**
 * What every response store guarantees, checked through two handles on the same store: claims
 * are exclusive, only the holder changes or drops a record, responses come back byte for byte,
 * expired records are gone, and an in-flight record is taken over only once its lease ran out,
 * by one contender.
 */
export function runResponseStoreContract(name: string, open: () => Promise<StorePair>): void {
  describe(`${name} response store`, () => {
    it('lets one claimant in and shows the others its record', async () => {
      const { first, second, close } = await open()
      try {
        const key = unique()
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            (index % 2 ? first : second).claim(key, use(`holder-${index}`)),
          ),
        )
        const winners = claims.filter((claim) => claim.claimed)
        expect(winners).toHaveLength(1)
        const holders = new Set(claims.map((claim) => (claim.claimed ? '' : claim.current.holder)))
        holders.delete('')
        expect(holders.size).toBe(1)
      } finally {
        await close()
      }
    })

    it('changes or drops a record for its holder only, and keeps a response byte for byte', async () => {
      const { first, second, close } = await open()
      try {
        const key = unique()
        expect((await first.claim(key, use('a'))).claimed).toBe(true)
        const body = new Uint8Array([0, 255, 10, 13, 128, ...new TextEncoder().encode('é')])
        const settled = use('a', {
          state: 'settled',
          response: { status: 200, headers: { 'payment-response': 'abc' }, body },
        })
        expect(await second.replace(key, 'b', settled)).toBe(false)
        expect(await second.replace(key, 'a', settled)).toBe(true)
        const read = await first.get(key)
        expect(read?.state).toBe('settled')
        expect(read?.response?.headers).toEqual({ 'payment-response': 'abc' })
        expect([...(read?.response?.body ?? [])]).toEqual([...body])
        await second.release(key, 'b')
        expect(await first.get(key)).toBeDefined()
        await second.release(key, 'a')
        expect(await first.get(key)).toBeUndefined()
        expect((await second.claim(key, use('c'))).claimed).toBe(true)
      } finally {
        await close()
      }
    })

    it('treats an expired record as absent', async () => {
      const { first, second, close } = await open()
      try {
        const key = unique()
        await first.claim(key, use('a', { expiresAtMs: Date.now() + 150 }))
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(await second.get(key)).toBeUndefined()
        expect(await second.replace(key, 'a', use('a'))).toBe(false)
        expect((await second.claim(key, use('b'))).claimed).toBe(true)
      } finally {
        await close()
      }
    })

    it('takes an in-flight record over only once its lease ran out, for one contender', async () => {
      const { first, second, close } = await open()
      try {
        const key = unique()
        expect(
          (await first.claim(key, use('a', { leaseUntilMs: Date.now() + 60_000 }))).claimed,
        ).toBe(true)
        // A live lease, and a renewal by its holder, keep the record.
        expect(await second.takeOver(key, 'a', use('b'))).toBe(false)
        expect(await first.replace(key, 'a', use('a', { leaseUntilMs: Date.now() - 1 }))).toBe(true)
        expect((await second.get(key))?.leaseUntilMs).toBeLessThan(Date.now())
        expect(await second.takeOver(key, 'someone', use('b'))).toBe(false)
        const takers = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            (index % 2 ? first : second).takeOver(key, 'a', use(`taker-${index}`)),
          ),
        )
        expect(takers.filter(Boolean)).toHaveLength(1)
        const taker = `taker-${takers.indexOf(true)}`
        expect((await first.get(key))?.holder).toBe(taker)
        // The old holder finds the record another's: neither a renewal nor a release lands.
        expect(await first.replace(key, 'a', use('a', { leaseUntilMs: Date.now() + 60_000 }))).toBe(
          false,
        )
        await first.release(key, 'a')
        expect((await second.get(key))?.holder).toBe(taker)
      } finally {
        await close()
      }
    })

    it('never takes over a record without a lease, or one that is no longer in flight', async () => {
      const { first, second, close } = await open()
      try {
        const past = Date.now() - 1_000
        const cases: Partial<PaymentUse>[] = [
          {},
          { state: 'pending', leaseUntilMs: past },
          { state: 'settled', leaseUntilMs: past },
        ]
        for (const overrides of cases) {
          const key = unique()
          expect((await first.claim(key, use('a', overrides))).claimed).toBe(true)
          expect(await second.takeOver(key, 'a', use('b'))).toBe(false)
          expect((await second.get(key))?.holder).toBe('a')
        }
      } finally {
        await close()
      }
    })
  })
}
