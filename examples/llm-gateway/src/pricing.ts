/**
 * Prices in micro-dollars (millionths of a dollar, one atomic unit of USDC), as bigints so that
 * no charge is ever rounded by floating point.
 */

const million = 1_000_000n

/**
 * Micro-dollars per million tokens, from a price in dollars per million tokens. Refused unless
 * it is a positive whole number of micro-dollars per million tokens.
 */
export function microUsdPerMillion(pricePerMillionTokens: number): bigint {
  const micro = pricePerMillionTokens * 1_000_000
  if (!Number.isFinite(micro) || micro < 1 || Math.abs(micro - Math.round(micro)) > 1e-6) {
    throw new RangeError(
      `pricePerMillionTokens must be at least $0.000001 and a whole number of micro-dollars, not ${pricePerMillionTokens}`,
    )
  }
  return BigInt(Math.round(micro))
}

/**
 * What `tokens` tokens cost: rounded up to a whole micro-dollar, and never less than one, so a
 * request that did anything is charged something and the charge is never below the price.
 */
export function chargeOf(tokens: number, perMillion: bigint): bigint {
  const exact = BigInt(Math.max(0, Math.ceil(tokens))) * perMillion
  const charge = (exact + million - 1n) / million
  return charge < 1n ? 1n : charge
}

/** Micro-dollars as a dollar price with six decimals, e.g. `$0.000246`. */
export function usd(micro: bigint): string {
  const whole = micro / million
  const fraction = (micro % million).toString().padStart(6, '0')
  return `$${whole}.${fraction}`
}
