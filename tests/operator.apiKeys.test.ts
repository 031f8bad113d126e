/**
 * Merchant API keys and allow-lists on the facilitator app, driven in-process: a refused request
 * never reaches the scheme, refusals keep the VerifyResponse / SettleResponse shapes, and the
 * public endpoints stay open.
 */
import {
  type ApiKeyStore,
  generateApiKey,
  hashApiKey,
  memoryApiKeyStore,
} from '@tollgate/facilitator'
import { describe, expect, it } from 'vitest'
import {
  asset,
  fakeApp,
  network,
  otherNetwork,
  paymentBody,
  post,
  transaction,
} from '../packages/facilitator/test/fakeScheme.ts'

const key = generateApiKey()
const restrictedKey = generateApiKey()
const store = memoryApiKeyStore([
  { keyHash: hashApiKey(key), merchant: 'acme' },
  {
    keyHash: hashApiKey(restrictedKey),
    merchant: 'corner-shop',
    networks: ['base-sepolia'],
    assets: [asset.toLowerCase()],
  },
])
const bearer = (value: string) => ({ authorization: `Bearer ${value}` })

describe('with keys required', () => {
  it('refuses a request without a key with 401 in the route shape, before the scheme', async () => {
    const { app, scheme } = fakeApp({ apiKeys: { store, required: true } })
    const verify = await post(app, '/verify', paymentBody())
    expect(verify.status).toBe(401)
    expect(verify.headers.get('www-authenticate')).toBe('Bearer')
    expect(verify.body).toEqual({
      isValid: false,
      invalidReason: 'unauthorized',
      invalidMessage: 'an API key is required',
    })
    const settle = await post(app, '/settle', paymentBody())
    expect(settle.status).toBe(401)
    expect(settle.body).toEqual({
      success: false,
      errorReason: 'unauthorized',
      errorMessage: 'an API key is required',
      transaction: '',
      network: '',
    })
    expect(scheme.calls).toEqual([])
  })

  it.each([
    ['an unknown key', bearer(generateApiKey()), 'the API key is unknown'],
    ['an unknown X-API-Key', { 'x-api-key': generateApiKey() }, 'the API key is unknown'],
    ['another auth scheme', { authorization: `Basic ${key}` }, 'the API key is malformed'],
    ['the key hash instead of the key', bearer(hashApiKey(key)), 'the API key is unknown'],
  ])('refuses %s with 401', async (_, headers, message) => {
    const { app, scheme } = fakeApp({ apiKeys: { store, required: true } })
    const answer = await post(app, '/verify', paymentBody(), { headers })
    expect(answer).toMatchObject({
      status: 401,
      body: { isValid: false, invalidReason: 'unauthorized', invalidMessage: message },
    })
    expect(scheme.calls).toEqual([])
  })

  it('passes a valid key in either header through to the scheme', async () => {
    const { app, scheme } = fakeApp({ apiKeys: { store, required: true } })
    const verify = await post(app, '/verify', paymentBody(), { headers: bearer(key) })
    expect(verify).toMatchObject({ status: 200, body: { isValid: true } })
    const settle = await post(app, '/settle', paymentBody(), { headers: { 'x-api-key': key } })
    expect(settle).toMatchObject({ status: 200, body: { success: true, transaction } })
    expect(scheme.calls.map((call) => call.operation)).toEqual(['verify', 'settle'])
  })

  it('leaves /supported, /healthz and /readyz open', async () => {
    const { app } = fakeApp({ apiKeys: { store, required: true } })
    for (const path of ['/supported', '/healthz', '/readyz']) {
      expect((await app.request(path)).status, path).toBe(200)
    }
  })

  it('fails closed with 503 when the key store fails', async () => {
    const broken: ApiKeyStore = {
      findByHash: () => Promise.reject(new Error('connection refused')),
    }
    const { app, scheme } = fakeApp({ apiKeys: { store: broken, required: true } })
    const verify = await post(app, '/verify', paymentBody(), { headers: bearer(key) })
    expect(verify).toMatchObject({
      status: 503,
      body: { isValid: false, invalidReason: 'unexpected_verify_error' },
    })
    const settle = await post(app, '/settle', paymentBody(), { headers: bearer(key) })
    expect(settle).toMatchObject({
      status: 503,
      body: { success: false, errorReason: 'unexpected_settle_error', transaction: '' },
    })
    expect(scheme.calls).toEqual([])
  })
})

describe('with keys optional', () => {
  it('lets a request without a key through but still refuses an unknown key', async () => {
    const { app, scheme } = fakeApp({ apiKeys: { store, required: false } })
    expect(await post(app, '/verify', paymentBody())).toMatchObject({
      status: 200,
      body: { isValid: true },
    })
    expect(
      await post(app, '/verify', paymentBody(), { headers: bearer(generateApiKey()) }),
    ).toMatchObject({ status: 401, body: { invalidReason: 'unauthorized' } })
    expect(scheme.calls).toHaveLength(1)
  })
})

describe('without the option', () => {
  it('ignores keys altogether, as before', async () => {
    const { app } = fakeApp()
    const answer = await post(app, '/verify', paymentBody(), { headers: bearer('nonsense') })
    expect(answer).toMatchObject({ status: 200, body: { isValid: true } })
  })
})

describe('allow-lists of a key', () => {
  const options = { apiKeys: { store, required: true } }

  it('refuses a network outside the list with invalid_network (200), before the scheme', async () => {
    const { app, scheme } = fakeApp(options)
    const body = paymentBody({ network: otherNetwork })
    const verify = await post(app, '/verify', body, { headers: bearer(restrictedKey) })
    expect(verify).toEqual({
      status: 200,
      headers: expect.anything(),
      body: {
        isValid: false,
        invalidReason: 'invalid_network',
        invalidMessage: `network ${otherNetwork} is not enabled for this API key`,
      },
    })
    const settle = await post(app, '/settle', body, { headers: bearer(restrictedKey) })
    expect(settle).toMatchObject({
      status: 200,
      body: {
        success: false,
        errorReason: 'invalid_network',
        transaction: '',
        network: otherNetwork,
      },
    })
    expect(scheme.calls).toEqual([])
  })

  it('refuses an asset outside the list with asset_not_allowed (200)', async () => {
    const { app, scheme } = fakeApp(options)
    const body = paymentBody({ asset: '0x4200000000000000000000000000000000000006' })
    const verify = await post(app, '/verify', body, { headers: bearer(restrictedKey) })
    expect(verify).toMatchObject({
      status: 200,
      body: { isValid: false, invalidReason: 'asset_not_allowed' },
    })
    const settle = await post(app, '/settle', body, { headers: bearer(restrictedKey) })
    expect(settle).toMatchObject({
      status: 200,
      body: { success: false, errorReason: 'asset_not_allowed', transaction: '', network },
    })
    expect(scheme.calls).toEqual([])
  })

  it('admits a listed network (named by its v1 name) and asset (in another case)', async () => {
    const { app, scheme } = fakeApp(options)
    const answer = await post(app, '/verify', paymentBody(), { headers: bearer(restrictedKey) })
    expect(answer).toMatchObject({ status: 200, body: { isValid: true } })
    expect(scheme.calls).toHaveLength(1)
  })

  it('does not restrict a key without lists', async () => {
    const { app, scheme } = fakeApp(options)
    const body = paymentBody({ network: otherNetwork, asset: '0x42' })
    expect(await post(app, '/verify', body, { headers: bearer(key) })).toMatchObject({
      status: 200,
      body: { isValid: true },
    })
    expect(scheme.calls).toHaveLength(1)
  })
})
