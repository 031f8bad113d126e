/**
 * Goal: a transaction cannot make the fee payer pay more than the configured bound
 * (RELIABILITY §6 A case 10, invariant I4). Method: compute budget instructions doubled,
 * missing, reordered or over the caps; each refused before any RPC call, nothing signed or sent.
 */
import { reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  encodeTransaction,
  limitOf,
  memoOf,
  priceOf,
  type SvmFixture,
  svmFixture,
  transferOf,
} from '../testing/fixtures.ts'
import { attempt, refusedWithoutRpc } from '../testing/refusal.ts'
import { exactSvmFacilitator } from './exactSvmFacilitator.ts'
import { worstCaseFeeLamports } from './options.ts'

let fixture: SvmFixture
beforeAll(async () => {
  fixture = await svmFixture()
})

describe('exact SVM verify refuses compute abuse', () => {
  it('two SetComputeUnitPrice instructions (only the last would apply)', async () => {
    const instructions = [
      limitOf(20_000),
      priceOf(1n),
      await transferOf(fixture),
      priceOf(1_000_000_000n),
    ]
    expect(await attempt(fixture, await encodeTransaction(fixture, instructions))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_PRICE_INSTRUCTION')),
    )
  })

  it('two SetComputeUnitLimit instructions', async () => {
    const instructions = [
      limitOf(20_000),
      priceOf(1n),
      await transferOf(fixture),
      limitOf(1_400_000),
    ]
    expect(await attempt(fixture, await encodeTransaction(fixture, instructions))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_LIMIT_INSTRUCTION')),
    )
  })

  it('a price above the cap', async () => {
    const instructions = [limitOf(20_000), priceOf(5_000_001n), await transferOf(fixture)]
    expect(await attempt(fixture, await encodeTransaction(fixture, instructions))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_PRICE_TOO_HIGH')),
    )
  })

  it('a limit of 1,400,000 units', async () => {
    const instructions = [limitOf(1_400_000), priceOf(1n), await transferOf(fixture)]
    expect(await attempt(fixture, await encodeTransaction(fixture, instructions))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_LIMIT_TOO_HIGH')),
    )
  })

  it('a missing limit instruction (the default would apply)', async () => {
    const instructions = [priceOf(1n), await transferOf(fixture), memoOf('m')]
    expect(await attempt(fixture, await encodeTransaction(fixture, instructions))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_LIMIT_INSTRUCTION')),
    )
  })

  it('a missing price instruction', async () => {
    const instructions = [limitOf(20_000), await transferOf(fixture), memoOf('m')]
    expect(await attempt(fixture, await encodeTransaction(fixture, instructions))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_PRICE_INSTRUCTION')),
    )
  })

  it('caps configured lower than the defaults', async () => {
    const instructions = [limitOf(50_000), priceOf(10n), await transferOf(fixture)]
    const transaction = await encodeTransaction(fixture, instructions)
    const tight = await attempt(fixture, transaction, {
      facilitator: { maxComputeUnitLimit: 40_000, maxComputeUnitPrice: 10n },
    })
    expect(tight).toMatchObject(refusedWithoutRpc(reasonOf('SVM_EXACT_COMPUTE_LIMIT_TOO_HIGH')))
  })

  it('bounds the fee of any accepted transaction', () => {
    // 5,000,000 µlamports × 200,000 units / 1e6 + 2 signatures × 5,000 lamports.
    const defaults = {
      maxComputeUnitPrice: 5_000_000n,
      maxComputeUnitLimit: 200_000,
      maxSignatures: 2,
    }
    expect(worstCaseFeeLamports(defaults)).toBe(1_010_000n)
    // The reference caps only the price: a 1,400,000 unit limit would cost 7,010,000.
    expect(worstCaseFeeLamports({ ...defaults, maxComputeUnitLimit: 1_400_000 })).toBe(7_010_000n)
    // A price of 1 µlamport still rounds the priority fee up to 1 lamport.
    expect(worstCaseFeeLamports({ ...defaults, maxComputeUnitPrice: 1n })).toBe(10_001n)
  })

  it('refuses options that would lift the bound past the cluster maximum', () => {
    expect(() =>
      exactSvmFacilitator({
        rpcUrl: 'http://127.0.0.1:1',
        feePayers: [fixture.feePayer],
        networks: [fixture.network],
        assets: [fixture.asset],
        maxComputeUnitLimit: 1_400_001,
      }),
    ).toThrow(/maxComputeUnitLimit/)
  })
})
