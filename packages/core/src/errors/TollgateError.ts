import { type ErrorCode, type ErrorKind, type ErrorReason, errorCodes } from './codes.ts'

/**
 * The one error class for operating failures (RPC down, bad input at an edge, timeouts).
 * Expected protocol rejections are returned as data, not thrown.
 */
export class TollgateError extends Error {
  override readonly name = 'TollgateError'
  readonly code: ErrorCode
  readonly reason: ErrorReason
  readonly kind: ErrorKind
  readonly details: string | undefined

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.reason = errorCodes[code].reason
    this.kind = errorCodes[code].kind
    this.details = options.details
  }

  /** Walks the cause chain and returns the first error that satisfies `predicate`, or the last. */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this
    while (current instanceof Error && current.cause !== undefined) {
      if (predicate?.(current)) return current
      current = current.cause
    }
    return predicate ? (predicate(current) ? current : undefined) : current
  }
}

/** Narrows by name, not instanceof, so it works across duplicate package copies. */
export function isTollgateError(error: unknown, code?: ErrorCode): error is TollgateError {
  if (!(error instanceof Error) || error.name !== 'TollgateError') return false
  return code === undefined || (error as TollgateError).code === code
}

/** Asserts an invariant. A failure is a bug, never a protocol outcome. */
export function assert(condition: unknown, why: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${why}`)
}
