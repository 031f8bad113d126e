/**
 * Where a resource server records what it did with each payment, so that every surface (HTTP
 * routes, paid MCP tools) and every instance sharing the store serves a payment at most once,
 * and a buyer whose answer was lost gets the stored answer back instead of a refusal.
 */

/** A payment being served (`in-flight`), settled with an unknown outcome (`pending`), or done. */
export type PaymentUseState = 'in-flight' | 'pending' | 'settled'

/** A response as released to the buyer, replayed byte for byte. */
export interface StoredResponse {
  status: number
  /** Lower-case names, as sent (the receipt header included). */
  headers: Record<string, string>
  body: Uint8Array
}

/** What the store knows of one payment (keyed by the signed content the chain executes once). */
export interface PaymentUse {
  state: PaymentUseState
  /** Who holds the record: only its holder may change or drop it. */
  holder: string
  /** The buyer's `payment-identifier` id, when the payment carried one. */
  identifier?: string | undefined
  /** A digest of the whole payment as presented, so a copy with other bytes is told apart. */
  payloadHash: string
  /** `METHOD /path` (canonical) the payment was used for. */
  route: string
  /**
   * The handler's response: without the receipt while `pending`, as released once `settled`.
   * Absent while the handler runs, or when it was too large to keep.
   */
  response?: StoredResponse | undefined
  /** Why a settled payment has no response to replay. */
  unstoredReason?: string | undefined
  /** Milliseconds since the epoch after which the record is gone. */
  expiresAtMs: number
  /**
   * While `in-flight`: until when its holder is known to be alive. The holder renews it while
   * it works; once it has run out, the holder died and a presentation may take the payment over.
   */
  leaseUntilMs?: number | undefined
}

/** The outcome of a claim: the record is ours, or someone else's that is returned. */
export type PaymentClaim = { claimed: true } | { claimed: false; current: PaymentUse }

/**
 * The port. Every operation is atomic across the processes that share the store; an expired
 * record counts as absent. Operations reject when the store cannot be reached: callers fail
 * closed.
 */
export interface ResponseStore {
  /** Writes `use` unless a live record exists for `key`, which is then returned. */
  claim(key: string, use: PaymentUse): Promise<PaymentClaim>
  get(key: string): Promise<PaymentUse | undefined>
  /** Replaces the record when `holder` still holds it; `false` (nothing written) otherwise. */
  replace(key: string, holder: string, use: PaymentUse): Promise<boolean>
  /**
   * Replaces the record when `holder` still holds it, it is `in-flight`, and its lease
   * (`leaseUntilMs`) has run out: the one way to take a payment from a holder that died.
   * `false` (nothing written) otherwise.
   */
  takeOver(key: string, holder: string, use: PaymentUse): Promise<boolean>
  /** Drops the record when `holder` still holds it. */
  release(key: string, holder: string): Promise<void>
  close?(): Promise<void>
}

/** The default limit on a stored response body (1 MiB); larger ones are released, not stored. */
export const storedBodyBytesMax = 1024 * 1024

/** How long a payment's record lives: its authorization window plus ten minutes. */
export function paymentUseTtlMs(maxTimeoutSeconds: number): number {
  return (maxTimeoutSeconds + 600) * 1000
}

/** How long an in-flight record's holder lease lasts unless renewed (a few seconds). */
export const paymentLeaseMs = 4_000

/** Whether `use` is in flight with a holder lease that has run out at `nowMs`. */
export function leaseExpired(use: PaymentUse, nowMs: number): boolean {
  return use.state === 'in-flight' && use.leaseUntilMs !== undefined && use.leaseUntilMs <= nowMs
}

/** A record as text, for stores that keep strings (files, Redis, SQL). */
export function encodePaymentUse(use: PaymentUse): string {
  const { response, ...rest } = use
  return JSON.stringify({
    ...rest,
    ...(response
      ? {
          response: {
            status: response.status,
            headers: response.headers,
            body: bytesToBase64(response.body),
          },
        }
      : {}),
  })
}

/** The record `encodePaymentUse` wrote; throws on text that is not one. */
export function decodePaymentUse(text: string): PaymentUse {
  const parsed = JSON.parse(text) as Record<string, unknown>
  const states: readonly unknown[] = ['in-flight', 'pending', 'settled']
  if (
    !states.includes(parsed.state) ||
    typeof parsed.holder !== 'string' ||
    typeof parsed.payloadHash !== 'string' ||
    typeof parsed.route !== 'string' ||
    typeof parsed.expiresAtMs !== 'number'
  )
    throw new Error('not a payment use record')
  const response = parsed.response as
    | { status: number; headers: Record<string, string>; body: string }
    | undefined
  return {
    state: parsed.state as PaymentUseState,
    holder: parsed.holder,
    payloadHash: parsed.payloadHash,
    route: parsed.route,
    expiresAtMs: parsed.expiresAtMs,
    ...(typeof parsed.identifier === 'string' ? { identifier: parsed.identifier } : {}),
    ...(typeof parsed.unstoredReason === 'string' ? { unstoredReason: parsed.unstoredReason } : {}),
    ...(typeof parsed.leaseUntilMs === 'number' ? { leaseUntilMs: parsed.leaseUntilMs } : {}),
    ...(response
      ? {
          response: {
            status: response.status,
            headers: response.headers,
            body: base64ToBytes(response.body),
          },
        }
      : {}),
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let index = 0; index < bytes.length; index += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000))
  return btoa(binary)
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}
