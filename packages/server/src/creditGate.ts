import {
  type CreditEntry,
  type CreditOperation,
  encodePaymentResponseHeader,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SchemeServer,
  type SettleResponse,
} from '@tollgate/core'
import { canonicalPath } from './canonicalPath.ts'
import type { CreditSettler } from './creditSettler.ts'
import type { GateFinish, GateRequest } from './paymentGate.ts'
import { freshUse, type Presentation } from './paymentUses.ts'
import { exposedHeaders, inProgressResponse } from './responses.ts'
import type { CompiledRoute, PaymentOption } from './routes.ts'
import { type HandlerResponse, releasedStored } from './storedResponses.ts'
import type { UseLease } from './useLease.ts'

/** The operation a request asks for, as a credit line and its sign-in see it. */
export function creditOperation(
  route: CompiledRoute,
  request: { method: string; path: string; url: string },
): CreditOperation {
  return {
    url: request.url,
    method: request.method.toUpperCase(),
    path: canonicalPath(request.path),
    price: route.options.map(priceText).join(' | '),
  }
}

function priceText(option: PaymentOption): string {
  const { price } = option
  return typeof price === 'object'
    ? `${price.amount} ${option.network}/${price.asset}`
    : String(price)
}

export interface CreditContext {
  route: CompiledRoute
  request: GateRequest
  payment: PaymentPayload
  requirements: PaymentRequirements
  presentation: Presentation
  lease: UseLease
  scheme: SchemeServer | undefined
  settler: CreditSettler
  storedBodyBytesMax: number
}

export type CreditOutcome =
  | { kind: 'pay-first'; why: string }
  | { kind: 'refuse'; reason: string; message: string }
  | {
      kind: 'serve'
      payer: string
      entry: CreditEntry
      finish(handled: HandlerResponse): Promise<GateFinish>
    }

/**
 * Whether this payment is served before it settles: the scheme checks it without the chain,
 * the credit line judges the caller, and the book admits its amount within the caps. Anything
 * short of all three pays first as usual; a caller whose sign-in or identity fails is refused.
 */
export async function serveOnCredit(context: CreditContext): Promise<CreditOutcome> {
  const credit = context.route.credit
  if (!credit) return { kind: 'pay-first', why: 'the route extends no credit' }
  const { payment, requirements } = context
  const nowSeconds = Math.floor(Date.now() / 1000)
  // Credit fails toward paying first: a check that cannot run (an RPC down) extends nothing.
  const local = await context.scheme
    ?.verifyLocally?.(payment.payload, requirements, nowSeconds)
    .catch(() => undefined)
  if (!local) return { kind: 'pay-first', why: 'this payment cannot be checked without the chain' }
  if (!local.ok) return { kind: 'refuse', reason: reasonOf(local.code), message: local.message }
  let decision: Awaited<ReturnType<typeof credit.judge>>
  try {
    decision = await credit.judge({
      operation: creditOperation(context.route, context.request),
      header: (name) => context.request.header(name),
      payment,
      requirements,
      payer: local.payer,
    })
  } catch (error) {
    return {
      kind: 'pay-first',
      why: `the credit line could not judge: ${(error as Error).message}`,
    }
  }
  if (decision.kind === 'pay-first') return decision
  if (decision.kind === 'refused')
    return { kind: 'refuse', reason: reasonOf(decision.code), message: decision.message }
  const deadline = new Date(Date.now() + decision.settleWithinSeconds * 1000)
  const admitted = await credit.book
    .reserve(
      {
        id: context.presentation.key,
        agent: decision.agent,
        unit: `${requirements.network}/${requirements.asset.toLowerCase()}`,
        amount: BigInt(requirements.amount),
        payment: JSON.stringify({ payload: payment, requirements }),
        deadline,
      },
      decision.limits,
    )
    .catch(() => undefined)
  // A book that cannot answer extends no credit: the payment settles first, as for anyone.
  if (!admitted) return { kind: 'pay-first', why: reasonOf('CREDIT_BOOK_UNAVAILABLE') }
  if (!admitted.admitted) return { kind: 'pay-first', why: reasonOf(admitted.code) }
  const entry = admitted.entry
  // Reserved before and already settled: nothing is owed, so nothing is served on credit again.
  if (entry.state !== 'outstanding')
    return { kind: 'pay-first', why: 'this payment settled already' }
  return {
    kind: 'serve',
    payer: local.payer,
    entry,
    finish: (handled) => releaseOnCredit(context, entry, local.payer, handled),
  }
}

/**
 * Releases a credited response at once with a receipt that names no transaction yet, stores it
 * for replay, and hands the payment to the settler. A failed handler charges nothing: its
 * reservation is cancelled.
 */
async function releaseOnCredit(
  context: CreditContext,
  entry: CreditEntry,
  payer: string,
  handled: HandlerResponse,
): Promise<GateFinish> {
  const { lease, presentation, payment, requirements } = context
  const book = context.route.credit?.book
  if (handled.status >= 400) {
    await book?.cancel(entry.id)
    await lease.release()
    return { kind: 'release', headers: {} }
  }
  if ((await lease.confirm()) === 'lost') {
    await book?.cancel(entry.id)
    return { kind: 'respond', response: inProgressResponse() }
  }
  const receipt: SettleResponse = {
    success: true,
    transaction: '',
    network: requirements.network,
    payer,
    amount: requirements.amount,
    extra: { credit: { state: 'outstanding', settleBy: entry.deadline.toISOString() } },
  }
  const header = encodePaymentResponseHeader(receipt, payment.x402Version)
  const headers = { [header.name]: header.value, 'access-control-expose-headers': exposedHeaders }
  const released = releasedStored(handled, headers)
  const fits = released.body.byteLength <= context.storedBodyBytesMax
  // Recorded as served: the credit book, not the response store, holds what is owed.
  await lease.finish({
    ...freshUse(presentation, lease.holder),
    state: 'settled',
    leaseUntilMs: undefined,
    ...(fits ? { response: released } : { unstoredReason: 'served on credit; too large to keep' }),
  })
  context.settler.enqueue(entry)
  return { kind: 'release', headers }
}
