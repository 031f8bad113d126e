import { TollgateError } from '../errors/TollgateError.ts'

/**
 * Money: prices such as `"$0.001"` become atomic units by the asset's decimals. Bigint inside,
 * decimal strings on the wire, never floating point arithmetic.
 */

const decimalPattern = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/

/**
 * Converts a decimal amount (`"$0.001"`, `"0.001"`, `0.001`) into atomic units.
 * Throws when the amount is negative, malformed or finer than the asset can represent,
 * so a price never rounds silently.
 */
export function toAtomicUnits(price: string | number, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `decimals must be an integer 0..36, got ${decimals}`,
    )
  }
  const text = typeof price === 'number' ? numberToPlainString(price) : price.trim()
  const unsigned = text.startsWith('$') ? text.slice(1) : text
  const match = decimalPattern.exec(unsigned)
  if (!match) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `price ${JSON.stringify(price)} is not a decimal amount such as "$0.001"`,
    )
  }
  const whole = match[1]!
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction.length > decimals) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `price ${JSON.stringify(price)} has more than ${decimals} decimal places`,
    )
  }
  return BigInt(whole + fraction.padEnd(decimals, '0'))
}

/** Formats atomic units as a plain decimal string: `formatUnits(1000n, 6)` is `"0.001"`. */
export function formatAtomicUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value) || value < 0) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `price ${value} must be a finite, non-negative number`,
    )
  }
  // toString gives exponent form for tiny numbers; toFixed(20) keeps digits but adds binary noise,
  // so only the shortest round-trip form is accepted.
  const text = value.toString()
  if (/e/i.test(text)) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `price ${value} must be written as a decimal string`,
    )
  }
  return text
}
