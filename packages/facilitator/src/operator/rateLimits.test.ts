/**
 * Rate limits on the app, in-process: per address and per key, per route group, 429 with
 * Retry-After in the route's answer shape, and falling back to memory when Redis is unreachable.
 * Limits shared through a running Redis are tested in `tests/operator.rateLimits.redis.services.test.ts`.
 */
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { fakeApp, paymentBody, post } from '../../test/fakeScheme.ts'
import type { Logger } from '../logger.ts'
import { generateApiKey, hashApiKey, memoryApiKeyStore } from './apiKeys.ts'

const perMinute = (points: number) => ({ points, durationSeconds: 60 })

function expectLimited(answer: { status: number; headers: Headers }) {
  expect(answer.status).toBe(429)
  const retryAfter = Number(answer.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThanOrEqual(59)
  expect(retryAfter).toBeLessThanOrEqual(60)
}

describe('in memory', () => {
  it('limits each address on its own, with 429, Retry-After and a verify-shaped body', async () => {
    const { app, scheme } = fakeApp({ rateLimits: { verify: { ip: perMinute(2) } } })
    const first = await post(app, '/verify', paymentBody(), { ip: '198.51.100.1' })
    const second = await post(app, '/verify', paymentBody(), { ip: '198.51.100.1' })
    expect([first.status, second.status]).toEqual([200, 200])
    const third = await post(app, '/verify', paymentBody(), { ip: '198.51.100.1' })
    expectLimited(third)
    expect(third.body).toEqual({
      isValid: false,
      invalidReason: 'rate_limited',
      invalidMessage: 'too many requests for this address',
    })
    expect((await post(app, '/verify', paymentBody(), { ip: '198.51.100.2' })).status).toBe(200)
    expect(scheme.calls).toHaveLength(3)
  })

  it('counts /verify and /settle apart, and answers /settle in its own shape', async () => {
    const { app } = fakeApp({
      rateLimits: { verify: { ip: perMinute(1) }, settle: { ip: perMinute(1) } },
    })
    expect((await post(app, '/verify', paymentBody())).status).toBe(200)
    expect((await post(app, '/settle', paymentBody())).status).toBe(200)
    const settle = await post(app, '/settle', paymentBody())
    expectLimited(settle)
    expect(settle.body).toEqual({
      success: false,
      errorReason: 'rate_limited',
      errorMessage: 'too many requests for this address',
      transaction: '',
      network: '',
    })
  })

  it('limits each API key across addresses', async () => {
    const [key, otherKey] = [generateApiKey(), generateApiKey()]
    const store = memoryApiKeyStore([
      { keyHash: hashApiKey(key), merchant: 'acme' },
      { keyHash: hashApiKey(otherKey), merchant: 'other' },
    ])
    const { app } = fakeApp({
      apiKeys: { store, required: true },
      rateLimits: { verify: { ip: perMinute(100), key: perMinute(2) } },
    })
    const headers = { authorization: `Bearer ${key}` }
    for (const ip of ['203.0.113.1', '203.0.113.2']) {
      expect((await post(app, '/verify', paymentBody(), { headers, ip })).status).toBe(200)
    }
    const limited = await post(app, '/verify', paymentBody(), { headers, ip: '203.0.113.3' })
    expectLimited(limited)
    expect(limited.body).toMatchObject({ invalidMessage: 'too many requests for this API key' })
    const other = { authorization: `Bearer ${otherKey}` }
    expect((await post(app, '/verify', paymentBody(), { headers: other })).status).toBe(200)
  })

  it('limits unauthenticated attempts by address before looking keys up', async () => {
    let lookups = 0
    const store = {
      async findByHash() {
        lookups++
        return undefined
      },
    }
    const { app } = fakeApp({
      apiKeys: { store, required: true },
      rateLimits: { verify: { ip: perMinute(2) } },
    })
    const headers = { authorization: `Bearer ${generateApiKey()}` }
    expect((await post(app, '/verify', paymentBody(), { headers })).status).toBe(401)
    expect((await post(app, '/verify', paymentBody(), { headers })).status).toBe(401)
    expectLimited(await post(app, '/verify', paymentBody(), { headers }))
    expect(lookups).toBe(2)
  })

  it('believes X-Forwarded-For only with trustProxy', async () => {
    const forwarded = (address: string) => ({ headers: { 'x-forwarded-for': address } })
    const untrusting = fakeApp({ rateLimits: { verify: { ip: perMinute(1) } } }).app
    expect((await post(untrusting, '/verify', paymentBody(), forwarded('10.0.0.1'))).status).toBe(
      200,
    )
    expectLimited(await post(untrusting, '/verify', paymentBody(), forwarded('10.0.0.2')))

    const trusting = fakeApp({ rateLimits: { verify: { ip: perMinute(1) } }, trustProxy: 1 }).app
    expect((await post(trusting, '/verify', paymentBody(), forwarded('10.0.0.1'))).status).toBe(200)
    expect((await post(trusting, '/verify', paymentBody(), forwarded('10.0.0.2'))).status).toBe(200)
    expectLimited(await post(trusting, '/verify', paymentBody(), forwarded('10.0.0.1')))
  })

  it('refuses a limit below one point or one second when the app is built', () => {
    expect(() =>
      fakeApp({ rateLimits: { verify: { ip: { points: 0, durationSeconds: 1 } } } }),
    ).toThrow(/verify.ip needs points and durationSeconds/)
  })
})

describe('with Redis unreachable', () => {
  it('keeps answering, limits in memory and warns, without waiting on Redis', async () => {
    const warnings: string[] = []
    const logger: Logger = { info() {}, warn: (_, message) => warnings.push(message), error() {} }
    const { app, scheme } = fakeApp({
      logger,
      rateLimits: { verify: { ip: perMinute(2) }, redis: 'redis://127.0.0.1:6390' },
    })
    const started = performance.now()
    expect((await post(app, '/verify', paymentBody())).status).toBe(200)
    expect((await post(app, '/verify', paymentBody())).status).toBe(200)
    expectLimited(await post(app, '/verify', paymentBody()))
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(scheme.calls).toHaveLength(2)
    expect(warnings).toContain('redis unavailable: rate limits fall back to this process')
    // Warnings are throttled: three requests, one fallback warning.
    expect(warnings.filter((message) => message.startsWith('redis unavailable'))).toHaveLength(1)
    await app.close()
  })

  it('does not wait on a client of yours that would queue commands while disconnected', async () => {
    // ioredis defaults: commands wait in the offline queue, retried up to 20 times.
    const redis = new Redis('redis://127.0.0.1:6390')
    const { app } = fakeApp({ rateLimits: { verify: { ip: perMinute(1) }, redis } })
    const started = performance.now()
    expect((await post(app, '/verify', paymentBody())).status).toBe(200)
    expectLimited(await post(app, '/verify', paymentBody()))
    expect(performance.now() - started).toBeLessThan(1_000)
    await app.close()
    expect(redis.status).not.toBe('end')
    redis.disconnect()
  })
})
