import { TollgateError } from '@tollgate/core'

/** ERC-8004 feedback values: at most 18 decimals and at most 1e38 in absolute value. */
export const feedbackDecimalsMax = 18
const feedbackAbsoluteMax = 10n ** 38n

/** A signed fixed-point number as the reputation registry stores it. */
export interface FixedPoint {
  value: bigint
  decimals: number
}

/**
 * Reads a decimal such as `"87"`, `"-1.5"` or `99.77` into `{ value, decimals }` exactly (no float
 * arithmetic: a number is read from its shortest decimal spelling).
 * @throws TollgateError `TRUST_FEEDBACK_FILE_MALFORMED` for anything else, more than 18 decimals,
 * or more than 1e38 in absolute value.
 */
export function toFixedPoint(decimal: string | number | bigint): FixedPoint {
  if (typeof decimal === 'bigint') return checked({ value: decimal, decimals: 0 }, String(decimal))
  const text = typeof decimal === 'number' ? numberText(decimal) : decimal.trim()
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text)
  if (!match) throw malformed(`${JSON.stringify(text)} is not a decimal number`)
  const [, sign, whole, fraction = ''] = match
  const value = BigInt(`${whole}${fraction}`) * (sign ? -1n : 1n)
  return checked({ value, decimals: fraction.length }, text)
}

/** The decimal spelling of a fixed-point value, e.g. `{ value: 9977n, decimals: 2 }` → `"99.77"`. */
export function fromFixedPoint({ value, decimals }: FixedPoint): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : ''
  return `${negative ? '-' : ''}${whole}${fraction}`
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw malformed(`${value} is not a finite number`)
  // Integers are exact as big integers at any size; small fractions in exponent notation (1e-7)
  // are spelled out by toFixed.
  if (Number.isInteger(value)) return BigInt(value).toString()
  const text = String(value)
  return /e/i.test(text) ? value.toFixed(feedbackDecimalsMax).replace(/\.?0+$/, '') : text
}

function checked(point: FixedPoint, text: string): FixedPoint {
  if (point.decimals > feedbackDecimalsMax)
    throw malformed(`${text} has more than ${feedbackDecimalsMax} decimals`)
  const magnitude = point.value < 0n ? -point.value : point.value
  if (magnitude > feedbackAbsoluteMax) throw malformed(`${text} is larger than 1e38`)
  return point
}

function malformed(message: string): TollgateError {
  return new TollgateError('TRUST_FEEDBACK_FILE_MALFORMED', `feedback value: ${message}`)
}
