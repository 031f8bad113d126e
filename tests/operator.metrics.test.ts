/**
 * GET /metrics on the app: outcome counters by network and reason, latency histograms, the
 * 401 / 429 / blocked counters, and the scheme's figures read at scrape time. Label values from
 * requests stay bounded, and a metrics token keeps the page private.
 */
import {
  generateApiKey,
  hashApiKey,
  memoryApiKeyStore,
  memoryBlocklist,
} from '@tollgate/facilitator'
import type { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import {
  fakeApp,
  network,
  otherNetwork,
  payerAddress,
  paymentBody,
  post,
} from '../packages/facilitator/test/fakeScheme.ts'

async function scrape(app: Hono, headers: Record<string, string> = {}) {
  const response = await app.request('/metrics', { headers })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

/** The value of one sample line, e.g. `name{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('/metrics', () => {
  it('is absent unless enabled', async () => {
    const { app } = fakeApp()
    expect((await app.request('/metrics')).status).toBe(404)
  })

  it('counts verify and settle outcomes by network and reason', async () => {
    const key = generateApiKey()
    const store = memoryApiKeyStore([
      { keyHash: hashApiKey(key), merchant: 'acme', networks: [network] },
    ])
    const { app, scheme } = fakeApp({ metrics: {}, apiKeys: { store, required: false } })
    const headers = { authorization: `Bearer ${key}` }
    await post(app, '/verify', paymentBody())
    await post(app, '/verify', paymentBody())
    await post(app, '/verify', paymentBody({ network: otherNetwork }), { headers })
    await post(app, '/verify', paymentBody({ network: 'eip155:999999' }))
    await post(app, '/settle', paymentBody())
    await post(app, '/settle', { x402Version: 2 })
    const text = await scrape(app)
    const verify = 'tollgate_facilitator_verify_total'
    const settle = 'tollgate_facilitator_settle_total'
    expect(sample(text, `${verify}{network="${network}",reason="valid"}`)).toBe(2)
    expect(sample(text, `${verify}{network="${otherNetwork}",reason="invalid_network"}`)).toBe(1)
    // An unserved network is not a label value of its own: callers cannot grow the series.
    expect(sample(text, `${verify}{network="other",reason="invalid_network"}`)).toBe(1)
    expect(text).not.toContain('eip155:999999')
    expect(sample(text, `${settle}{network="${network}",reason="success"}`)).toBe(1)
    expect(sample(text, `${settle}{network="other",reason="invalid_payload"}`)).toBe(1)

    // A reason outside the code table (a scheme's free text) is not a label value either.
    scheme.verifyAnswer = { isValid: false, invalidReason: 'RPC said: nonce 0x5 too low' }
    await post(app, '/verify', paymentBody())
    const after = await scrape(app)
    expect(sample(after, `${verify}{network="${network}",reason="other"}`)).toBe(1)
    expect(after).not.toContain('too low')
  })

  it('has latency histograms per endpoint', async () => {
    const { app } = fakeApp({ metrics: {} })
    await post(app, '/verify', paymentBody())
    await app.request('/supported')
    await app.request('/no/such/path')
    const text = await scrape(app)
    const histogram = 'tollgate_facilitator_request_duration_seconds'
    expect(sample(text, `${histogram}_count{endpoint="/verify",status="200"}`)).toBe(1)
    expect(sample(text, `${histogram}_count{endpoint="/supported",status="200"}`)).toBe(1)
    expect(sample(text, `${histogram}_count{endpoint="other",status="404"}`)).toBe(1)
    expect(sample(text, `${histogram}_bucket{le="+Inf",endpoint="/verify",status="200"}`)).toBe(1)
  })

  it('counts 401, 429 and blocked payments', async () => {
    const { app } = fakeApp({
      metrics: {},
      apiKeys: { store: memoryApiKeyStore([]), required: true },
      rateLimits: { settle: { ip: { points: 1, durationSeconds: 60 } } },
      blocklist: memoryBlocklist([payerAddress]),
    })
    await post(app, '/verify', paymentBody())
    await post(app, '/verify', paymentBody(), { headers: { 'x-api-key': generateApiKey() } })
    await post(app, '/settle', paymentBody())
    await post(app, '/settle', paymentBody())
    const open = fakeApp({ metrics: {}, blocklist: memoryBlocklist([payerAddress]) }).app
    await post(open, '/settle', paymentBody())
    const text = await scrape(app)
    expect(sample(text, 'tollgate_facilitator_unauthorized_total{endpoint="/verify"}')).toBe(2)
    expect(sample(text, 'tollgate_facilitator_unauthorized_total{endpoint="/settle"}')).toBe(1)
    expect(
      sample(text, 'tollgate_facilitator_rate_limited_total{endpoint="/settle",limit="ip"}'),
    ).toBe(1)
    const blocked = await scrape(open)
    expect(
      sample(blocked, 'tollgate_facilitator_blocked_total{endpoint="/settle",party="payer"}'),
    ).toBe(1)
    expect(
      sample(
        blocked,
        `tollgate_facilitator_settle_total{network="${network}",reason="address_blocked"}`,
      ),
    ).toBe(1)
  })

  it("reads the scheme's figures at scrape time, once per scrape", async () => {
    const { app, scheme } = fakeApp({ metrics: {} })
    let reads = 0
    const stats = scheme.stats.bind(scheme)
    scheme.stats = () => {
      reads++
      return stats()
    }
    let text = await scrape(app)
    const labels = 'scheme="exact",family="eip155:*"'
    const signer = `scheme="exact",network="${network}",signer="0xaaaa000000000000000000000000000000000001"`
    expect(sample(text, `tollgate_facilitator_queue_depth{${labels}}`)).toBe(3)
    expect(sample(text, `tollgate_facilitator_pending_transactions{${labels}}`)).toBe(2)
    expect(sample(text, `tollgate_facilitator_signer_balance{${signer}}`)).toBe(1.5e18)
    expect(sample(text, `tollgate_facilitator_signer_next_nonce{${signer}}`)).toBe(7)
    expect(sample(text, `tollgate_facilitator_batch_size_count{${labels}}`)).toBe(3)
    expect(sample(text, `tollgate_facilitator_batch_size_sum{${labels}}`)).toBe(46)
    expect(sample(text, `tollgate_facilitator_batch_size_bucket{le="4",${labels}}`)).toBe(1)
    expect(sample(text, 'tollgate_facilitator_stats_up{scheme="exact"}')).toBe(1)
    expect(reads).toBe(1)

    // A later scrape shows the new figures; a read returns the sizes since the previous read,
    // which add to those already observed.
    scheme.statsAnswer = {
      queueDepth: 0,
      pendingTransactions: 0,
      signers: [],
      batchSizes: [1, 5, 40, 2],
    }
    text = await scrape(app)
    expect(sample(text, `tollgate_facilitator_queue_depth{${labels}}`)).toBe(0)
    expect(sample(text, `tollgate_facilitator_batch_size_count{${labels}}`)).toBe(7)
    expect(sample(text, `tollgate_facilitator_batch_size_sum{${labels}}`)).toBe(94)
    expect(sample(text, `tollgate_facilitator_signer_balance{${signer}}`)).toBeUndefined()

    // A failing scheme shows as down rather than failing the scrape.
    scheme.statsAnswer = new Error('rpc down')
    text = await scrape(app)
    expect(sample(text, 'tollgate_facilitator_stats_up{scheme="exact"}')).toBe(0)
    expect(sample(text, `tollgate_facilitator_queue_depth{${labels}}`)).toBeUndefined()
    expect(reads).toBe(3)
  })

  it('needs the metrics token when one is set, and a merchant key does not open it', async () => {
    const key = generateApiKey()
    const { app } = fakeApp({
      metrics: { token: 'scrape-secret-0123456789' },
      apiKeys: {
        store: memoryApiKeyStore([{ keyHash: hashApiKey(key), merchant: 'a' }]),
        required: true,
      },
    })
    expect((await app.request('/metrics')).status).toBe(401)
    const withKey = await app.request('/metrics', { headers: { authorization: `Bearer ${key}` } })
    expect(withKey.status).toBe(401)
    const text = await scrape(app, { authorization: 'Bearer scrape-secret-0123456789' })
    expect(sample(text, 'tollgate_facilitator_unauthorized_total{endpoint="/metrics"}')).toBe(2)
  })
})
