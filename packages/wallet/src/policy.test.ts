import { describe, expect, it } from 'vitest'
import { describeBudget, parseSpendingPolicy, paymentPolicyOf } from './policy.ts'

describe('spending policy', () => {
  it('reads dollars as micro-dollars and keeps the static rules for the client', () => {
    const policy = parseSpendingPolicy({
      maxPayment: '$0.25',
      approvalAbove: 0.1,
      budgets: [
        { limit: '$5', per: 'day' },
        { limit: 2, per: 'hour', eachHost: true },
      ],
      networks: ['eip155:8453'],
      hosts: ['api.example.com'],
    })
    expect(policy.maxPayment).toBe(250_000n)
    expect(policy.approvalAbove).toBe(100_000n)
    expect(policy.budgets.map((budget) => budget.limit)).toEqual([5_000_000n, 2_000_000n])
    expect(paymentPolicyOf(policy)).toEqual({
      maxPaymentUsd: '$0.25',
      networks: ['eip155:8453'],
      hosts: ['api.example.com'],
    })
    expect(describeBudget(policy.budgets[1]!, 'api.example.com')).toBe(
      'the hourly budget for api.example.com of $2',
    )
    expect(paymentPolicyOf(parseSpendingPolicy({})).maxPaymentUsd).toBe('$0.1')
  })

  it('names every problem by its path', () => {
    expect(() =>
      parseSpendingPolicy({
        maxPayment: 'ten dollars',
        budgets: [
          { limit: '$1', per: 'fortnight' },
          { limit: 1, host: 'a', eachHost: true },
        ],
        allowEverything: true,
      }),
    ).toThrow(
      /maxPayment: "ten dollars" is not a dollar amount.*budgets\.0\.per: .*budgets\.1: a budget has either host or eachHost.*allowEverything/,
    )
    expect(() => parseSpendingPolicy({ maxPayment: '0.0000001' })).toThrow(/at most 6 decimals/)
  })
})
