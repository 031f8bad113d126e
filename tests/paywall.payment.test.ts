/**
 * Goal: the payment the paywall page builds in the browser is the one `@tollgate/evm` builds: the
 * same EIP-712 typed data (so the same signature), the same v2 payload, extensions echoed.
 * Method: run the page's pure functions in Node, sign their `eth_signTypedData_v4` JSON as a
 * wallet does, and compare with the EVM package's typed data signed by the same key.
 */
import {
  decodeJsonHeader,
  encodeJsonHeader,
  type PaymentRequired,
  type PaymentRequirements,
  parsePaymentPayload,
} from '@tollgate/core'
import { authorizationTypedData } from '@tollgate/evm'
import { getAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  decodeReceipt,
  encodePaymentSignature,
  paymentPayload,
  randomNonce,
  transferTypedData,
} from '../packages/paywall/src/browser/payment.ts'
import { signTypedDataJson } from './support/testWallet.ts'

const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
  maxTimeoutSeconds: 120,
  extra: { name: 'USDC', version: '2' },
}

const required: PaymentRequired = {
  x402Version: 2,
  resource: { url: 'https://api.example/weather', description: 'Weather, 天気' },
  accepts: [requirements],
  extensions: { bazaar: { info: { input: { type: 'http', method: 'GET' } } } },
}

describe('the paywall payment', () => {
  it('signs the same typed data as @tollgate/evm', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const nonce = randomNonce()
    expect(nonce).toMatch(/^0x[0-9a-f]{64}$/)
    const { authorization, typedData } = transferTypedData({
      requirements,
      chainId: 84532,
      from: account.address.toLowerCase(),
      nowSeconds: 1_700_000_000,
      nonce,
    })
    expect(authorization).toEqual({
      from: account.address.toLowerCase(),
      to: requirements.payTo,
      value: '1000',
      validAfter: '0',
      validBefore: '1700000120',
      nonce,
    })
    const fromWallet = await signTypedDataJson(account, JSON.stringify(typedData))
    const domain = {
      name: 'USDC',
      version: '2',
      chainId: 84532,
      verifyingContract: getAddress(requirements.asset),
    }
    const fromEvm = await account.signTypedData(
      authorizationTypedData(domain, { ...authorization, from: account.address }),
    )
    expect(fromWallet).toBe(fromEvm)
  })

  it('refuses an offer without the token domain', () => {
    const { extra: _, ...bare } = requirements
    expect(() =>
      transferTypedData({ requirements: bare, chainId: 1, from: '0x', nowSeconds: 0, nonce: '0x' }),
    ).toThrow('extra.name, extra.version')
  })

  it('builds the v2 payload with resource, accepted and extensions, base64 over UTF-8', () => {
    const authorization = {
      from: '0x857b06519e91e3a54538791bdbb0e22373e36b66',
      to: requirements.payTo,
      value: '1000',
      validAfter: '0',
      validBefore: '1700000120',
      nonce: randomNonce(),
    }
    const payment = paymentPayload(required, requirements, '0x1234', authorization)
    const decoded = parsePaymentPayload(
      decodeJsonHeader(encodePaymentSignature(payment), 'PAYMENT-SIGNATURE'),
    ).payload
    expect(decoded).toEqual({
      x402Version: 2,
      resource: required.resource,
      accepted: requirements,
      payload: { signature: '0x1234', authorization },
      extensions: required.extensions,
    })
  })

  it('adds an id to a declared payment-identifier, keeping what was declared', () => {
    const declared = { 'payment-identifier': { info: { required: true } } }
    const payment = paymentPayload({ ...required, extensions: declared }, requirements, '0x12', {
      from: '0x857b06519e91e3a54538791bdbb0e22373e36b66',
      to: requirements.payTo,
      value: '1',
      validAfter: '0',
      validBefore: '1',
      nonce: randomNonce(),
    })
    expect(payment.extensions).toEqual({
      'payment-identifier': {
        info: { required: true, id: expect.stringMatching(/^pay_[0-9a-f]{32}$/) },
      },
    })
  })

  it('reads a receipt header, and nothing from a malformed one', () => {
    const receipt = { success: true, transaction: '0xab', network: 'eip155:1', payer: '0xcd' }
    expect(decodeReceipt(encodeJsonHeader(receipt))).toMatchObject(receipt)
    expect(decodeReceipt('not base64!')).toBeUndefined()
    expect(decodeReceipt(null)).toBeUndefined()
    expect(decodeReceipt(encodeJsonHeader('a string'))).toBeUndefined()
  })
})
