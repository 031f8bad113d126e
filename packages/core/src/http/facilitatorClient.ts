import { reject, settleFailure } from '../errors/reject.ts'
import { TollgateError } from '../errors/TollgateError.ts'
import { parseSettleResponse, parseSupportedResponse, parseVerifyResponse } from '../wire/parse.ts'
import type {
  PaymentPayload,
  PaymentRequirements,
  SettleResponse,
  SupportedResponse,
  VerifyResponse,
} from '../wire/types.ts'

/** What a resource server needs from a facilitator. */
export interface FacilitatorClient {
  readonly url: string
  supported(): Promise<SupportedResponse>
  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse>
  settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse>
}

export interface HttpFacilitatorClientOptions {
  url: string
  /**
   * Bound on each request. Settlement waits for a receipt, so this must exceed the facilitator's
   * receipt wait; a timeout is reported as "unavailable", never as a failed payment.
   * @default 60000
   */
  timeoutMs?: number
  fetch?: typeof globalThis.fetch
  /** Extra headers per request, e.g. an API key. */
  headers?: () => Promise<Record<string, string>> | Record<string, string>
}

/**
 * The request body the facilitator API takes. A v1 payment is sent in v2 form, so any v2
 * facilitator can settle it.
 */
export function facilitatorRequestBody(payload: PaymentPayload, requirements: PaymentRequirements) {
  return {
    x402Version: 2,
    paymentPayload: { ...payload, x402Version: 2 },
    paymentRequirements: requirements,
  }
}

/** A facilitator reached over HTTP (`/verify`, `/settle`, `/supported`). */
export class HttpFacilitatorClient implements FacilitatorClient {
  readonly url: string
  readonly #timeoutMs: number
  readonly #fetch: typeof globalThis.fetch
  readonly #headers: HttpFacilitatorClientOptions['headers']

  constructor(options: HttpFacilitatorClientOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.#timeoutMs = options.timeoutMs ?? 60_000
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#headers = options.headers
  }

  async supported(): Promise<SupportedResponse> {
    const { status, body } = await this.#request('GET', '/supported')
    if (status !== 200) throw unavailable(`GET /supported answered HTTP ${status}`)
    return parseSupportedResponse(body)
  }

  async verify(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<VerifyResponse> {
    const json = serialise(payload, requirements)
    if (!json.ok) return reject('PAYLOAD_MALFORMED', { message: json.message })
    const { status, body } = await this.#request('POST', '/verify', json.text)
    // Facilitators disagree on the status of a rejection (200, 400, 412): a body that says
    // isValid is an answer whatever the status.
    if (hasKey(body, 'isValid')) return parseVerifyResponse(body)
    throw unavailable(`POST /verify answered HTTP ${status} without a verify response`)
  }

  async settle(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    const json = serialise(payload, requirements)
    if (!json.ok) {
      return settleFailure('PAYLOAD_MALFORMED', {
        network: requirements.network,
        message: json.message,
      })
    }
    const { status, body } = await this.#request('POST', '/settle', json.text)
    if (hasKey(body, 'success')) return parseSettleResponse(body)
    throw unavailable(`POST /settle answered HTTP ${status} without a settle response`)
  }

  /** Sends `body`, JSON text already, so only the network can fail in here. */
  async #request(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(await this.#headers?.()),
    }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await this.#fetch(`${this.url}${path}`, {
        method,
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(body === undefined ? {} : { body }),
      })
    } catch (error) {
      throw new TollgateError(
        'FACILITATOR_UNAVAILABLE',
        `facilitator ${this.url}${path} unreachable`,
        {
          cause: error,
        },
      )
    }
    const text = await response.text().catch(() => '')
    let parsed: unknown
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = undefined
    }
    return { status: response.status, body: parsed }
  }
}

/**
 * The request body as JSON text. A payment that cannot be written as JSON (nested past what the
 * serialiser's stack holds, cyclic, a BigInt) is the payment's fault, not an outage: it is refused
 * as data, like a facilitator would refuse it.
 */
function serialise(
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): { ok: true; text: string } | { ok: false; message: string } {
  try {
    return { ok: true, text: JSON.stringify(facilitatorRequestBody(payload, requirements)) }
  } catch (error) {
    return { ok: false, message: `the payment cannot be written as JSON: ${describe(error)}` }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function hasKey(body: unknown, key: string): boolean {
  return typeof body === 'object' && body !== null && key in body
}

function unavailable(message: string): TollgateError {
  return new TollgateError('FACILITATOR_UNAVAILABLE', message)
}
