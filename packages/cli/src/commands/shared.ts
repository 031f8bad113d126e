import { InvalidArgumentError } from 'commander'

export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`${value} is not a port: a number from 0 to 65535`)
  }
  return port
}

/**
 * An EIP-155 chain id: a positive integer that JavaScript holds exactly (EIP-2294 caps chain ids
 * far above any real chain's, and viem keeps them as numbers).
 */
export function parseChainId(value: string): number {
  const id = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidArgumentError(
      `${value} is not a chain id: a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
    )
  }
  return id
}

/** A whole number within bounds, for counts and limits. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value)
    if (!/^\d+$/.test(value) || number < min || number > max)
      throw new InvalidArgumentError(`${value} is not a number from ${min} to ${max}`)
    return number
  }
}
