/**
 * Rate limits shared through the real Redis on 127.0.0.1:6379 by two apps (as by two processes),
 * keyed by the API key's hash, and a connection the app opens from a URL and closes.
 */
import { randomUUID } from 'node:crypto'
import { generateApiKey, hashApiKey, memoryApiKeyStore } from '@tollgate/facilitator'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeApp, paymentBody, post } from '../packages/facilitator/test/fakeScheme.ts'
import { redisUrl, requireService } from './support/services.ts'

const redisAvailable = await requireService('redis')

const perMinute = (points: number) => ({ points, durationSeconds: 60 })

function expectLimited(answer: { status: number; headers: Headers }) {
  expect(answer.status).toBe(429)
  const retryAfter = Number(answer.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThanOrEqual(59)
  expect(retryAfter).toBeLessThanOrEqual(60)
}

describe.runIf(redisAvailable)('in Redis', () => {
  const prefix = `tollgate-test:${randomUUID()}`
  const clients: Redis[] = []
  // Opened only when the suite runs, so a skipped suite makes no connection attempts.
  let admin: Redis
  beforeAll(() => {
    admin = new Redis(redisUrl)
  })

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`)
    if (keys.length > 0) await admin.del(...keys)
    expect(await admin.keys(`${prefix}*`)).toEqual([])
    for (const client of clients) client.disconnect()
    admin.disconnect()
  })

  async function connected() {
    const client = new Redis(redisUrl)
    clients.push(client)
    expect(await client.ping()).toBe('PONG')
    return client
  }

  it('shares limits between two apps (as between two processes)', async () => {
    const keyPrefix = `${prefix}:shared`
    const rateLimits = { verify: { ip: perMinute(3) }, keyPrefix }
    const one = fakeApp({ rateLimits: { ...rateLimits, redis: await connected() } }).app
    const two = fakeApp({ rateLimits: { ...rateLimits, redis: await connected() } }).app
    const statuses = []
    for (const app of [one, two, one])
      statuses.push((await post(app, '/verify', paymentBody())).status)
    expect(statuses).toEqual([200, 200, 200])
    expectLimited(await post(two, '/verify', paymentBody()))
    expectLimited(await post(one, '/verify', paymentBody()))
    expect(await admin.get(`${keyPrefix}:verify:ip:192.0.2.1`)).toBe('5')
    expect((await post(two, '/verify', paymentBody(), { ip: '192.0.2.2' })).status).toBe(200)
  })

  it('keys per-key limits by the key hash, never the key', async () => {
    const keyPrefix = `${prefix}:keys`
    const key = generateApiKey()
    const options = {
      apiKeys: {
        store: memoryApiKeyStore([{ keyHash: hashApiKey(key), merchant: 'a' }]),
        required: true,
      },
      rateLimits: { settle: { key: perMinute(1) }, keyPrefix },
    }
    const one = fakeApp({
      ...options,
      rateLimits: { ...options.rateLimits, redis: await connected() },
    })
    const two = fakeApp({
      ...options,
      rateLimits: { ...options.rateLimits, redis: await connected() },
    })
    const headers = { 'x-api-key': key }
    expect((await post(one.app, '/settle', paymentBody(), { headers })).status).toBe(200)
    expectLimited(await post(two.app, '/settle', paymentBody(), { headers, ip: '192.0.2.9' }))
    expect(await admin.keys(`${keyPrefix}*`)).toEqual([
      `${keyPrefix}:settle:key:${hashApiKey(key)}`,
    ])
  })

  it('connects from a URL, and close() ends that connection', async () => {
    const keyPrefix = `${prefix}:url`
    const { app } = fakeApp({
      rateLimits: { verify: { ip: perMinute(1000) }, redis: redisUrl, keyPrefix },
    })
    // Requests before the connection is ready count in memory; wait until one reaches Redis.
    const deadline = Date.now() + 5_000
    let stored: string | null = null
    while (stored === null && Date.now() < deadline) {
      expect((await post(app, '/verify', paymentBody())).status).toBe(200)
      stored = await admin.get(`${keyPrefix}:verify:ip:192.0.2.1`)
      if (stored === null) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(stored).toBe('1')
    await app.close()
    // Closed: a request still passes, counted in memory, and nothing more reaches Redis.
    expect((await post(app, '/verify', paymentBody(), { ip: '192.0.2.77' })).status).toBe(200)
    expect(await admin.get(`${keyPrefix}:verify:ip:192.0.2.77`)).toBeNull()
  })
})
