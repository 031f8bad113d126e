import {
  type FacilitatorClient,
  type PaymentRequired,
  reasonOf,
  type SettleResponse,
} from '@tollgate/core'
import {
  attemptsAllowed,
  finish,
  type Judgement,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  preparePayment,
} from './paymentFlow.ts'
import type { PaymentOutcome } from './spending.ts'

/**
 * Pays a payee with no resource server between: a tip, a transfer an agent was told to make.
 * The payment is prepared like every other (the policy and the spending guard decide first, nothing
 * is signed on a refusal) and settled through the facilitator; an unknown outcome is asked again
 * with the same signed payment, since settling is idempotent.
 */
export async function payDirectly(
  facilitator: FacilitatorClient,
  required: PaymentRequired,
  options: PayerOptions,
): Promise<PaymentOutcome> {
  const requirements = required.accepts[0]
  if (!requirements) throw new Error('a direct payment needs one requirement')
  const url = required.resource?.url ?? `pay://${requirements.payTo}`
  const prepared = await preparePayment(required, url, options)
  for (let attempt = 1; ; attempt++) {
    const judgement = await settleOnce(facilitator, prepared.payment, prepared.payment.accepted)
    if (judgement.kind !== 'unknown' || attempt >= attemptsAllowed(options)) {
      const outcome = outcomeOf(judgement, prepared.payment, attempt)
      await finish(prepared, outcome, options)
      return outcome
    }
    await new Promise((resolve) => setTimeout(resolve, nextDelayMs(attempt, options)))
  }
}

async function settleOnce(
  facilitator: FacilitatorClient,
  payment: Parameters<FacilitatorClient['settle']>[0],
  requirements: Parameters<FacilitatorClient['settle']>[1],
): Promise<Judgement> {
  let receipt: SettleResponse
  try {
    receipt = await facilitator.settle(payment, requirements)
  } catch (error) {
    return {
      kind: 'unknown',
      reason: `no answer from the facilitator: ${(error as Error).message}`,
    }
  }
  if (receipt.success) return { kind: 'settled', receipt }
  if (receipt.errorReason === reasonOf('SETTLEMENT_PENDING'))
    return { kind: 'unknown', reason: reasonOf('SETTLEMENT_PENDING') }
  return { kind: 'failed', reason: receipt.errorReason ?? 'settlement failed', receipt }
}
