/**
 * The operator features over a real socket (@hono/node-server on 127.0.0.1): the per-address
 * limit keys on the socket's address, a client cannot dodge it by writing X-Forwarded-For, the
 * body size limit still answers 413 behind the API key check, and the official x402 facilitator
 * client reads our 401 and 429 answers as a VerifyError / SettleError with the reason.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import {
  type FacilitatorAppOptions,
  generateApiKey,
  hashApiKey,
  memoryApiKeyStore,
} from '@tollgate/facilitator'
import { HTTPFacilitatorClient } from '@x402/core/server'
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types'
import { afterAll, describe, expect, it } from 'vitest'
import { fakeApp, paymentBody } from '../packages/facilitator/test/fakeScheme.ts'

const key = generateApiKey()
const apiKeys = {
  store: memoryApiKeyStore([{ keyHash: hashApiKey(key), merchant: 'm' }]),
  required: true,
}
const stops: Array<() => Promise<unknown>> = []
afterAll(() => Promise.all(stops.map((stop) => stop())))

/** Serves a fresh app on an ephemeral port of 127.0.0.1. */
async function listen(options: FacilitatorAppOptions) {
  const { app, scheme } = fakeApp(options)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    )
  })
  stops.push(
    () => new Promise((resolve) => server.close(resolve)),
    () => app.close(),
  )
  return { scheme, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function send(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body,
  })
}

describe('over a socket', () => {
  it('limits by the socket address whatever X-Forwarded-For says', async () => {
    const { url, scheme } = await listen({
      apiKeys,
      rateLimits: { verify: { ip: { points: 2, durationSeconds: 60 } } },
    })
    const body = JSON.stringify(paymentBody())
    const statuses = []
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      statuses.push((await send(`${url}/verify`, body, { 'x-forwarded-for': forwarded })).status)
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(scheme.calls).toHaveLength(2)
  })

  it('keeps the 413 for large bodies on /settle, and 401 before it without a key', async () => {
    const { url } = await listen({ apiKeys, bodyBytesMax: 4_096 })
    const large = JSON.stringify({ padding: 'x'.repeat(8_192) })
    const tooLarge = await send(`${url}/settle`, large)
    expect(tooLarge.status).toBe(413)
    expect(await tooLarge.json()).toMatchObject({ success: false, errorReason: 'invalid_payload' })
    expect((await send(`${url}/settle`, large, { 'x-api-key': '' })).status).toBe(401)
  })
})

describe('the official HTTPFacilitatorClient', () => {
  const body = paymentBody()
  const payload = body.paymentPayload as PaymentPayload
  const requirements = body.paymentRequirements as PaymentRequirements

  it('reads a 401 as a VerifyError with reason unauthorized', async () => {
    const { url } = await listen({ apiKeys })
    const client = new HTTPFacilitatorClient({ url })
    await expect(client.verify(payload, requirements)).rejects.toMatchObject({
      name: 'VerifyError',
      statusCode: 401,
      invalidReason: 'unauthorized',
    })
  })

  it('settles with its auth headers, then reads a 429 as a SettleError rate_limited', async () => {
    const { url } = await listen({
      apiKeys,
      rateLimits: { settle: { key: { points: 1, durationSeconds: 60 } } },
    })
    const client = new HTTPFacilitatorClient({
      url,
      createAuthHeaders: async () => ({ settle: { authorization: `Bearer ${key}` } }),
    })
    expect(await client.settle(payload, requirements)).toMatchObject({ success: true })
    await expect(client.settle(payload, requirements)).rejects.toMatchObject({
      name: 'SettleError',
      statusCode: 429,
      errorReason: 'rate_limited',
      transaction: '',
    })
  })

  it('limits a body sent in chunks, with no declared length, as it arrives', async () => {
    const { url, scheme } = await listen({ apiKeys, bodyBytesMax: 4_096 })
    const chunked = (text: string) =>
      fetch(`${url}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: new Blob([text]).stream(),
        duplex: 'half',
      } as RequestInit)
    const large = await chunked(JSON.stringify({ padding: 'x'.repeat(8_192) }))
    expect(large.status).toBe(413)
    expect(await large.json()).toMatchObject({ isValid: false, invalidReason: 'invalid_payload' })
    const small = await chunked(JSON.stringify(paymentBody()))
    expect(small.status).toBe(200)
    expect(await small.json()).toMatchObject({ isValid: true })
    expect(scheme.calls).toHaveLength(1)
  })
})
