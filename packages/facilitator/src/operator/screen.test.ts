/**
 * The screen on v1 requests and the Facilitator's stats bound: allow-lists and blocklists see
 * the normalized request (CAIP-2 network, the v1 payload's authorization), and a v1 refusal
 * keeps the v1 network name.
 */
import { describe, expect, it } from 'vitest'
import {
  asset,
  FakeScheme,
  fakeApp,
  merchantAddress,
  payerAddress,
  post,
} from '../../test/fakeScheme.ts'
import { Facilitator } from '../facilitator.ts'
import { generateApiKey, hashApiKey, memoryApiKeyStore } from './apiKeys.ts'
import { memoryBlocklist } from './blocklist.ts'

function v1Body(network: string, from = payerAddress) {
  const requirements = {
    scheme: 'exact',
    network,
    maxAmountRequired: '1000',
    resource: 'https://api.example/weather',
    payTo: merchantAddress,
    maxTimeoutSeconds: 60,
    asset,
    extra: { name: 'USDC', version: '2' },
  }
  return {
    x402Version: 1,
    paymentPayload: {
      x402Version: 1,
      scheme: 'exact',
      network,
      payload: { signature: '0x22', authorization: { from, to: merchantAddress, value: '1000' } },
    },
    paymentRequirements: requirements,
  }
}

describe('the screen on v1 requests', () => {
  const key = generateApiKey()
  const store = memoryApiKeyStore([
    { keyHash: hashApiKey(key), merchant: 'acme', networks: ['eip155:84532'] },
  ])
  const headers = { authorization: `Bearer ${key}` }

  it('matches a CAIP-2 allow-list against a v1 network name', async () => {
    const { app, scheme } = fakeApp({ apiKeys: { store, required: true } })
    expect(await post(app, '/verify', v1Body('base-sepolia'), { headers })).toMatchObject({
      status: 200,
      body: { isValid: true },
    })
    const refused = await post(app, '/settle', v1Body('base'), { headers })
    expect(refused).toMatchObject({
      status: 200,
      body: { success: false, errorReason: 'invalid_network', transaction: '', network: 'base' },
    })
    expect(scheme.calls.map((call) => call.requirements.network)).toEqual(['eip155:84532'])
  })

  it('finds the payer of a v1 payment', async () => {
    const { app, scheme } = fakeApp({ blocklist: memoryBlocklist([payerAddress]) })
    expect(await post(app, '/verify', v1Body('base-sepolia'))).toMatchObject({
      body: { isValid: false, invalidReason: 'address_blocked' },
    })
    expect(scheme.calls).toEqual([])
  })
})

describe('Facilitator.stats', () => {
  it('leaves out a scheme that fails or is slower than the bound', async () => {
    const slow = new FakeScheme()
    slow.stats = () => new Promise(() => {})
    const failing = new FakeScheme()
    failing.statsAnswer = new Error('rpc down')
    const facilitator = new Facilitator({ schemes: [new FakeScheme(), slow, failing] })
    const started = performance.now()
    const { readings, failures } = await facilitator.stats(50)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(readings).toHaveLength(1)
    expect(readings[0]).toMatchObject({ scheme: 'exact', caipFamily: 'eip155:*' })
    expect(failures).toEqual(['exact', 'exact'])
  })
})
