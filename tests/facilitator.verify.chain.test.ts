/**
 * The facilitator's /verify on a real devnet: every bad input answers the reference reason
 * code with a status a client can act on (never a 5xx), and a good payment still verifies
 * afterwards.
 */
import type { PaymentRequirements } from '@tollgate/core'
import type { DevStack } from 'tollgate'
import { type Hex, numberToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  type PaymentOverrides,
  postFacilitator,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let requirements: PaymentRequirements
const secp256k1Order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

beforeAll(async () => {
  stack = await startTestStack()
  requirements = weatherRequirements(stack.manifest)
})
afterAll(() => stack?.stop())

async function verify(overrides: PaymentOverrides = {}, change: Partial<PaymentRequirements> = {}) {
  const changed = { ...requirements, ...change }
  const payload = await signPayment(stack.manifest, changed, overrides)
  return postFacilitator(stack.manifest, '/verify', facilitatorBody(payload, changed))
}

function expectRejected(
  answer: { status: number; body: Record<string, unknown> },
  reason: string,
  status = 200,
) {
  expect(answer.body).toMatchObject({ isValid: false, invalidReason: reason })
  expect(answer.status).toBe(status)
}

describe('a valid payment', () => {
  it('verifies, naming the payer', async () => {
    const answer = await verify()
    expect(answer).toEqual({
      status: 200,
      body: { isValid: true, payer: stack.manifest.accounts.payer.address },
    })
  })
})

describe('malformed requests answer 400 invalid_payload (or 413 when too large)', () => {
  it.each([
    ['not JSON', '{"x402Version":2,'],
    [
      'duplicate keys',
      '{"x402Version":2,"x402Version":2,"paymentPayload":{},"paymentRequirements":{}}',
    ],
    ['missing paymentPayload', JSON.stringify({ x402Version: 2, paymentRequirements: {} })],
    ['an array', '[]'],
    ['null', 'null'],
  ])('%s', async (_, body) => {
    expectRejected(await postFacilitator(stack.manifest, '/verify', body), 'invalid_payload', 400)
  })

  it('an oversized body', async () => {
    const body = JSON.stringify({ x402Version: 2, padding: 'x'.repeat(200_000) })
    expectRejected(await postFacilitator(stack.manifest, '/verify', body), 'invalid_payload', 413)
  })

  it('a payload without its scheme fields', async () => {
    const payload = await signPayment(stack.manifest, requirements)
    const body = facilitatorBody({ ...payload, payload: { signature: '0xzz' } }, requirements)
    expectRejected(await postFacilitator(stack.manifest, '/verify', body), 'invalid_payload')
  })

  it('an unknown protocol version', async () => {
    const payload = await signPayment(stack.manifest, requirements)
    const body = {
      x402Version: 99,
      paymentPayload: { ...payload, x402Version: 99 },
      paymentRequirements: requirements,
    }
    expectRejected(
      await postFacilitator(stack.manifest, '/verify', body),
      'invalid_x402_version',
      400,
    )
  })

  it.each(['1e3', '+1', '0x3e8', '-1', '1.5'])('a requirement amount of %j', async (amount) => {
    const payload = await signPayment(stack.manifest, requirements)
    const body = facilitatorBody(payload, { ...requirements, amount })
    expectRejected(
      await postFacilitator(stack.manifest, '/verify', body),
      'invalid_payment_requirements',
      400,
    )
  })
})

describe('unsupported scheme or network', () => {
  it('an unknown scheme', async () => {
    expectRejected(await verify({}, { scheme: 'auth-capture' }), 'unsupported_scheme')
  })

  it('a network this facilitator does not serve', async () => {
    expectRejected(await verify({}, { network: 'eip155:8453' }), 'invalid_network')
  })

  it('a payment accepted on another network than required', async () => {
    const payload = await signPayment(stack.manifest, requirements)
    const body = facilitatorBody(
      { ...payload, accepted: { ...requirements, network: 'eip155:8453' } },
      requirements,
    )
    expectRejected(
      await postFacilitator(stack.manifest, '/verify', body),
      'invalid_exact_evm_network_mismatch',
    )
  })

  it('an asset this facilitator does not accept', async () => {
    expectRejected(
      await verify({}, { asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e' }),
      'asset_not_allowed',
    )
  })

  it('requirements without the EIP-712 domain', async () => {
    const payload = await signPayment(stack.manifest, requirements)
    const bare = { ...requirements, extra: {} }
    expectRejected(
      await postFacilitator(stack.manifest, '/verify', facilitatorBody(payload, bare)),
      'invalid_exact_evm_missing_eip712_domain',
    )
  })
})

describe('authorization mismatches', () => {
  it('another recipient', async () => {
    const to = privateKeyToAccount(`0x${'11'.repeat(32)}`).address
    expectRejected(await verify({ authorization: { to } }), 'invalid_exact_evm_recipient_mismatch')
  })

  it.each([
    ['lower', '999'],
    ['higher', '1001'],
  ])('an amount %s than required', async (_, value) => {
    expectRejected(
      await verify({ authorization: { value } }),
      'invalid_exact_evm_payload_authorization_value_mismatch',
    )
  })

  it('validBefore in the past', async () => {
    const validBefore = String(Math.floor(Date.now() / 1000) - 10)
    expectRejected(
      await verify({ authorization: { validBefore } }),
      'invalid_exact_evm_payload_authorization_valid_before',
    )
  })

  it('validBefore within the 6 s settlement buffer', async () => {
    const validBefore = String(Math.floor(Date.now() / 1000) + 3)
    expectRejected(
      await verify({ authorization: { validBefore } }),
      'invalid_exact_evm_payload_authorization_valid_before',
    )
  })

  it('validAfter in the future', async () => {
    const validAfter = String(Math.floor(Date.now() / 1000) + 120)
    expectRejected(
      await verify({ authorization: { validAfter } }),
      'invalid_exact_evm_payload_authorization_valid_after',
    )
  })
})

describe('signatures', () => {
  const reason = 'invalid_exact_evm_signature'

  it('signed by someone else', async () => {
    const other = privateKeyToAccount(`0x${'22'.repeat(32)}`)
    const forged = await verify({
      signer: other,
      authorization: { from: stack.manifest.accounts.payer.address },
    })
    expectRejected(forged, reason)
  })

  it('empty', async () => {
    expectRejected(await verify({ signature: () => '0x' as Hex }), 'invalid_payload')
  })

  it('all zeros', async () => {
    expectRejected(await verify({ signature: () => `0x${'00'.repeat(65)}` }), reason)
  })

  it('truncated', async () => {
    expectRejected(
      await verify({ signature: (signature) => signature.slice(0, 130) as Hex }),
      reason,
    )
  })

  it('the malleable high-s twin of a valid signature', async () => {
    const twin = (signature: Hex): Hex => {
      const s = BigInt(`0x${signature.slice(66, 130)}`)
      const v = Number.parseInt(signature.slice(130), 16)
      return `${signature.slice(0, 66)}${numberToHex(secp256k1Order - s, { size: 32 }).slice(2)}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    }
    expectRejected(await verify({ signature: twin }), reason)
  })
})

describe('what only the chain knows', () => {
  it('a wrong EIP-712 name', async () => {
    const extra = { name: 'USDC', version: requirements.extra?.version }
    expectRejected(await verify({}, { extra }), 'invalid_exact_evm_token_name_mismatch')
  })

  it('a wrong EIP-712 version', async () => {
    const extra = { name: requirements.extra?.name, version: '1' }
    expectRejected(await verify({}, { extra }), 'invalid_exact_evm_token_version_mismatch')
  })

  it('a payer without enough balance', async () => {
    const poor = privateKeyToAccount(`0x${'33'.repeat(32)}`)
    expectRejected(await verify({ signer: poor }), 'invalid_exact_evm_insufficient_balance')
  })

  it('an already used nonce', async () => {
    const payload = await signPayment(stack.manifest, requirements)
    const settled = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(payload, requirements),
    )
    expect(settled.body.success).toBe(true)
    expectRejected(
      await postFacilitator(stack.manifest, '/verify', facilitatorBody(payload, requirements)),
      'invalid_exact_evm_nonce_already_used',
    )
  })
})

describe('afterwards', () => {
  it('still verifies a good payment and reports itself healthy and ready', async () => {
    expect((await verify()).body.isValid).toBe(true)
    expect(await (await fetch(`${stack.manifest.facilitatorUrl}/healthz`)).json()).toEqual({
      status: 'ok',
    })
    const ready = await fetch(`${stack.manifest.facilitatorUrl}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: [
        { network: 'eip155:31337', ok: true },
        { network: stack.manifest.solana.network, ok: true },
      ],
    })
  })

  it('lists what it supports', async () => {
    const supported = await (await fetch(`${stack.manifest.facilitatorUrl}/supported`)).json()
    // The embedded Solana devnet answers as Solana devnet, which has a v1 name.
    const feePayer = stack.manifest.solana.feePayer.address
    const solana = { scheme: 'exact', extra: { feePayer } }
    expect(supported).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'exact', network: 'eip155:31337' },
        {
          x402Version: 2,
          scheme: 'upto',
          network: 'eip155:31337',
          extra: { facilitatorAddress: stack.manifest.accounts.facilitator.address },
        },
        {
          x402Version: 2,
          scheme: 'batch-settlement',
          network: 'eip155:31337',
          extra: { receiverAuthorizer: stack.manifest.accounts.receiverAuthorizer?.address },
        },
        { x402Version: 2, network: stack.manifest.solana.network, ...solana },
        { x402Version: 1, network: 'solana-devnet', ...solana },
      ],
      // The dev stack keeps a discovery catalogue, so it takes bazaar declarations too.
      extensions: ['payment-identifier', 'bazaar'],
      signers: {
        'eip155:*': [stack.manifest.accounts.facilitator.address],
        'solana:*': [feePayer],
      },
    })
  })
})
