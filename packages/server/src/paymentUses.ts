import {
  leaseExpired,
  type PaymentUse,
  type ResponseStore,
  type StoredResponse,
} from '@tollgate/core'

/** One presentation of a payment, as the store compares presentations. */
export interface Presentation {
  /** `paymentKey`: the signed content. */
  key: string
  identifier: string | undefined
  payloadHash: string
  route: string
  ttlMs: number
  /** How long the holder's lease on an in-flight record lasts between renewals. */
  leaseMs: number
}

/** What to do with a presentation, given what the store holds for its payment. */
export type UseDecision =
  /**
   * Ours to serve; `resumed` when it finishes a pending settlement or a payment whose holder
   * died (not verified again), with the handler's response kept from the first run when this is
   * the same presentation of a pending one.
   */
  | {
      kind: 'serve'
      holder: string
      /** The record as this presentation wrote it. */
      use: PaymentUse
      resumed: boolean
      held?: StoredResponse | undefined
    }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in-use'; message: string }
  /** The same presentation is still being served elsewhere: ask again shortly. */
  | { kind: 'in-progress' }

const pollMs = 100

/**
 * Claims the payment for this presentation, or decides from the record that holds it: a repeat
 * of a served presentation (same id, same bytes, same route) gets the stored response, waiting
 * up to `waitMs` while the first is still running; anything else finds the payment in use. A
 * pending payment, or an in-flight one whose holder's lease ran out (the holder died), is taken
 * over by a presentation for the same route to finish it, as the first presentation could not:
 * its response never left. Throws when the store cannot be reached.
 */
export async function presentPayment(
  store: ResponseStore,
  presentation: Presentation,
  waitMs: number,
): Promise<UseDecision> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const holder = crypto.randomUUID()
    const fresh = freshUse(presentation, holder)
    const claim = await store.claim(presentation.key, fresh)
    if (claim.claimed) return { kind: 'serve', holder, use: fresh, resumed: false }
    const current = claim.current
    if (current.state === 'pending' && current.route === presentation.route) {
      // Settlement's outcome is unknown: this copy finishes it (settle is idempotent).
      if (await store.replace(presentation.key, current.holder, fresh)) {
        const held = repeats(current, presentation) ? current.response : undefined
        return { kind: 'serve', holder, use: fresh, resumed: true, ...(held ? { held } : {}) }
      }
      continue
    }
    if (leaseExpired(current, Date.now()) && current.route === presentation.route) {
      // The holder died before answering; settle is idempotent, so this copy finishes it.
      if (await store.takeOver(presentation.key, current.holder, fresh))
        return { kind: 'serve', holder, use: fresh, resumed: true }
      continue
    }
    if (!repeats(current, presentation))
      return { kind: 'in-use', message: inUseMessage(current, presentation) }
    if (current.state === 'settled') {
      if (current.response) return { kind: 'replay', response: current.response }
      return {
        kind: 'in-use',
        message: current.unstoredReason ?? 'this payment was already used for a request',
      }
    }
    if (Date.now() >= deadline) return { kind: 'in-progress' }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

export function freshUse(presentation: Presentation, holder: string): PaymentUse {
  return {
    state: 'in-flight',
    holder,
    ...(presentation.identifier ? { identifier: presentation.identifier } : {}),
    payloadHash: presentation.payloadHash,
    route: presentation.route,
    expiresAtMs: Date.now() + presentation.ttlMs,
    leaseUntilMs: Date.now() + presentation.leaseMs,
  }
}

/** The same presentation again: only an id names one, and it must come with the same bytes. */
function repeats(current: PaymentUse, presentation: Presentation): boolean {
  return (
    presentation.identifier !== undefined &&
    current.identifier === presentation.identifier &&
    current.payloadHash === presentation.payloadHash &&
    current.route === presentation.route
  )
}

function inUseMessage(current: PaymentUse, presentation: Presentation): string {
  if (presentation.identifier === undefined)
    return 'this payment was already used for a request; present it with its payment-identifier id to get the stored response'
  if (current.identifier !== presentation.identifier)
    return 'this payment was already used for a request with another payment-identifier id'
  if (current.route !== presentation.route)
    return `this payment was already used for ${current.route}`
  return 'this payment was already used for a request with other payment bytes'
}
