import { type ErrorCode, reject, type VerifyResponse } from '@tollgate/core'
import type { Address } from 'viem'
import type { Authorization } from '../exact/eip3009/payload.ts'
import type { Permit2Authorization } from '../exact/permit2/payload.ts'
import type { ClassifiedSignature } from './signature.ts'

/** `validBefore` (or a permit's deadline) must leave this many seconds for the settlement to be mined. */
export const validBeforeBufferSeconds = 6

/** A payment that passed every check, with what settle needs to submit it. */
export interface VerifiedPayment {
  payer: Address
  asset: Address
  /**
   * What moves, from whom to whom and when. For a Permit2 payment it is read from the permit:
   * `to` and `validAfter` from the witness, `validBefore` the deadline, the nonce in decimal.
   */
  authorization: Authorization
  signature: ClassifiedSignature
  /**
   * Set when the payment moves through Permit2: an `exact` permit through the x402 exact proxy,
   * or an `upto` permit through the upto proxy, where `authorization.value` is the charge
   * (at most the permitted amount) and only the witness's facilitator may send it.
   */
  permit2?: Permit2Authorization | undefined
}

export type VerifyOutcome =
  | { response: VerifyResponse & { isValid: false }; verified?: undefined }
  | { response: VerifyResponse & { isValid: true }; verified: VerifiedPayment }

export type Rejection = { code: ErrorCode; message?: string | undefined }

export function rejected(rejection: Rejection, payer: string | undefined): VerifyOutcome {
  return { response: reject(rejection.code, { message: rejection.message, payer }) }
}
