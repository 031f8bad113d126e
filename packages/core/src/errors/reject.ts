import type { SettleResponse, VerifyResponse } from '../wire/types.ts'
import { type ErrorCode, errorCodes } from './codes.ts'

/**
 * Rejections are data. They are built only here, from a code of the table, so free text can
 * never reach a reason field.
 */
export function reject(
  code: ErrorCode,
  options: { message?: string | undefined; payer?: string | undefined } = {},
): VerifyResponse & { isValid: false } {
  return {
    isValid: false,
    invalidReason: errorCodes[code].reason,
    ...(options.message ? { invalidMessage: options.message } : {}),
    ...(options.payer ? { payer: options.payer } : {}),
  }
}

/** A settle outcome that is not a success. `transaction` is `""` only when nothing was sent. */
export function settleFailure(
  code: ErrorCode,
  options: {
    network: string
    message?: string | undefined
    payer?: string | undefined
    transaction?: string | undefined
  },
): SettleResponse & { success: false } {
  return {
    success: false,
    errorReason: errorCodes[code].reason,
    ...(options.message ? { errorMessage: options.message } : {}),
    ...(options.payer ? { payer: options.payer } : {}),
    transaction: options.transaction ?? '',
    network: options.network,
  }
}

/** A verify rejection carried into a settle answer. */
export function settleFailureFromVerify(
  verify: VerifyResponse,
  network: string,
): SettleResponse & { success: false } {
  return {
    success: false,
    errorReason: verify.invalidReason ?? errorCodes.VERIFY_UNEXPECTED.reason,
    ...(verify.invalidMessage ? { errorMessage: verify.invalidMessage } : {}),
    ...(verify.payer ? { payer: verify.payer } : {}),
    transaction: '',
    network,
  }
}
