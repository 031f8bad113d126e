/**
 * Goal: whatever arrives as the transaction, verify answers with a reason and never throws
 * (invariant I3). Method: fast-check with arbitrary bytes as base64, arbitrary text, and valid
 * transactions with bytes changed; the fake cluster simulates everything successfully.
 */
import { getBase64Decoder, getBase64Encoder } from '@solana/kit'
import { errorCodes } from '@tollgate/core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  encodeTransaction,
  facilitatorOn,
  healthyChain,
  paymentOf,
  requirementsOf,
  type SvmFixture,
  standardInstructions,
  svmFixture,
} from '../testing/fixtures.ts'

const knownReasons = new Set<string>(Object.values(errorCodes).map((entry) => entry.reason))

let fixture: SvmFixture
let valid: Uint8Array
beforeAll(async () => {
  fixture = await svmFixture()
  valid = Uint8Array.from(
    getBase64Encoder().encode(
      await encodeTransaction(fixture, await standardInstructions(fixture)),
    ),
  )
})

async function verdictOf(transaction: unknown) {
  const { facilitator, signatures } = facilitatorOn(fixture, healthyChain())
  const requirements = requirementsOf(fixture)
  const payment = { ...paymentOf(requirements, ''), payload: { transaction } }
  const verdict = await facilitator.verify(payment, requirements)
  expect(signatures()).toBe(0)
  return verdict
}

function expectAnswered(verdict: { isValid: boolean; invalidReason?: string | undefined }) {
  if (!verdict.isValid) expect(knownReasons.has(verdict.invalidReason ?? '')).toBe(true)
}

describe('exact SVM verify under fuzzing', () => {
  it('answers arbitrary bytes with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1400 }), async (bytes) => {
        const verdict = await verdictOf(getBase64Decoder().decode(bytes))
        expect(verdict.isValid).toBe(false)
        expectAnswered(verdict)
      }),
      { numRuns: 300 },
    )
  })

  it('answers arbitrary text and values with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.base64String(), fc.anything()), async (value) => {
        const verdict = await verdictOf(value)
        expect(verdict.isValid).toBe(false)
        expectAnswered(verdict)
      }),
      { numRuns: 300 },
    )
  })

  it('answers a valid transaction with bytes changed, never throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (changes) => {
          const bytes = Uint8Array.from(valid)
          for (const [at, value] of changes) bytes[at % bytes.length] = value
          expectAnswered(await verdictOf(getBase64Decoder().decode(bytes)))
        },
      ),
      { numRuns: 300 },
    )
  })
})
