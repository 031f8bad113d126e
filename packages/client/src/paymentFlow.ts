import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  type PaymentPayload,
  type PaymentRequired,
  type PaymentRequirements,
  paymentHeaders,
  reasonOf,
  type SchemeClient,
  type SettleResponse,
  TollgateError,
} from '@tollgate/core'
import { echoExtensions } from './paymentIdentifier.ts'
import {
  hostAllowed,
  type PaymentPolicy,
  policyCauses,
  type Refusal,
  type RefusalCause,
  selectRequirements,
} from './paymentPolicy.ts'
import type { PaymentOutcome, SpendAuthorization, SpendingGuard } from './spending.ts'

/** Everything a paying client (fetch, axios, MCP) is configured with. */
export interface PayerOptions extends PaymentPolicy {
  /** Scheme clients that can sign, e.g. `[exactEvmClient({ signer })]`. */
  schemes: readonly SchemeClient[]
  /** Persisted budgets and approvals, consulted before anything is signed. */
  spending?: SpendingGuard | undefined
  /** How the owner raises a limit (e.g. which flag), added to refusals by a limit of the policy. */
  howToRaise?: string | undefined
  /**
   * What to do about a refusal that no limit caused (an unknown asset, an empty wallet, no
   * signer for the network), e.g. where a devnet's token would be learnt or how to fund it.
   */
  hints?: Partial<Record<RefusalCause, string>> | undefined
  /**
   * Who is paying, for servers that serve a known caller first (credit for trusted agents): the
   * headers (a sign-in) and payment extensions (an agent declaration) added to the paid
   * request, from the 402's challenge. E.g. `agentIdentity(...)` of `@tollgate/trust`.
   */
  identify?:
    | ((required: PaymentRequired, url: string) => Promise<Identification | undefined>)
    | undefined
  /**
   * Binds a payment to something signed beside it, after the requirement is chosen and the
   * spending guard agreed, before anything is signed: the nonce the authorization must carry and
   * the payment extensions that carry the rest (an AP2 mandate chain, `mandatePayer` of
   * `@tollgate/a2a`). A throw refuses the payment, unsigned.
   */
  bind?:
    | ((requirements: PaymentRequirements, url: string) => Promise<PaymentBinding | undefined>)
    | undefined
  /** Called after a payment was signed, before it is sent. */
  onPayment?: ((payment: PaymentPayload) => void) | undefined
  /** Called once per signed payment with how it ended. */
  onOutcome?: ((outcome: PaymentOutcome) => void) | undefined
  /**
   * How often a payment whose outcome is unknown (no answer, a 5xx, `settlement_pending`) is
   * presented again, the same signed bytes each time. @default { attempts: 5, delayMs: 500, maxDelayMs: 8000 }
   */
  retry?: { attempts?: number; delayMs?: number; maxDelayMs?: number } | undefined
}

/** What binds a payment to something signed beside it (`PayerOptions.bind`). */
export interface PaymentBinding {
  nonce?: string | undefined
  extensions?: Record<string, unknown> | undefined
}

/** What a caller adds to a paid request to say who it is. */
export interface Identification {
  headers?: Record<string, string> | undefined
  extensions?: Record<string, unknown> | undefined
}

/** A signed payment ready to send, and the guard's handle on it. */
export interface PreparedPayment {
  payment: PaymentPayload
  header: { name: string; value: string }
  /** The caller's identification, sent beside the payment. */
  headers?: Record<string, string> | undefined
  authorization?: SpendAuthorization | undefined
  /** The scheme that signed it, told how it ended. */
  scheme?: SchemeClient | undefined
}

/**
 * Chooses a requirement the policy allows, asks the spending guard, and signs. A refusal throws
 * `POLICY_REFUSED` before anything is signed.
 */
export async function preparePayment(
  required: PaymentRequired,
  url: string,
  options: PayerOptions,
): Promise<PreparedPayment> {
  if (!hostAllowed(url, options.hosts)) {
    const hint = options.howToRaise ? ` (${options.howToRaise})` : ''
    throw new TollgateError(
      'POLICY_REFUSED',
      `refused to pay for ${url}: host not in the allowed list${hint}`,
    )
  }
  const selection = await selectRequirements(required.accepts, options.schemes, options)
  if (!selection.ok) {
    const reasons = selection.reasons.join('; ') || 'nothing offered'
    throw new TollgateError(
      'POLICY_REFUSED',
      `refused to pay for ${url}: ${reasons}${hintsFor(selection.refusals, options)}`,
    )
  }
  const { requirements, scheme, asset } = selection.chosen
  // A channel scheme's deposit is what leaves the wallet, and a voucher drawn on it nothing new.
  const due = options.spending ? await scheme.amountDue?.(requirements) : undefined
  const authorization = await options.spending?.authorize({
    url,
    requirements: due === undefined ? requirements : { ...requirements, amount: due },
    asset,
  })
  let payment: PaymentPayload
  let identification: Identification | undefined
  try {
    const binding = await options.bind?.(requirements, url)
    identification = await options.identify?.(required, url)
    const echoed = echoExtensions(required.extensions)
    const extensions =
      echoed || identification?.extensions || binding?.extensions
        ? { ...echoed, ...identification?.extensions, ...binding?.extensions }
        : undefined
    payment = {
      x402Version: required.x402Version,
      ...(required.x402Version === 2 ? { resource: required.resource } : {}),
      accepted: requirements,
      payload: await scheme.createPayload(requirements, {
        x402Version: required.x402Version,
        resource: required.resource,
        ...(binding?.nonce ? { nonce: binding.nonce } : {}),
      }),
      ...(extensions ? { extensions } : {}),
    }
  } catch (error) {
    await authorization?.abandoned(`signing failed: ${(error as Error).message}`)
    throw error
  }
  await authorization?.signed(payment)
  options.onPayment?.(payment)
  return {
    payment,
    header: encodePaymentHeader(payment),
    ...(identification?.headers ? { headers: identification.headers } : {}),
    authorization,
    scheme,
  }
}

/** What a response to a paid request says about the payment. */
export type Judgement =
  | { kind: 'settled'; receipt?: SettleResponse }
  | { kind: 'failed'; reason: string; receipt?: SettleResponse }
  | { kind: 'unknown'; reason: string; retryAfterMs?: number }

/**
 * Reads a response to a paid request. A 2xx settled it. A 402 whose receipt says
 * `settlement_pending`, and any 5xx, leave the outcome unknown: the same payment may be presented
 * again. Any other answer is a failure with the server's reason.
 */
export function judgeResponse(status: number, header: (name: string) => string | null): Judgement {
  const receipt = readReceiptHeader(header)
  const retryAfterMs = retryAfter(header('retry-after'))
  const later = retryAfterMs === undefined ? {} : { retryAfterMs }
  if (status >= 200 && status < 300) {
    if (receipt && !receipt.success)
      return { kind: 'failed', reason: receipt.errorReason ?? 'settlement failed', receipt }
    return { kind: 'settled', ...(receipt ? { receipt } : {}) }
  }
  if (receipt?.errorReason === reasonOf('SETTLEMENT_PENDING'))
    return { kind: 'unknown', reason: reasonOf('SETTLEMENT_PENDING'), ...later }
  if (status >= 500) return { kind: 'unknown', reason: `HTTP ${status}`, ...later }
  // The server still serves an earlier presentation of this payment: its stored answer follows.
  if (status === 409 && retryAfterMs !== undefined)
    return { kind: 'unknown', reason: reasonOf('PAYMENT_IN_PROGRESS'), ...later }
  const reason = receipt?.errorReason ?? requiredError(header) ?? `HTTP ${status}`
  // A payment signed for this request alone is "in use" only by an earlier presentation of it
  // whose answer was lost: that one may still finish.
  if (reason === reasonOf('PAYMENT_IN_USE')) return { kind: 'unknown', reason, ...later }
  return { kind: 'failed', reason, ...(receipt ? { receipt } : {}) }
}

/** The delay before presenting a payment again: the server's Retry-After, else doubling. */
export function nextDelayMs(attempt: number, options: PayerOptions, retryAfterMs?: number): number {
  const base = options.retry?.delayMs ?? 500
  const cap = options.retry?.maxDelayMs ?? 8_000
  return Math.min(cap, retryAfterMs ?? base * 2 ** (attempt - 1))
}

export function attemptsAllowed(options: PayerOptions): number {
  return Math.max(1, options.retry?.attempts ?? 5)
}

/** Tells the guard and the caller how a payment ended. */
export async function finish(
  prepared: PreparedPayment,
  outcome: PaymentOutcome,
  options: PayerOptions,
) {
  await prepared.authorization?.finished(outcome)
  await prepared.scheme?.paymentEnded?.({
    state: outcome.state,
    payment: outcome.payment,
    receipt: 'receipt' in outcome ? outcome.receipt : undefined,
  })
  options.onOutcome?.(outcome)
}

export function outcomeOf(
  judgement: Judgement,
  payment: PaymentPayload,
  attempts: number,
): PaymentOutcome {
  if (judgement.kind === 'settled')
    return {
      state: 'settled',
      payment,
      attempts,
      ...(judgement.receipt ? { receipt: judgement.receipt } : {}),
    }
  if (judgement.kind === 'failed')
    return {
      state: 'failed',
      payment,
      attempts,
      reason: judgement.reason,
      ...(judgement.receipt ? { receipt: judgement.receipt } : {}),
    }
  return { state: 'pending', payment, attempts, reason: judgement.reason }
}

export function readReceiptHeader(
  header: (name: string) => string | null,
): SettleResponse | undefined {
  const value = header(paymentHeaders.response) ?? header(paymentHeaders.v1Response)
  if (!value) return undefined
  try {
    return decodePaymentResponseHeader(value)
  } catch {
    return undefined
  }
}

function requiredError(header: (name: string) => string | null): string | undefined {
  const value = header(paymentHeaders.required)
  if (!value) return undefined
  try {
    return decodePaymentRequiredHeader(value).error
  } catch {
    return undefined
  }
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** The advice for the causes at hand, each once: the owner's flags only for a limit. */
function hintsFor(refusals: readonly Refusal[], options: PayerOptions): string {
  const hints = new Set<string>()
  for (const { cause } of refusals) {
    const hint = policyCauses.has(cause) ? options.howToRaise : options.hints?.[cause]
    if (hint) hints.add(hint)
  }
  return hints.size > 0 ? ` (${[...hints].join('; ')})` : ''
}
