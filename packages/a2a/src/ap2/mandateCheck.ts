import { isTollgateError, reasonOf } from '@tollgate/core'
import type { JWK } from 'jose'
import type { PaymentRefusal } from '../paymentChecks.ts'
import { chainOf, mandateNonce } from './binding.ts'
import { evaluateMandate } from './constraints.ts'
import {
  type ClosedPaymentMandate,
  type OpenPaymentMandate,
  readClosedMandate,
  readOpenMandate,
} from './mandates.ts'
import { verifyChain } from './sdJwt.ts'

export interface MandateCheckOptions {
  /** Refuse payments that carry no mandate. @default true */
  required?: boolean
  /**
   * Whose mandates are honoured, by the owner's public key. AP2 leaves trust in the issuer to
   * the verifier. @default every owner whose signature verifies
   */
  owners?: ((ownerKey: JWK) => boolean) | undefined
}

const refuse = (code: Parameters<typeof reasonOf>[0], message: string): PaymentRefusal => ({
  reason: reasonOf(code),
  message,
})

/**
 * The merchant's check of an AP2 mandate bound to an x402 payment (a `TaskPaymentCheck` for
 * `paidAgentExecutor`): the chain verifies (the owner's signature, the agent's over it), the
 * authorization's nonce is keccak256 of the chain, the payment is the one the closed mandate
 * names (payee, amount, asset), and the closed mandate keeps the open one's constraints.
 */
export function mandateCheck(options: MandateCheckOptions = {}) {
  return async (payment: unknown): Promise<PaymentRefusal | undefined> => {
    const chain = chainOf(payment)
    if (chain === undefined)
      return options.required === false
        ? undefined
        : refuse('MANDATE_REQUIRED', 'this merchant needs an AP2 payment mandate with the payment')
    let verified: Awaited<ReturnType<typeof verifyChain>>
    try {
      verified = await verifyChain(chain)
    } catch (error) {
      if (isTollgateError(error)) return { reason: error.reason, message: error.message }
      throw error
    }
    const owner = verified.root.header.jwk as JWK
    if (options.owners && !options.owners(owner))
      return refuse(
        'MANDATE_SIGNATURE_INVALID',
        'the mandate was signed by an owner this merchant does not honour',
      )
    const authorization = (payment as { payload?: { authorization?: Record<string, unknown> } })
      .payload?.authorization
    if (!authorization || authorization.nonce !== mandateNonce(chain))
      return refuse(
        'MANDATE_BINDING_MISMATCH',
        'the payment is not bound to this mandate: its nonce is not keccak256 of the chain',
      )
    let open: OpenPaymentMandate
    let closed: ClosedPaymentMandate
    try {
      open = readOpenMandate(verified.root.payload)
      closed = readClosedMandate(verified.closed.payload)
    } catch (error) {
      if (isTollgateError(error)) return { reason: error.reason, message: error.message }
      throw error
    }
    const accepted = (payment as { accepted?: { network?: string; asset?: string } }).accepted
    const sameTarget =
      String(authorization.to).toLowerCase() === String(closed.payee?.id).toLowerCase() &&
      String(authorization.value) === String(closed.payment_amount?.amount) &&
      `${accepted?.network}:${accepted?.asset}`.toLowerCase() ===
        String(closed.payment_instrument?.id).toLowerCase()
    if (!sameTarget)
      return refuse(
        'MANDATE_BINDING_MISMATCH',
        'the payment differs from the one the closed mandate names (payee, amount or asset)',
      )
    return evaluateMandate(open, closed)
  }
}
