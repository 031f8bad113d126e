import {
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SettlementLedger,
  type VerifyResponse,
} from '@tollgate/core'
import { exactEvmPayloadSchema } from '../payload.ts'
import { payloadHashOf, paymentKey, settledFor } from './paymentIdentity.ts'

/** Ledger states in which this facilitator settles, or has settled, a payment. */
const settlingStates = new Set(['submitted', 'pending', 'included', 'confirmed'])

/**
 * Verification that found the authorization used, looked up in the ledger: when this facilitator
 * is settling or has settled this very payload for the same terms, `/settle` answers its outcome,
 * so `/verify` agrees and says valid. Without it, a payment settled straight at `/settle` (by a
 * retrying server, or whoever saw the header) leaves its buyer charged and refused at the gate.
 * The gate's response store, which outlives the authorization's window, keeps it served once.
 */
export async function verifiedBySettlement(
  ledger: SettlementLedger,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  verdict: VerifyResponse,
): Promise<VerifyResponse> {
  if (verdict.isValid || verdict.invalidReason !== reasonOf('EVM_EXACT_NONCE_USED')) return verdict
  const parsed = exactEvmPayloadSchema.safeParse(payload.payload)
  if (!parsed.success) return verdict
  const { authorization, signature } = parsed.data
  const key = paymentKey(requirements.network, requirements.asset, authorization)
  const payment = await ledger.findByKey(key).catch(() => undefined)
  if (
    !payment ||
    !settlingStates.has(payment.state) ||
    payment.payloadHash !== payloadHashOf(signature, authorization) ||
    settledFor(payment) !== settledFor(requirements)
  )
    return verdict
  return { isValid: true, payer: verdict.payer ?? payment.payer }
}
