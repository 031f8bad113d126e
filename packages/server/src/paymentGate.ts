import {
  type CreditLine,
  type FacilitatorClient,
  findMatchingRequirements,
  HttpFacilitatorClient,
  type PaymentPayload,
  type PaymentRequired,
  type PaymentRequirements,
  paymentHeaders,
  paymentLeaseMs,
  paymentUseTtlMs,
  type ResponseStore,
  reasonOf,
  type SchemeServer,
  type SchemeSettlement,
  type SupportedResponse,
  storedBodyBytesMax,
} from '@tollgate/core'
import type { PaywallOptions } from '@tollgate/paywall'
import { canonicalPath } from './canonicalPath.ts'
import { creditOperation, serveOnCredit } from './creditGate.ts'
import { CreditSettler, type CreditSettlerOptions } from './creditSettler.ts'
import { FolderResponseStore } from './folderResponseStore.ts'
import { corrected, refuse, replayed } from './gateAnswers.ts'
import { finishHeld, recordSettlement, type SettlementContext } from './gateSettlement.ts'
import { type OfferReceiptOptions, OfferReceipts } from './offerReceipts.ts'
import { identifierOf } from './paymentIdentifier.ts'
import { payloadHash, paymentKey } from './paymentKey.ts'
import { type Presentation, presentPayment } from './paymentUses.ts'
import { isBrowserNavigation, paywallAssets, paywallResponse } from './paywall.ts'
import { readPayment } from './readPayment.ts'
import {
  type GateResponse,
  inProgressResponse,
  paymentRequiredResponse,
  storeUnavailableResponse,
} from './responses.ts'
import { RouteOffers } from './routeOffers.ts'
import { type CompiledRoute, compileRoutes, matchRoute, type RoutesConfig } from './routes.ts'
import type { ConfirmationOptions, ReleasePolicy } from './settlement.ts'
import type { HandlerResponse } from './storedResponses.ts'
import { UseLease } from './useLease.ts'
import { checkPayment } from './verifyPayment.ts'

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
   * What this server did with each payment, and the responses it released. Give every gate that
   * sells the same things (HTTP routes, paid MCP tools, other instances) one store, so a payment
   * is served once across all of them and a lost answer can be replayed.
   * @default a `FolderResponseStore` in `<os.tmpdir()>/tollgate-responses`
   */
  store?: ResponseStore | undefined
  /**
   * Declare the `payment-identifier` extension (x402 §7.2, not required), so buyers send an id
   * with which a retried payment gets the stored response. @default true
   */
  paymentIdentifier?: boolean | undefined
  /**
   * When the handler's response is released: `included` once the transfer is in a block,
   * `confirmed` once the facilitator reports it confirmed (asked again within `confirmation`,
   * else `402 settlement_pending` and the payment stays pending). @default 'included'
   */
  release?: ReleasePolicy | undefined
  confirmation?: ConfirmationOptions | undefined
  /** Responses with a larger body are released but not stored. @default 1 MiB */
  storedBodyBytesMax?: number | undefined
  /** How long a repeat waits for the first presentation to finish. @default 5000 */
  inProgressWaitMs?: number | undefined
  /**
   * How long a payment being served stays this process's without a renewal (renewed while the
   * handler runs and the payment settles). Once it runs out, the process is taken for dead and
   * a presentation of the payment for the same route finishes it. @default 4000
   */
  leaseMs?: number | undefined
  /**
   * The `offer-receipt` extension (x402 §7.5): every 402 carries the server's signed offers and
   * every settled payment's answer a signed receipt. Off unless given.
   */
  offerReceipt?: OfferReceiptOptions | undefined
  /** How payments served on credit (routes with `credit`) are batched and retried. */
  creditSettlement?:
    | Pick<CreditSettlerOptions, 'batchSize' | 'batchMs' | 'retryMs' | 'onError'>
    | undefined
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
      /** Hand over the handler's buffered response: it is stored, then released or replaced. */
      finish(handled: HandlerResponse): Promise<GateFinish>
    }

/** After the handler ran: release its buffered response with these headers, or replace it. */
export type GateFinish =
  | { kind: 'release'; headers: Record<string, string> }
  | { kind: 'respond'; response: GateResponse }

/**
 * The framework-independent core of the resource-server middleware: it prices routes, answers
 * 402, verifies before the handler runs and settles after, and releases the handler's buffered
 * response only for a successful settlement, storing it so a repeat of the same presentation
 * gets it again. It fails closed whenever the facilitator or the store cannot answer.
 */
export class PaymentGate {
  readonly #routes: CompiledRoute[]
  readonly #facilitator: FacilitatorClient
  readonly #offers: RouteOffers
  readonly #paywall: PaywallOptions | false
  readonly #store: ResponseStore
  readonly #settlement: Omit<
    SettlementContext,
    'payment' | 'requirements' | 'presentation' | 'resourceUrl' | 'offerReceipts'
  >
  readonly #inProgressWaitMs: number
  readonly #leaseMs: number
  readonly #schemeSettlements = new Map<SchemeServer, SchemeSettlement>()
  readonly #offerReceipts: OfferReceipts | undefined
  /** One settler per credit line, shared by the routes that use it. */
  readonly #creditSettlers = new Map<CreditLine, CreditSettler>()

  constructor(options: PaymentGateOptions) {
    this.#routes = compileRoutes(options.routes)
    this.#facilitator =
      'verify' in options.facilitator
        ? options.facilitator
        : new HttpFacilitatorClient({ url: options.facilitator.url })
    this.#offers = new RouteOffers(
      this.#facilitator,
      options.schemes,
      options.paymentIdentifier ?? true,
    )
    this.#paywall = options.paywall ?? {}
    this.#store = options.store ?? new FolderResponseStore()
    this.#inProgressWaitMs = options.inProgressWaitMs ?? 5_000
    this.#leaseMs = options.leaseMs ?? paymentLeaseMs
    this.#offerReceipts = options.offerReceipt ? new OfferReceipts(options.offerReceipt) : undefined
    this.#settlement = {
      facilitator: this.#facilitator,
      store: this.#store,
      release: options.release ?? 'included',
      confirmation: options.confirmation ?? {},
      storedBodyBytesMax: options.storedBodyBytesMax ?? storedBodyBytesMax,
    }
    // Every route must be priceable with the given schemes: a mistake fails at start-up.
    for (const route of this.#routes) this.#offers.requirementsFor(route)
    for (const route of this.#routes) {
      if (!route.credit || this.#creditSettlers.has(route.credit)) continue
      const settler = new CreditSettler({
        credit: route.credit,
        settlementFor: (requirements) => this.#settlementFor(requirements),
        ...options.creditSettlement,
      })
      this.#creditSettlers.set(route.credit, settler)
      // What an earlier run served on credit and did not settle is settled now.
      settler.resume().catch((error) => options.creditSettlement?.onError?.(error))
    }
  }

  /** Settles every payment served on credit that is waiting for its batch, now. */
  async settleCredited(): Promise<void> {
    await Promise.all([...this.#creditSettlers.values()].map((settler) => settler.flush()))
  }

  /** Stops the credit settlers, waiting for settlements already sent. */
  async close(): Promise<void> {
    await Promise.all([...this.#creditSettlers.values()].map((settler) => settler.close()))
  }

  /** The 402 of a route, with the sign-in challenge of its credit line when it has one. */
  #required(route: CompiledRoute, request: Omit<GateRequest, 'header'>): PaymentRequired {
    const offered = this.#offers.paymentRequired(route, request)
    if (!route.credit) return offered
    const extensions = route.credit.extensions(creditOperation(route, request))
    return { ...offered, extensions: { ...offered.extensions, ...extensions } }
  }

  /** Who verifies and settles a payment of these requirements: its scheme, or the facilitator. */
  #settlementFor(requirements: PaymentRequirements): SchemeSettlement {
    const server = this.#offers.serverFor(requirements.scheme, requirements.network)
    if (!server?.settlementFor) return this.#facilitator
    let settlement = this.#schemeSettlements.get(server)
    if (!settlement) {
      settlement = server.settlementFor(this.#facilitator)
      this.#schemeSettlements.set(server, settlement)
    }
    return settlement
  }

  /** Loads the facilitator's capabilities; the gate also calls it lazily and retries on failure. */
  initialize(): Promise<SupportedResponse> {
    return this.#offers.initialize()
  }

  /**
   * What a route asks for (`undefined` for a free path), without asking the facilitator. Before
   * the facilitator first answered, requirements lack what only it knows (`enhanceRequirements`).
   */
  paymentRequired(request: Omit<GateRequest, 'header'>): PaymentRequired | undefined {
    const route = matchRoute(this.#routes, request.method, request.path)
    return route ? this.#required(route, request) : undefined
  }

  async begin(request: GateRequest): Promise<GateDecision> {
    const route = matchRoute(this.#routes, request.method, request.path)
    if (!route) return { kind: 'pass' }
    const unsupported = await this.#offers.checkFacilitator(route)
    if (unsupported) return { kind: 'respond', response: unsupported }
    const offered = this.#required(route, request)
    const required = this.#offerReceipts ? await this.#offerReceipts.withOffers(offered) : offered
    const header =
      request.header(paymentHeaders.signature) ?? request.header(paymentHeaders.v1Payment)
    if (header === undefined) {
      if (this.#paywall === false || !isBrowserNavigation(request))
        return { kind: 'respond', response: paymentRequiredResponse(required) }
      const assets = paywallAssets(route.options, required, (scheme, network) =>
        this.#offers.serverFor(scheme, network),
      )
      return { kind: 'respond', response: paywallResponse(required, assets, this.#paywall) }
    }

    const read = readPayment(header, required.accepts)
    if ('code' in read) return refuse(required, reasonOf(read.code), read.message)
    const payment = read.payload
    const requirements = findMatchingRequirements(payment, required.accepts)
    if (!requirements) {
      return refuse(
        required,
        reasonOf('REQUIREMENTS_NO_MATCH'),
        'the payment does not match what this route accepts',
      )
    }
    const settlement = this.#settlementFor(requirements)
    const stateKey = await settlement.paymentKey?.(payment.payload, requirements)
    const identifier = identifierOf(payment)
    const presentation: Presentation = {
      key: stateKey
        ? `${requirements.scheme}|${requirements.network}|${stateKey}`
        : paymentKey(
            requirements,
            payment.payload,
            this.#offers.serverFor(requirements.scheme, requirements.network),
          ),
      identifier,
      payloadHash: identifier === undefined ? '' : payloadHash(header),
      route: `${request.method.toUpperCase()} ${canonicalPath(request.path)}`,
      ttlMs: paymentUseTtlMs(requirements.maxTimeoutSeconds),
      leaseMs: this.#leaseMs,
    }
    return this.#present(route, request, required, payment, requirements, presentation)
  }

  async #present(
    route: CompiledRoute,
    request: GateRequest,
    required: PaymentRequired,
    payment: PaymentPayload,
    requirements: PaymentRequirements,
    presentation: Presentation,
  ): Promise<GateDecision> {
    const settlement = this.#settlementFor(requirements)
    // A scheme with a settlement of its own checks its payments there already.
    const local =
      route.verify === 'local' && settlement === this.#facilitator
        ? this.#offers.serverFor(requirements.scheme, requirements.network)
        : undefined
    const check = () => checkPayment(settlement, payment, requirements, local)
    // A payment the store does not hold yet is verified while its claim is written. One it holds
    // (a repeat, a replay, one to finish) is not verified again; a copy racing the first may be.
    const known =
      route.credit !== undefined ||
      (await this.#store.get(presentation.key).then(Boolean, () => true))
    const verifying = known ? undefined : check()
    let use: Awaited<ReturnType<typeof presentPayment>>
    try {
      use = await presentPayment(this.#store, presentation, this.#inProgressWaitMs)
    } catch (error) {
      return { kind: 'respond', response: storeUnavailableResponse(error) }
    }
    if (use.kind === 'replay') return { kind: 'respond', response: replayed(use.response) }
    if (use.kind === 'in-progress') return { kind: 'respond', response: inProgressResponse() }
    if (use.kind === 'in-use') return refuse(required, reasonOf('PAYMENT_IN_USE'), use.message)
    const lease = new UseLease(this.#store, presentation, use.holder, use.use)
    const release = () => lease.release()
    let payer: string | undefined
    // A payment whose settlement is pending is not verified again: its nonce may be spent
    // already. The facilitator's settle is idempotent and finishes it.
    const creditSettler = route.credit && this.#creditSettlers.get(route.credit)
    if (creditSettler && !use.resumed && !use.held) {
      const credited = await serveOnCredit({
        route,
        request,
        payment,
        requirements,
        presentation,
        lease,
        scheme: this.#offers.serverFor(requirements.scheme, requirements.network),
        settler: creditSettler,
        storedBodyBytesMax: this.#settlement.storedBodyBytesMax,
      })
      if (credited.kind === 'refuse') {
        await release()
        return refuse(required, credited.reason, credited.message)
      }
      if (credited.kind === 'serve')
        return {
          kind: 'verified',
          payment: { payload: payment, requirements, payer: credited.payer },
          finish: credited.finish,
        }
    }
    if (!use.resumed) {
      const verdict = await (verifying ?? check())
      if (verdict.kind === 'refused') {
        await release()
        return refuse(corrected(required, verdict.corrected), verdict.reason, verdict.message)
      }
      if (verdict.kind === 'respond') {
        await release()
        return { kind: 'respond', response: verdict.response }
      }
      payer = verdict.payer
    }
    const context: SettlementContext = {
      ...this.#settlement,
      facilitator: settlement,
      payment,
      requirements,
      presentation,
      resourceUrl: required.resource?.url ?? '',
      offerReceipts: this.#offerReceipts,
      assetDecimals: this.#offers
        .serverFor(requirements.scheme, requirements.network)
        ?.assetDecimals(requirements.network, requirements.asset),
    }
    if (use.held) return finishHeld(context, lease, use.held)
    if (settlement.settlesAlone?.(payment.payload)) {
      // Nothing is sold: settle now and answer with the receipt alone.
      const body = new TextEncoder().encode('{}')
      const finished = await recordSettlement(context, lease, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body,
      })
      return {
        kind: 'respond',
        response:
          finished.kind === 'respond'
            ? finished.response
            : {
                status: 200,
                headers: { 'content-type': 'application/json', ...finished.headers },
                body: '{}',
              },
      }
    }
    return {
      kind: 'verified',
      payment: { payload: payment, requirements, ...(payer ? { payer } : {}) },
      finish: (handled) => recordSettlement(context, lease, handled),
    }
  }
}
