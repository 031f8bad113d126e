import { describe, expect, it } from 'vitest'
import { formatAtomicUnits, toAtomicUnits } from './money.ts'

describe('toAtomicUnits', () => {
  it('converts dollar prices by decimals', () => {
    expect(toAtomicUnits('$0.001', 6)).toBe(1000n)
    expect(toAtomicUnits('0.10', 6)).toBe(100_000n)
    expect(toAtomicUnits('$1', 6)).toBe(1_000_000n)
    expect(toAtomicUnits(0.001, 6)).toBe(1000n)
    expect(toAtomicUnits('$1.5', 18)).toBe(1_500_000_000_000_000_000n)
    expect(toAtomicUnits('0.0000010', 6)).toBe(1n)
  })

  it('refuses prices it cannot represent exactly instead of rounding', () => {
    expect(() => toAtomicUnits('$0.0000001', 6)).toThrowError(/more than 6 decimal places/)
    expect(() => toAtomicUnits(1e-7, 6)).toThrowError(/decimal string/)
  })

  it.each(['-1', '$-0.1', '1e3', '0x10', '', '$', 'abc', '1.', '.5', '+1', 'NaN'])(
    'refuses %j',
    (price) => {
      expect(() => toAtomicUnits(price, 6)).toThrowError(/invalid_payment_requirements|decimal/)
    },
  )

  it('refuses non-finite and negative numbers', () => {
    expect(() => toAtomicUnits(Number.NaN, 6)).toThrow()
    expect(() => toAtomicUnits(-1, 6)).toThrow()
    expect(() => toAtomicUnits(Number.POSITIVE_INFINITY, 6)).toThrow()
  })
})

describe('formatAtomicUnits', () => {
  it('formats without trailing zeros', () => {
    expect(formatAtomicUnits(1000n, 6)).toBe('0.001')
    expect(formatAtomicUnits(1_000_000n, 6)).toBe('1')
    expect(formatAtomicUnits(1_234_500n, 6)).toBe('1.2345')
    expect(formatAtomicUnits(0n, 6)).toBe('0')
    expect(formatAtomicUnits(-5n, 2)).toBe('-0.05')
  })
})
