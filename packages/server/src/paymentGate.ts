import {
  bazaarKey,
  encodePaymentResponseHeader,
  type FacilitatorClient,
  findMatchingRequirements,
  HttpFacilitatorClient,
  networkMatches,
  type PaymentPayload,
  type PaymentRequired,
  type PaymentRequirements,
  paymentHeaders,
  reasonOf,
  type SchemeServer,
  type SettleResponse,
  type SupportedResponse,
} from '@tollgate/core'
import type { PaywallOptions } from '@tollgate/paywall'
import { bazaarExtension } from './discovery.ts'
import { facilitatorTrouble, troubleResponse, unavailable } from './facilitatorTrouble.ts'
import { paymentKey } from './paymentKey.ts'
import { isBrowserNavigation, paywallAssets, paywallResponse } from './paywall.ts'
import { readPayment } from './readPayment.ts'
import { ReplayGuard } from './replayGuard.ts'
import {
  exposedHeaders,
  type GateResponse,
  paymentRequiredResponse,
  settlementFailedResponse,
  unavailableResponse,
} from './responses.ts'
import { type CompiledRoute, compileRoutes, matchRoute, type RoutesConfig } from './routes.ts'

export interface PaymentGateOptions {
  routes: RoutesConfig
  /** A facilitator client, or the URL of one. */
  facilitator: FacilitatorClient | { url: string }
  /** Scheme servers that turn prices into requirements, e.g. `exactEvmServer()`. */
  schemes: readonly SchemeServer[]
  /**
   * The page a browser (a GET with `Accept: text/html` from a `Mozilla` user agent) gets for an
   * unpaid request, to pay with its wallet. `false` answers browsers with JSON like other clients.
   * @default {} (the page, without branding)
   */
  paywall?: false | PaywallOptions | undefined
  /**
   * What this server has done with each payment. Give every gate that sells the same things
   * (HTTP routes, paid MCP tools) one guard, so a payment is served once across all of them.
   * @default a guard of this gate's own
   */
  replays?: ReplayGuard | undefined
}

/** The request facts the gate needs, whatever the framework. */
export interface GateRequest {
  method: string
  /** The path as received, still percent-encoded. */
  path: string
  url: string
  header(name: string): string | undefined
}

/** The payment a paid handler serves, handed to it so it need not read the header again. */
export interface VerifiedPayment {
  /** The payment as decoded (a v1 `X-PAYMENT` in v2 form). */
  payload: PaymentPayload
  /** The offered requirements the payment was accepted for. */
  requirements: PaymentRequirements
  /**
   * Who pays, when the facilitator's verify answer names it. Absent for a payment that comes
   * back to finish a pending settlement, since that one is not verified again.
   */
  payer?: string
}

/** What the adapter does next. */
export type GateDecision =
  | { kind: 'pass' }
  | { kind: 'respond'; response: GateResponse }
  | {
      kind: 'verified'
      payment: VerifiedPayment
      finish(handlerStatus: number): Promise<GateFinish>
    }

/** After the handler ran: release its buffered response with these headers, or replace it. */
export type GateFinish =
  | { kind: 'release'; headers: Record<string, string> }
  | { kind: 'respond'; response: GateResponse }

/**
 * The framework-independent core of the resource-server middleware: it prices routes, answers
 * 402, verifies before the handler runs and settles after, and releases the handler's buffered
 * response only for a successful settlement. It fails closed whenever the facilitator cannot
 * answer, at start-up as later.
 */
export class PaymentGate {
  readonly #routes: CompiledRoute[]
  readonly #facilitator: FacilitatorClient
  readonly #schemes: readonly SchemeServer[]
  readonly #paywall: PaywallOptions | false
  readonly #replays: ReplayGuard
  readonly #requirementsCache = new Map<CompiledRoute, PaymentRequirements[]>()
  /** Requirements completed from the facilitator's kinds, once it has answered. */
  readonly #offeredCache = new Map<CompiledRoute, PaymentRequirements[]>()
  #supported: Promise<SupportedResponse> | undefined
  #supportedValue: SupportedResponse | undefined
  #supportedFailedAtMs = 0

  constructor(options: PaymentGateOptions) {
    this.#routes = compileRoutes(options.routes)
    this.#facilitator =
      'verify' in options.facilitator
        ? options.facilitator
        : new HttpFacilitatorClient({ url: options.facilitator.url })
    this.#schemes = options.schemes
    this.#paywall = options.paywall ?? {}
    this.#replays = options.replays ?? new ReplayGuard()
    // Every route must be priceable with the given schemes: a mistake fails at start-up.
    for (const route of this.#routes) this.#requirementsFor(route)
  }

  /** Loads the facilitator's capabilities; the gate also calls it lazily and retries on failure. */
  initialize(): Promise<SupportedResponse> {
    if (!this.#supported) {
      const loading = this.#facilitator.supported()
      this.#supported = loading
      loading.then(
        (supported) => {
          this.#supportedValue = supported
        },
        () => {
          this.#supported = undefined
          this.#supportedFailedAtMs = Date.now()
        },
      )
    }
    return this.#supported
  }

  /**
   * What a route asks for (`undefined` for a free path), without asking the facilitator. Before
   * the facilitator first answered, requirements lack what only it knows (`enhanceRequirements`).
   */
  paymentRequired(request: Omit<GateRequest, 'header'>): PaymentRequired | undefined {
    const route = matchRoute(this.#routes, request.method, request.path)
    return route ? this.#paymentRequired(route, request) : undefined
  }

  async begin(request: GateRequest): Promise<GateDecision> {
    const route = matchRoute(this.#routes, request.method, request.path)
    if (!route) return { kind: 'pass' }
    const unsupported = await this.#checkFacilitator(route)
    if (unsupported) return { kind: 'respond', response: unsupported }
    const required = this.#paymentRequired(route, request)
    const header =
      request.header(paymentHeaders.signature) ?? request.header(paymentHeaders.v1Payment)
    if (header === undefined) {
      if (this.#paywall === false || !isBrowserNavigation(request))
        return { kind: 'respond', response: paymentRequiredResponse(required) }
      const assets = paywallAssets(route.options, required, (scheme, network) =>
        this.#serverFor(scheme, network),
      )
      return { kind: 'respond', response: paywallResponse(required, assets, this.#paywall) }
    }

    const read = readPayment(header, required.accepts)
    if ('code' in read) return this.#refuse(required, reasonOf(read.code), read.message)
    const payment = read.payload
    const requirements = findMatchingRequirements(payment, required.accepts)
    if (!requirements) {
      return this.#refuse(
        required,
        reasonOf('REQUIREMENTS_NO_MATCH'),
        'the payment does not match what this route accepts',
      )
    }
    return this.#verify(required, payment, requirements)
  }

  async #verify(
    required: PaymentRequired,
    payment: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<GateDecision> {
    const key = paymentKey(
      requirements,
      payment.payload,
      this.#serverFor(requirements.scheme, requirements.network),
    )
    const state = this.#replays.state(key)
    if (state === 'in-flight' || state === 'settled') {
      return this.#refuse(
        required,
        reasonOf('PAYMENT_IN_USE'),
        'this payment was already used for a request',
      )
    }
    const ttlMs = (requirements.maxTimeoutSeconds + 600) * 1000
    this.#replays.set(key, 'in-flight', ttlMs)
    let payer: string | undefined
    // A payment whose settlement is pending is not verified again: its nonce may be spent
    // already. The facilitator's settle is idempotent and finishes it.
    if (state !== 'pending') {
      try {
        const verdict = await this.#facilitator.verify(payment, requirements)
        if (!verdict.isValid && facilitatorTrouble(verdict.invalidReason)) {
          // The facilitator could not judge the payment (rate limit, our key, its RPC): ours to fix.
          this.#replays.forget(key)
          return {
            kind: 'respond',
            response: troubleResponse(verdict.invalidReason, verdict.invalidMessage),
          }
        }
        if (!verdict.isValid) {
          this.#replays.forget(key)
          return this.#refuse(
            required,
            verdict.invalidReason ?? reasonOf('VERIFY_UNEXPECTED'),
            verdict.invalidMessage,
          )
        }
        payer = verdict.payer
      } catch (error) {
        this.#replays.forget(key)
        return { kind: 'respond', response: unavailable(error) }
      }
    }
    return {
      kind: 'verified',
      payment: { payload: payment, requirements, ...(payer ? { payer } : {}) },
      finish: (status) => this.#settle(payment, requirements, key, ttlMs, status),
    }
  }

  async #settle(
    payment: PaymentPayload,
    requirements: PaymentRequirements,
    key: string,
    ttlMs: number,
    handlerStatus: number,
  ): Promise<GateFinish> {
    if (handlerStatus >= 400) {
      // The handler failed: nothing is charged, and the buyer may use the payment again.
      this.#replays.forget(key)
      return { kind: 'release', headers: {} }
    }
    let receipt: SettleResponse
    try {
      receipt = await this.#settleWithOneRetry(payment, requirements)
    } catch (error) {
      // The outcome is unknown: the payment may come back to finish, but is never re-verified.
      this.#replays.set(key, 'pending', ttlMs)
      return { kind: 'respond', response: unavailable(error) }
    }
    if (receipt.success) {
      this.#replays.set(key, 'settled', ttlMs)
      const header = encodePaymentResponseHeader(receipt, payment.x402Version)
      return {
        kind: 'release',
        headers: { [header.name]: header.value, 'access-control-expose-headers': exposedHeaders },
      }
    }
    if (facilitatorTrouble(receipt.errorReason) && !receipt.transaction) {
      // No verdict on the payment: it may come back to finish, but is never verified again.
      this.#replays.set(key, 'pending', ttlMs)
      return {
        kind: 'respond',
        response: troubleResponse(receipt.errorReason, receipt.errorMessage),
      }
    }
    if (receipt.errorReason === reasonOf('SETTLEMENT_PENDING'))
      this.#replays.set(key, 'pending', ttlMs)
    else this.#replays.forget(key)
    return { kind: 'respond', response: settlementFailedResponse(receipt, payment.x402Version) }
  }

  /** A pending settlement is asked once more (the facilitator waits on the same transaction). */
  async #settleWithOneRetry(
    payment: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    const first = await this.#facilitator.settle(payment, requirements)
    if (first.success || first.errorReason !== reasonOf('SETTLEMENT_PENDING')) return first
    return this.#facilitator.settle(payment, requirements)
  }

  #refuse(required: PaymentRequired, reason: string, message?: string): GateDecision {
    return {
      kind: 'respond',
      response: paymentRequiredResponse({ ...required, error: reason }, message),
    }
  }

  async #checkFacilitator(route: CompiledRoute): Promise<GateResponse | undefined> {
    if (!this.#supported && Date.now() - this.#supportedFailedAtMs < 1_000) {
      return unavailableResponse(
        reasonOf('FACILITATOR_UNAVAILABLE'),
        'the facilitator is unreachable; retry shortly',
      )
    }
    let supported: SupportedResponse
    try {
      supported = await this.initialize()
    } catch (error) {
      return unavailable(error)
    }
    const missing = this.#requirementsFor(route).filter(
      (requirements) =>
        !supported.kinds.some(
          (kind) =>
            kind.x402Version === 2 &&
            kind.scheme === requirements.scheme &&
            kind.network === requirements.network,
        ),
    )
    if (missing.length === 0) return undefined
    const what = missing
      .map((requirements) => `${requirements.scheme} on ${requirements.network}`)
      .join(', ')
    return unavailableResponse(
      reasonOf('NETWORK_UNSUPPORTED'),
      `the facilitator does not support ${what}`,
    )
  }

  #paymentRequired(route: CompiledRoute, request: Omit<GateRequest, 'header'>): PaymentRequired {
    const bazaar = route.discovery
      ? bazaarExtension(route.discovery, request.method, request.path)
      : undefined
    return {
      x402Version: 2,
      error: 'Payment required',
      resource: {
        url: request.url,
        ...(route.description ? { description: route.description } : {}),
        ...(route.mimeType ? { mimeType: route.mimeType } : {}),
      },
      accepts: this.#offeredFor(route),
      ...(bazaar ? { extensions: { [bazaarKey]: bazaar } } : {}),
    }
  }

  /**
   * The route's requirements as offered: completed by each scheme server from the facilitator's
   * kind for the same scheme and network (e.g. the Solana fee payer), once the facilitator has
   * answered; as built before that.
   */
  #offeredFor(route: CompiledRoute): PaymentRequirements[] {
    const supported = this.#supportedValue
    if (!supported) return this.#requirementsFor(route)
    const cached = this.#offeredCache.get(route)
    if (cached) return cached
    const offered = this.#requirementsFor(route).map((requirements) => {
      const server = this.#serverFor(requirements.scheme, requirements.network)
      const kind = supported.kinds.find(
        (candidate) =>
          candidate.x402Version === 2 &&
          candidate.scheme === requirements.scheme &&
          candidate.network === requirements.network,
      )
      if (!server?.enhanceRequirements || !kind) return requirements
      return server.enhanceRequirements(requirements, kind)
    })
    this.#offeredCache.set(route, offered)
    return offered
  }

  #serverFor(scheme: string, network: string): SchemeServer | undefined {
    return this.#schemes.find(
      (candidate) =>
        candidate.scheme === scheme &&
        candidate.networks.some((pattern) => networkMatches(pattern, network)),
    )
  }

  #requirementsFor(route: CompiledRoute): PaymentRequirements[] {
    const cached = this.#requirementsCache.get(route)
    if (cached) return cached
    const built = route.options.map((option) => {
      const scheme = option.scheme ?? 'exact'
      const server = this.#serverFor(scheme, option.network)
      if (!server)
        throw new Error(`route ${route.key}: no scheme server for ${scheme} on ${option.network}`)
      return server.buildRequirements({
        network: option.network,
        price: option.price,
        payTo: option.payTo,
        maxTimeoutSeconds: option.maxTimeoutSeconds ?? 300,
      })
    })
    this.#requirementsCache.set(route, built)
    return built
  }
}
