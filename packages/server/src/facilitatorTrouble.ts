import { codeOfReason, errorCodes, isTollgateError, reasonOf } from '@tollgate/core'
import { type GateResponse, unavailableResponse } from './responses.ts'

/** 503 for a facilitator that could not be asked: its reason when it gave one. */
export function unavailable(error: unknown): GateResponse {
  const reason = isTollgateError(error) ? error.reason : reasonOf('FACILITATOR_UNAVAILABLE')
  const message = error instanceof Error ? error.message : String(error)
  return unavailableResponse(reason, message)
}

/**
 * Reasons that say the facilitator could not judge (it is limited, refuses this server's key, or
 * its chain access failed), as opposed to a verdict on the buyer's payment.
 */
export function facilitatorTrouble(reason: string | undefined): reason is string {
  if (reason === undefined) return false
  const code = codeOfReason(reason)
  if (code === 'UNAUTHORIZED') return true
  return (
    code !== undefined &&
    (errorCodes[code].kind === 'unavailable' || errorCodes[code].kind === 'internal')
  )
}

/** 503 for a facilitator that answered but could not judge the payment now. */
export function troubleResponse(reason: string, message: string | undefined): GateResponse {
  return unavailableResponse(
    reason,
    message ?? 'the facilitator could not process the payment now; retry shortly',
  )
}
