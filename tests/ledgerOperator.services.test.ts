/**
 * The operator stores of @tollgate/ledger (merchant API keys and the blocklist) on both engines,
 * with the same suite: embedded PGlite and the PostgreSQL server on 127.0.0.1. They plug into the
 * facilitator app as its `ApiKeyStore` and `Blocklist`, and a change made elsewhere is seen
 * within the documented staleness bound (checked with an injected clock).
 */
import { type ApiKeyStore, type Blocklist, generateApiKey, hashApiKey } from '@tollgate/facilitator'
import { openLedger, SqlApiKeyStore, SqlBlocklist, type SqlLedger } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeApp, network, paymentBody, post } from '../packages/facilitator/test/fakeScheme.ts'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'

const postgresAvailable = await requireService('postgres')

const engines: Array<[string, boolean, () => Promise<SqlLedger>]> = [
  ['PGlite', true, () => openLedger()],
  [
    'PostgreSQL',
    postgresAvailable,
    () => openLedger({ databaseUrl: postgresUrl, schema: uniqueSchema('ledger_operator') }),
  ],
]

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`operator stores on ${engine}`, () => {
    let ledger: SqlLedger
    beforeAll(async () => {
      ledger = await open()
    })
    afterAll(() => ledger?.close())

    it('stores a key by hash, finds it with its allow-lists, and forgets it once revoked', async () => {
      const keys = new SqlApiKeyStore(ledger.sql)
      const key = generateApiKey()
      await keys.add({
        keyHash: hashApiKey(key),
        merchant: 'corner-shop',
        networks: ['eip155:84532'],
      })
      expect(await keys.findByHash(hashApiKey(key))).toEqual({
        merchant: 'corner-shop',
        networks: ['eip155:84532'],
      })
      expect(await keys.findByHash(hashApiKey(generateApiKey()))).toBeUndefined()
      expect(await keys.findByHash('not a hash')).toBeUndefined()

      expect(await keys.revoke(hashApiKey(key))).toBe(true)
      expect(await keys.revoke(hashApiKey(key))).toBe(false)
      expect(await keys.findByHash(hashApiKey(key))).toBeUndefined()
      const listed = await keys.list({ revoked: true })
      expect(listed.find((record) => record.keyHash === hashApiKey(key))).toMatchObject({
        merchant: 'corner-shop',
        revokedAt: expect.any(Date),
      })
      expect((await keys.list()).map((record) => record.keyHash)).not.toContain(hashApiKey(key))
    })

    it('refuses a clear key, a reused hash, and allow-lists that allow nothing', async () => {
      const keys = new SqlApiKeyStore(ledger.sql)
      const key = generateApiKey()
      await expect(keys.add({ keyHash: key, merchant: 'acme' })).rejects.toThrow(
        'keyHash must be a SHA-256 in lowercase hex',
      )
      await keys.add({ keyHash: hashApiKey(key), merchant: 'acme' })
      await keys.revoke(hashApiKey(key))
      await expect(keys.add({ keyHash: hashApiKey(key), merchant: 'other' })).rejects.toThrow(
        'already stored',
      )
      await expect(
        keys.add({ keyHash: hashApiKey(generateApiKey()), merchant: 'acme', assets: [] }),
      ).rejects.toThrow('assets must list at least one')
      await expect(
        keys.add({ keyHash: hashApiKey(generateApiKey()), merchant: ' ' }),
      ).rejects.toThrow('merchant must be 1 to 200 characters')
    })

    it('sees a key revoked by another process only after staleMsMax', async () => {
      const clock = manualClock()
      const cached = new SqlApiKeyStore(ledger.sql, { staleMsMax: 5_000, now: clock.now })
      const elsewhere = new SqlApiKeyStore(ledger.sql)
      const keyHash = hashApiKey(generateApiKey())
      await elsewhere.add({ keyHash, merchant: 'acme' })
      expect(await cached.findByHash(keyHash)).toEqual({ merchant: 'acme' })
      await elsewhere.revoke(keyHash)
      clock.advance(4_999)
      expect(await cached.findByHash(keyHash)).toEqual({ merchant: 'acme' })
      clock.advance(1)
      expect(await cached.findByHash(keyHash)).toBeUndefined()
    })

    it('blocks addresses whatever their case, with a reason, until removed', async () => {
      const blocklist = new SqlBlocklist(ledger.sql)
      const address = '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01'
      expect(await blocklist.isBlocked(address)).toBe(false)
      expect(await blocklist.add(address, 'sanctions list')).toBe(true)
      expect(await blocklist.add(address.toLowerCase())).toBe(false)
      expect(await blocklist.isBlocked(address.toUpperCase().replace('0X', '0x'))).toBe(true)
      expect(await blocklist.list()).toContainEqual({
        address: address.toLowerCase(),
        reason: 'sanctions list',
        createdAt: expect.any(Date),
      })
      expect(await blocklist.remove(address)).toBe(true)
      expect(await blocklist.remove(address)).toBe(false)
      expect(await blocklist.isBlocked(address)).toBe(false)
      await expect(blocklist.add('two words')).rejects.toThrow('without spaces')
    })

    it('sees an address blocked by another process only after staleMsMax', async () => {
      const clock = manualClock()
      const cached = new SqlBlocklist(ledger.sql, { staleMsMax: 2_000, now: clock.now })
      const elsewhere = new SqlBlocklist(ledger.sql)
      const address = '0x00000000000000000000000000000000000000b1'
      expect(await cached.isBlocked(address)).toBe(false)
      await elsewhere.add(address)
      clock.advance(1_999)
      expect(await cached.isBlocked(address)).toBe(false)
      clock.advance(1)
      expect(await cached.isBlocked(address)).toBe(true)
    })

    it('serves the facilitator app as its key store and blocklist', async () => {
      const keys: ApiKeyStore = new SqlApiKeyStore(ledger.sql)
      const blocklist: Blocklist = new SqlBlocklist(ledger.sql)
      const key = generateApiKey()
      await new SqlApiKeyStore(ledger.sql).add({
        keyHash: hashApiKey(key),
        merchant: 'acme',
        networks: [network],
      })
      const { app, scheme } = fakeApp({ apiKeys: { store: keys, required: true }, blocklist })
      const headers = { authorization: `Bearer ${key}` }
      expect((await post(app, '/verify', paymentBody())).status).toBe(401)
      expect(await post(app, '/verify', paymentBody(), { headers })).toMatchObject({
        status: 200,
        body: { isValid: true },
      })
      const blockedPayee = '0x2222222222222222222222222222222222222222'
      await new SqlBlocklist(ledger.sql).add(blockedPayee)
      expect(
        await post(app, '/verify', paymentBody({ payTo: blockedPayee }), { headers }),
      ).toMatchObject({ status: 200, body: { isValid: false, invalidReason: 'address_blocked' } })
      expect(scheme.calls).toHaveLength(1)
    })

    it('fails closed when the database is unreachable', async () => {
      const broken = await open()
      const keys = new SqlApiKeyStore(broken.sql)
      await broken.close()
      const { app, scheme } = fakeApp({ apiKeys: { store: keys, required: true } })
      const answer = await post(app, '/verify', paymentBody(), {
        headers: { authorization: `Bearer ${generateApiKey()}` },
      })
      expect(answer).toMatchObject({
        status: 503,
        body: { invalidReason: 'unexpected_verify_error' },
      })
      expect(scheme.calls).toEqual([])
    })
  })
}
