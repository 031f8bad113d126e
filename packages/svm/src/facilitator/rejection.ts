import type { ErrorCode } from '@tollgate/core'

/** A failed check: the code of the table, and facts for the operator. */
export interface Rejection {
  code: ErrorCode
  message?: string | undefined
}

export function rejection(code: ErrorCode, message?: string): Rejection {
  return message === undefined ? { code } : { code, message }
}
