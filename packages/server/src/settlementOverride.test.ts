import type { PaymentRequirements } from '@tollgate/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chargeOf } from './settlementOverride.ts'

const requirements: PaymentRequirements = {
  scheme: 'upto',
  network: 'eip155:31337',
  amount: '10000',
  asset: '0x0000000000000000000000000000000000000001',
  payTo: '0x0000000000000000000000000000000000000002',
  maxTimeoutSeconds: 60,
}
const charge = (override: string | undefined, decimals: number | undefined = 6) =>
  chargeOf(
    requirements,
    override === undefined ? {} : { 'Settlement-Overrides': override },
    decimals,
  )

describe('chargeOf', () => {
  it('charges the maximum without an override', () => {
    expect(charge(undefined)).toEqual({ amount: '10000' })
  })

  it('reads atomic amounts, percentages of the maximum and dollar prices', () => {
    expect(charge('{"amount":"2500"}')).toEqual({ amount: '2500' })
    expect(charge('{"amount":"0"}')).toEqual({ amount: '0' })
    expect(charge('{"amount":"33.33%"}')).toEqual({ amount: '3333' })
    expect(charge('{"amount":"100%"}')).toEqual({ amount: '10000' })
    expect(charge('{"amount":"$0.005"}')).toEqual({ amount: '5000' })
  })

  it('refuses a charge above the maximum, an unreadable one, and dollars of unknown decimals', () => {
    expect(charge('{"amount":"10001"}')).toHaveProperty('problem')
    expect(charge('{"amount":"100.01%"}')).toHaveProperty('problem')
    expect(charge('{"amount":"$0.02"}')).toHaveProperty('problem')
    const unknownDecimals = chargeOf(
      requirements,
      { 'settlement-overrides': '{"amount":"$0.001"}' },
      undefined,
    )
    expect(unknownDecimals).toHaveProperty('problem')
    expect(charge('{"amount":"-1"}')).toHaveProperty('problem')
    expect(charge('{"amount":2500}')).toHaveProperty('problem')
    expect(charge('not json')).toHaveProperty('problem')
    expect(charge('null')).toHaveProperty('problem')
  })

  it('never throws and never charges above the maximum, whatever the header says', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.string().map((amount) => JSON.stringify({ amount })),
          fc.bigInt({ min: 0n, max: 2n ** 256n }).map((n) => JSON.stringify({ amount: `${n}` })),
        ),
        (header) => {
          const result = charge(header)
          if ('amount' in result) expect(BigInt(result.amount) <= 10_000n).toBe(true)
        },
      ),
    )
  })
})
