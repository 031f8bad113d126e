/**
 * Goal: the layouts the spec and the wallets produce pass verification and settle once.
 * Method: transactions built with kit like a client would, on a fake cluster that simulates,
 * lands and confirms everything.
 */
import { reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { lighthouseProgram } from '../constants.ts'
import {
  encodeTransaction,
  limitOf,
  memoOf,
  priceOf,
  requirementsOf,
  type SvmFixture,
  standardInstructions,
  svmFixture,
  transferOf,
} from '../testing/fixtures.ts'
import { attempt } from '../testing/refusal.ts'

let fixture: SvmFixture
beforeAll(async () => {
  fixture = await svmFixture()
})

const lighthouse = (tag: number) => ({
  programAddress: lighthouseProgram,
  data: Uint8Array.of(tag, 1, 2, 3),
})

describe('exact SVM verify accepts', () => {
  it('the reference layout, and settles it with one signature and one send', async () => {
    const result = await attempt(
      fixture,
      await encodeTransaction(fixture, await standardInstructions(fixture)),
    )
    expect(result.verdict).toEqual({ isValid: true, payer: fixture.buyer.address })
    expect(result.settled).toMatchObject({ success: true, payer: fixture.buyer.address })
    expect(result.settled.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
    expect(result.signatures).toBe(1)
    expect(result.sends).toBe(1)
  })

  it.each([
    ['Lighthouse ×1 + Memo (Phantom)', [lighthouse(1), memoOf('m')]],
    ['Lighthouse ×2 + Memo (Solflare)', [lighthouse(1), lighthouse(2), memoOf('m')]],
    [
      'Memo + Lighthouse ×3 (7 instructions)',
      [memoOf('m'), lighthouse(1), lighthouse(2), lighthouse(3)],
    ],
    ['no memo at all', []],
  ])('%s', async (_, extra) => {
    const instructions = [limitOf(20_000), priceOf(1n), await transferOf(fixture), ...extra]
    const result = await attempt(fixture, await encodeTransaction(fixture, instructions))
    expect(result.verdict.isValid).toBe(true)
    expect(result.settled.success).toBe(true)
  })

  it('the seller memo, once and exactly', async () => {
    const instructions = [
      limitOf(20_000),
      priceOf(1n),
      await transferOf(fixture),
      memoOf('order-7 ✓'),
    ]
    const requirements = requirementsOf(fixture, { memo: 'order-7 ✓' })
    const result = await attempt(fixture, await encodeTransaction(fixture, instructions), {
      requirements,
    })
    expect(result.verdict.isValid).toBe(true)
  })

  it('the compute caps themselves', async () => {
    const instructions = [limitOf(200_000), priceOf(5_000_000n), await transferOf(fixture)]
    const result = await attempt(fixture, await encodeTransaction(fixture, instructions))
    expect(result.verdict.isValid).toBe(true)
    expect(result.settled.errorReason).not.toBe(reasonOf('SVM_EXACT_COMPUTE_PRICE_TOO_HIGH'))
  })
})
