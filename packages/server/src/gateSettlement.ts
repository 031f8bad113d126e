import {
  encodePaymentResponseHeader,
  type FacilitatorClient,
  type PaymentPayload,
  type PaymentRequirements,
  type PaymentUse,
  type ResponseStore,
  reasonOf,
  type SettleResponse,
  type StoredResponse,
} from '@tollgate/core'
import { facilitatorTrouble, troubleResponse, unavailable } from './facilitatorTrouble.ts'
import type { OfferReceipts } from './offerReceipts.ts'
import type { GateFinish } from './paymentGate.ts'
import { freshUse, type Presentation } from './paymentUses.ts'
import {
  exposedHeaders,
  type GateResponse,
  inProgressResponse,
  settlementFailedResponse,
} from './responses.ts'
import {
  type ConfirmationOptions,
  type ReleasePolicy,
  type SettleOutcome,
  settlePayment,
  unconfirmedReceipt,
} from './settlement.ts'
import { chargeOf, overrideRefusedResponse } from './settlementOverride.ts'
import { type HandlerResponse, heldResponse, releasedStored } from './storedResponses.ts'
import type { UseLease } from './useLease.ts'

/** Everything settling one verified payment needs. */
export interface SettlementContext {
  /** The facilitator, or the scheme's own settlement for a scheme that keeps its own state. */
  facilitator: Pick<FacilitatorClient, 'settle'>
  store: ResponseStore
  release: ReleasePolicy
  confirmation: ConfirmationOptions
  storedBodyBytesMax: number
  payment: PaymentPayload
  requirements: PaymentRequirements
  presentation: Presentation
  /** Decimals of the requirement's asset, when its scheme knows them (dollar overrides). */
  assetDecimals?: number | undefined
  /** The paid resource, as offered (signed receipts name it). */
  resourceUrl: string
  /** Signs each settled payment's receipt, when the gate has `offerReceipt`. */
  offerReceipts?: OfferReceipts | undefined
}

/**
 * After the handler ran: settles a success and records the outcome. A settled payment's
 * response is stored as released (when it fits) before the adapter writes it, so a buyer whose
 * answer is lost gets it again. A failed handler is not charged and frees the payment. A holder
 * whose record was taken over (its lease ran out) releases nothing: the presentation that took
 * it over answers, so one payment never gets two responses.
 */
export async function recordSettlement(
  context: SettlementContext,
  lease: UseLease,
  handled: HandlerResponse,
): Promise<GateFinish> {
  const { presentation, payment } = context
  const record = (use: Partial<PaymentUse>) =>
    lease.finish({ ...freshUse(presentation, lease.holder), ...use, leaseUntilMs: undefined })
  const forget = () => lease.release()
  // Kept while settlement is pending, so the same presentation finishes without a second run.
  const held = heldResponse(handled, context.storedBodyBytesMax)
  if (handled.status >= 400) {
    await forget()
    return { kind: 'release', headers: {} }
  }
  // Not settled for a holder that lost the payment: the one that took it over settles.
  if ((await lease.confirm()) === 'lost') return { kind: 'respond', response: inProgressResponse() }
  // `upto`: the handler says what was used; the gate caps it at what the buyer authorized.
  let requirements = context.requirements
  if (requirements.scheme === 'upto') {
    const charge = chargeOf(requirements, handled.headers, context.assetDecimals)
    if ('problem' in charge) {
      await forget()
      return { kind: 'respond', response: overrideRefusedResponse(charge.problem) }
    }
    requirements = { ...requirements, amount: charge.amount }
  }
  let outcome: SettleOutcome
  try {
    outcome = await settlePayment(
      context.facilitator,
      payment,
      requirements,
      context.release,
      context.confirmation,
    )
  } catch (error) {
    // The outcome is unknown: the payment may come back to finish, but is never re-verified.
    await record({ state: 'pending', response: held })
    return { kind: 'respond', response: unavailable(error) }
  }
  const receipt =
    requirements === context.requirements
      ? outcome.receipt
      : withCharge(outcome.receipt, requirements.amount, context.requirements.amount)
  if (outcome.kind === 'unconfirmed') {
    await record({ state: 'pending', response: held })
    return {
      kind: 'respond',
      response: settlementFailedResponse(unconfirmedReceipt(receipt), payment.x402Version),
    }
  }
  if (receipt.success) {
    const signed = context.offerReceipts
      ? await context.offerReceipts.withReceipt(receipt, context.resourceUrl)
      : receipt
    const header = encodePaymentResponseHeader(signed, payment.x402Version)
    const headers = { [header.name]: header.value, 'access-control-expose-headers': exposedHeaders }
    const released = releasedStored(handled, headers)
    const fits = released.body.byteLength <= context.storedBodyBytesMax
    // The payment settled: its content is released even if the store cannot be reached, but not
    // when another presentation holds the record now and answers itself.
    const written = await record({
      state: 'settled',
      ...(fits
        ? { response: released }
        : {
            unstoredReason: `this payment was already used; its response (${released.body.byteLength} bytes) was larger than the ${context.storedBodyBytesMax} bytes kept for replay`,
          }),
    })
    if (written === 'lost') return { kind: 'respond', response: inProgressResponse() }
    return { kind: 'release', headers }
  }
  if (facilitatorTrouble(receipt.errorReason) && !receipt.transaction) {
    // No verdict on the payment: it may come back to finish, but is never verified again.
    await record({ state: 'pending', response: held })
    return {
      kind: 'respond',
      response: troubleResponse(receipt.errorReason, receipt.errorMessage),
    }
  }
  if (receipt.errorReason === reasonOf('SETTLEMENT_PENDING'))
    await record({ state: 'pending', response: held })
  else await forget()
  return { kind: 'respond', response: settlementFailedResponse(receipt, payment.x402Version) }
}

/** A usage-based receipt names what was charged and the maximum the buyer authorized. */
function withCharge(receipt: SettleResponse, charged: string, authorized: string): SettleResponse {
  return { ...receipt, extra: { ...receipt.extra, charged, authorized } }
}

/**
 * The same presentation of a pending payment came back: settle again and answer with the
 * response the handler gave the first time, without running it again.
 */
export async function finishHeld(
  context: SettlementContext,
  lease: UseLease,
  held: StoredResponse,
): Promise<{ kind: 'respond'; response: GateResponse }> {
  const finished = await recordSettlement(context, lease, held)
  if (finished.kind === 'respond') return finished
  return { kind: 'respond', response: { ...releasedStored(held, finished.headers) } }
}
