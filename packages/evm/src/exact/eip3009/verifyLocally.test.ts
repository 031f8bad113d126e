import type { PaymentRequirements } from '@tollgate/core'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { keccakReady } from '../../batch-settlement/keccak.ts'
import type { Authorization } from './payload.ts'
import {
  authorizationDigest,
  authorizationDigestBytes,
  authorizationTypedData,
} from './typedData.ts'
import { verifyAuthorizationLocally } from './verifyLocally.ts'

const payer = privateKeyToAccount(generatePrivateKey())
const now = 1_800_000_000
const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:31337',
  amount: '1000',
  asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  maxTimeoutSeconds: 300,
  extra: { name: 'USD Coin', version: '2' },
}

async function signed(overrides: Partial<Authorization> = {}, signer = payer) {
  const authorization: Authorization = {
    from: payer.address,
    to: requirements.payTo,
    value: '1000',
    validAfter: '0',
    validBefore: String(now + 300),
    nonce: `0x${'07'.repeat(32)}`,
    ...overrides,
  }
  const domain = {
    name: 'USD Coin',
    version: '2',
    chainId: 31337,
    verifyingContract: requirements.asset as `0x${string}`,
  }
  const signature = await signer.signTypedData(authorizationTypedData(domain, authorization))
  return { signature, authorization }
}

describe('verifyAuthorizationLocally', () => {
  it('accepts a payment signed by its payer for the price and payee, with no chain', async () => {
    expect(await verifyAuthorizationLocally(await signed(), requirements, now)).toEqual({
      ok: true,
      payer: payer.address,
    })
  })

  it('refuses another payee, amount, an expired or future window and another signer, by code', async () => {
    const other = privateKeyToAccount(generatePrivateKey())
    const cases = [
      [await signed({ to: other.address }), 'EVM_EXACT_RECIPIENT_MISMATCH'],
      [await signed({ value: '999' }), 'EVM_EXACT_VALUE_MISMATCH'],
      [await signed({ validBefore: String(now + 3) }), 'EVM_EXACT_VALID_BEFORE'],
      [await signed({ validAfter: String(now + 60) }), 'EVM_EXACT_VALID_AFTER'],
      [await signed({}, other), 'EVM_EXACT_SIGNATURE_INVALID'],
    ] as const
    for (const [payload, code] of cases)
      expect(await verifyAuthorizationLocally(payload, requirements, now)).toMatchObject({
        ok: false,
        code,
      })
  })

  it('leaves what it cannot judge alone to the facilitator', async () => {
    const payment = await signed()
    // A smart wallet's signature (longer than 65 bytes) needs EIP-1271 on chain.
    expect(
      await verifyAuthorizationLocally(
        { ...payment, signature: `${payment.signature}00` },
        requirements,
        now,
      ),
    ).toBeUndefined()
    expect(
      await verifyAuthorizationLocally({ permit2Authorization: {} }, requirements, now),
    ).toBeUndefined()
  })
})

describe('authorizationDigestBytes', () => {
  it('is the EIP-712 digest viem computes, for any authorization and domain', async () => {
    await keccakReady
    const address = fc
      .uint8Array({ minLength: 20, maxLength: 20 })
      .map((bytes) => bytesToHex(bytes))
    const word = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map(String)
    fc.assert(
      fc.property(
        address,
        address,
        word,
        word,
        word,
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => bytesToHex(bytes)),
        fc.record({
          name: fc.string(),
          version: fc.string(),
          chainId: fc.integer({ min: 1, max: 2 ** 40 }),
          verifyingContract: address,
        }),
        (from, to, value, validAfter, validBefore, nonce, domain) => {
          const authorization = { from, to, value, validAfter, validBefore, nonce }
          const typed = domain as Parameters<typeof authorizationDigest>[0]
          expect(bytesToHex(authorizationDigestBytes(typed, authorization))).toBe(
            authorizationDigest(typed, authorization),
          )
        },
      ),
      { numRuns: 200 },
    )
  })
})
