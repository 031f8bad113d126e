import { describeError } from './rpcErrors.ts'

/** Where the facilitator reports what it recovers from on its own; pino's logger fits. */
export interface EvmFacilitatorLogger {
  warn(fields: Record<string, unknown>, message: string): void
}

export const silentEvmLogger: EvmFacilitatorLogger = { warn: () => undefined }

/**
 * A `catch` for work that is retried later (recovery, receipts, ledger upkeep): the failure is
 * logged, not swallowed, and the caller carries on.
 */
export function logFailure(
  logger: EvmFacilitatorLogger,
  what: string,
  fields: Record<string, unknown> = {},
): (error: unknown) => void {
  // Returns nothing, whatever the logger's `warn` returns: callers read the caught value.
  return (error) => {
    logger.warn({ ...fields, err: describeError(error) }, `${what} failed`)
  }
}

/**
 * The same for a loop that runs every second: a failure is logged when it starts or changes, and
 * once more when it clears, so an outage is one line, not one a second.
 */
export class RepeatedFailures {
  readonly #logger: EvmFacilitatorLogger
  readonly #last = new Map<string, string>()

  constructor(logger: EvmFacilitatorLogger) {
    this.#logger = logger
  }

  failed(what: string, fields: Record<string, unknown>): (error: unknown) => void {
    const key = `${what}|${JSON.stringify(fields)}`
    return (error) => {
      const message = describeError(error)
      if (this.#last.get(key) === message) return
      this.#last.set(key, message)
      this.#logger.warn({ ...fields, err: message }, `${what} failed; retrying every pass`)
    }
  }

  succeeded(what: string, fields: Record<string, unknown>): void {
    const key = `${what}|${JSON.stringify(fields)}`
    if (this.#last.delete(key)) this.#logger.warn(fields, `${what} works again`)
  }
}
