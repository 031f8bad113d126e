/**
 * One claim the ledger refuses never fails its batch. Method: a fake ledger that, like a SQL
 * statement, fails a whole call when any payment in it is poisoned; claims arrive together (one
 * batch), some poisoned at random positions. Every clean claim must be claimed, every poisoned one
 * rejected with the ledger's error, and a clean batch must still take a single call. A payment
 * whose JSON no database can store is refused before it joins a batch at all. Seeded: a failure
 * names its seed, and FC_SEED replays another.
 */
import type { ClaimResult, NewPayment } from '@tollgate/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ClaimBatcher } from './claimBatcher.ts'
import { silentEvmLogger } from './failureLog.ts'

const seed = Number(process.env.FC_SEED ?? 20260914)
console.info(`claimBatcher: fast-check seed ${seed} (FC_SEED to replay another)`)

const requirements = {
  scheme: 'exact',
  network: 'eip155:31337',
  amount: '1000',
  asset: '0xasset',
  payTo: '0xpayee',
  maxTimeoutSeconds: 60,
}

/** A payment whose resource description says how it fares: `poison`, `ok`, or a NUL. */
function payment(key: string, description: string): NewPayment {
  return {
    key,
    payloadHash: `hash-${key}`,
    network: 'eip155:31337',
    scheme: 'exact',
    payer: '0xpayer',
    payTo: '0xpayee',
    asset: '0xasset',
    amount: '1000',
    payment: {
      paymentPayload: {
        x402Version: 2,
        resource: { url: 'http://x', description },
        accepted: requirements,
        payload: {},
      },
      paymentRequirements: requirements,
    },
  }
}

/** Fails a whole call, as one SQL statement does, when any of its payments is poisoned. */
class StatementLedger {
  readonly calls: number[] = []
  async claimMany(payments: NewPayment[]): Promise<ClaimResult[]> {
    this.calls.push(payments.length)
    await Promise.resolve()
    if (payments.some((item) => JSON.stringify(item.payment).includes('poison')))
      throw new Error('unsupported Unicode escape sequence')
    const now = new Date()
    return payments.map((item, id) => ({
      status: 'claimed',
      payment: {
        ...item,
        id,
        state: 'received',
        reason: undefined,
        message: undefined,
        transaction: undefined,
        attempts: 1,
        owner: 'owner',
        createdAt: now,
        updatedAt: now,
      },
    }))
  }
}

describe('ClaimBatcher', () => {
  it('claims the clean ones of a poisoned batch and fails only the poisoned ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), async (poison) => {
        const ledger = new StatementLedger()
        const batcher = new ClaimBatcher(ledger, 'owner', 30_000, silentEvmLogger)
        const outcomes = await Promise.allSettled(
          poison.map((poisoned, index) =>
            batcher.claim(payment(`k${index}`, poisoned ? 'poison' : 'ok')),
          ),
        )
        expect(ledger.calls[0]).toBe(poison.length)
        for (const [index, outcome] of outcomes.entries()) {
          if (poison[index]) {
            expect(outcome.status).toBe('rejected')
          } else {
            expect(outcome).toMatchObject({
              status: 'fulfilled',
              value: { status: 'claimed', payment: { key: `k${index}` } },
            })
          }
        }
        // A clean batch is one call; a poisoned one is retried claim by claim.
        const expectedCalls = poison.some(Boolean) && poison.length > 1 ? 1 + poison.length : 1
        expect(ledger.calls).toHaveLength(expectedCalls)
      }),
      { seed, numRuns: 100 },
    )
  })

  it('refuses a payment the database cannot store before it joins a batch', async () => {
    const ledger = new StatementLedger()
    const batcher = new ClaimBatcher(ledger, 'owner', 30_000, silentEvmLogger)
    const outcomes = await Promise.allSettled([
      batcher.claim(payment('a', 'ok')),
      batcher.claim(payment('b', 'a\u0000b')),
      batcher.claim(payment('c', '\uD800')),
      batcher.claim(payment('d', 'ok')),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ])
    expect(outcomes[1]).toMatchObject({ reason: { code: 'PAYLOAD_MALFORMED' } })
    expect(ledger.calls).toEqual([2])
  })
})
