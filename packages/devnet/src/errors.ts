/**
 * The one error class of @tollgate/devnet. Devnet failures are operating errors (a missing binary,
 * a port in use, a node that never answers), so they are thrown, each with a stable code that
 * callers and tests can branch on instead of matching message text.
 * @module
 */

/** Stable codes for every failure this package throws. Append only; never rename. */
export type DevnetErrorCode =
  | 'INVALID_OPTIONS'
  | 'ANVIL_UNSUPPORTED_PLATFORM'
  | 'ANVIL_BINARY_MISSING'
  | 'ANVIL_START_FAILED'
  | 'ANVIL_START_TIMEOUT'
  | 'ANVIL_STOP_TIMEOUT'
  | 'CHAIN_ID_MISMATCH'
  | 'TRANSACTION_FAILED'
  | 'SOLANA_START_FAILED'

/**
 * Thrown by every function of this package.
 * @example
 * try {
 *   await startAnvil({ port: 8545 })
 * } catch (error) {
 *   if (isDevnetError(error, 'ANVIL_START_FAILED')) console.error(error.message)
 * }
 */
export class DevnetError extends Error {
  override readonly name = 'DevnetError'
  readonly code: DevnetErrorCode

  constructor(code: DevnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * True when `error` is a DevnetError (optionally with the given code). Checks `name` rather than
 * `instanceof`, so it still works when two copies of this package are loaded.
 */
export function isDevnetError(error: unknown, code?: DevnetErrorCode): error is DevnetError {
  if (!(error instanceof Error) || error.name !== 'DevnetError') return false
  return code === undefined || Object.getOwnPropertyDescriptor(error, 'code')?.value === code
}
