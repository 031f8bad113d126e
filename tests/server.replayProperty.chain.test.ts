/**
 * Goal: whatever a buyer (or anyone holding a copy) does with one signed payment, it buys one
 * run and one debit, and every success is the first success again, byte for byte. Method: a
 * seeded fast-check property over sequences of presentation groups (each group sent at once) of
 * one payment, with its payment-identifier id, without one, or with another id, on the HTTP
 * route of two instances and on the paid MCP tool, all sharing one folder store; the dev stack
 * settles for real and the chain is asked for the debits.
 */
import type { PaymentPayload } from '@tollgate/core'
import fc from 'fast-check'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, startSharedSurfaces } from './support/sharedSurfaces.ts'
import { startTestStack, transferCount } from './support/stack.ts'

const seed = 20261203
let stack: DevStack
let surfaces: Awaited<ReturnType<typeof startSharedSurfaces>>

beforeAll(async () => {
  stack = await startTestStack()
  surfaces = await startSharedSurfaces(stack)
})
afterAll(async () => {
  await surfaces?.close()
  await stack?.stop()
})

type Variant = 'same' | 'none' | 'other'
const presentation = fc.record({
  surface: fc.constantFrom<Answer['surface']>('a', 'b', 'tool'),
  variant: fc.constantFrom<Variant>('same', 'same', 'none', 'other'),
})
const groups = fc.array(fc.array(presentation, { minLength: 1, maxLength: 3 }), {
  minLength: 1,
  maxLength: 3,
})

function variantOf(payment: PaymentPayload, variant: Variant): PaymentPayload {
  if (variant === 'same') return payment
  const { extensions: _, ...bare } = payment
  if (variant === 'none') return bare
  const other = `pay_${crypto.randomUUID().replaceAll('-', '')}`
  return {
    ...bare,
    extensions: { 'payment-identifier': { info: { required: false, id: other } } },
  }
}

describe('one signed payment, presented any way', () => {
  it('runs at most once, debits at most once, and every success repeats the first', async () => {
    const { manifest } = stack
    const payer = manifest.accounts.payer.address
    const merchant = manifest.accounts.merchant.address
    let replays = 0
    const property = fc.asyncProperty(groups, async (plan) => {
      const payment = await surfaces.sign()
      const runsBefore = surfaces.runs.count
      const debitsBefore = await transferCount(manifest, payer, merchant)
      const answers: Answer[] = []
      for (const group of plan) {
        const sent = group.map(({ surface, variant }) =>
          surfaces.present(surface, variantOf(payment, variant)),
        )
        answers.push(...(await Promise.all(sent)))
      }
      const runs = surfaces.runs.count - runsBefore
      const debits = (await transferCount(manifest, payer, merchant)) - debitsBefore
      const successes = answers.filter((answer) => answer.ok)
      expect(runs).toBeLessThanOrEqual(1)
      expect(debits).toBe(runs)
      expect(successes.length > 0).toBe(runs === 1)
      for (const success of successes) expect(success.bytes).toBe(successes[0]?.bytes)
      replays += Math.max(0, successes.length - 1)
      // A success on the route and one on the tool would be two things for one payment.
      expect(new Set(successes.map((success) => success.surface === 'tool')).size).toBeLessThan(2)
      for (const answer of answers)
        if (!answer.ok && answer.surface !== 'tool') expect([402, 409]).toContain(answer.status)
    })
    try {
      await fc.assert(property, { seed, numRuns: 12, endOnFailure: true })
    } catch (error) {
      const { message, cause } = error as Error
      throw new Error(`property failed with fast-check seed ${seed}:\n${message}\n${String(cause)}`)
    }
    // The plans did repeat successful presentations: the replay path was exercised.
    expect(replays).toBeGreaterThan(0)
  })
})
