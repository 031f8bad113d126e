import { isTollgateError, TollgateError } from '@tollgate/core'

/** SQLSTATEs that say the database could not be reached or is going away, not that a query was wrong. */
const unreachableStates = new Set(['57P01', '57P02', '57P03', '53300'])
/** Socket failures node-postgres passes on as they are (the RPC client wraps its own). */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
])
/** What node-postgres says when a connection dies under a query or cannot be had in time. */
const connectionMessages = [
  'connection terminated',
  'not queryable',
  'timeout exceeded when trying to connect',
  'cannot use a pool after calling end',
]

/**
 * Whether a failure means the ledger could not be reached (a database down, cut off or
 * restarting), so the payment must wait rather than go on without its duplicate protection.
 */
export function isLedgerUnreachable(error: unknown): boolean {
  if (isTollgateError(error)) return error.code === 'LEDGER_UNAVAILABLE'
  if (typeof error !== 'object' || error === null) return false
  const code: unknown = Reflect.get(error, 'code')
  if (typeof code === 'string') {
    if (code.startsWith('08') && code.length === 5) return true
    if (unreachableStates.has(code)) return true
    if (socketCodes.has(code) && typeof Reflect.get(error, 'syscall') === 'string') return true
  }
  const message: unknown = Reflect.get(error, 'message')
  if (typeof message !== 'string') return false
  const lower = message.toLowerCase()
  return connectionMessages.some((text) => lower.includes(text))
}

/**
 * The ledger check, shared: requests arriving while one check runs wait for it rather than each
 * sending their own. Any failure of the check is the ledger being unavailable.
 */
export function sharedLedgerCheck(check: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | undefined
  return () => {
    running ??= check()
      .then(
        () => undefined,
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error)
          throw new TollgateError('LEDGER_UNAVAILABLE', `the ledger cannot be read: ${message}`)
        },
      )
      .finally(() => {
        running = undefined
      })
    return running
  }
}
