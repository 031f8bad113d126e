import fc from 'fast-check'
import { keccak256, stringToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { keccakReady } from '../batch-settlement/keccak.ts'
import { payloadHashOf } from './paymentIdentity.ts'

describe('the payload hash', () => {
  it('is the Keccak-256 of the lowercased JSON that ledgers already hold', async () => {
    await keccakReady
    const hex = (length: number) => fc.stringMatching(new RegExp(`^0x[0-9a-fA-F]{${length}}$`))
    fc.assert(
      fc.property(
        hex(130),
        fc.record({
          from: hex(40),
          to: hex(40),
          value: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
          validAfter: fc.nat().map(String),
          validBefore: fc.nat().map(String),
          nonce: hex(64),
        }),
        (signature, authorization) => {
          const before = keccak256(
            stringToHex(JSON.stringify([signature, authorization]).toLowerCase()),
          )
          expect(payloadHashOf(signature, authorization)).toBe(before)
        },
      ),
      { numRuns: 200 },
    )
  })
})
