import {
  bazaarKey,
  type ChannelReport,
  type DiscoveryCatalog,
  type ErrorCode,
  facilitatorRequestSchema,
  isTollgateError,
  type PaymentFacts,
  type PaymentPayload,
  type PaymentRequirements,
  parsePaymentPayload,
  parsePaymentRequirements,
  type ReadinessCheck,
  reasonOf,
  reject,
  type SchemeFacilitator,
  type SettleContext,
  type SettleResponse,
  type SupportedKind,
  type SupportedResponse,
  settleFailure,
  settleResponseToV1,
  TollgateError,
  toCaip2,
  toLegacyNetwork,
  type VerifyResponse,
  type X402Version,
} from '@tollgate/core'

export type { SchemeStatsReading } from './schemeReports.ts'

import { CatalogueWriter, type CatalogueWriterOptions } from './discovery/catalogueWriter.ts'
import { isLedgerUnreachable, sharedLedgerCheck } from './ledgerTrouble.ts'
import { type Logger, silentLogger } from './logger.ts'
import {
  channelsOf,
  describe,
  readinessOf,
  type SchemeStatsReading,
  statsOf,
} from './schemeReports.ts'

/** A facilitator answer: the HTTP status and the JSON body. */
export interface FacilitatorAnswer<T> {
  status: number
  body: T
}

/**
 * A check run on a well-formed request before any scheme sees it (allow-lists, blocklists).
 * It answers a refusal, which becomes a business rejection (status 200), or undefined to go on.
 * A screen that throws is an operating failure (503), so a broken check never lets a payment by.
 */
export type PaymentScreen = (request: {
  payload: PaymentPayload
  requirements: PaymentRequirements
}) => Promise<ScreenRefusal | undefined>

export interface ScreenRefusal {
  code: ErrorCode
  message: string
}

/**
 * The facilitator's protocol logic, independent of HTTP: it reads either protocol version,
 * routes to the scheme registered for (scheme, network) and turns every failure into a reason.
 * Business rejections are status 200; malformed requests 400; operating failures 503.
 */
export class Facilitator {
  readonly #schemes: readonly SchemeFacilitator[]
  readonly #logger: Logger
  readonly #extensions: string[]
  readonly #catalogue: CatalogueWriter | undefined
  readonly #ledgerCheck: (() => Promise<void>) | undefined
  /** Where settled payments' `bazaar` declarations are catalogued, when discovery is on. */
  readonly catalog: DiscoveryCatalog | undefined

  constructor(options: {
    schemes: readonly SchemeFacilitator[]
    logger?: Logger
    extensions?: string[]
    /** Turns discovery on: settled payments' `bazaar` declarations are catalogued here. */
    catalog?: DiscoveryCatalog
    /** Bounds and clock of the cataloguing queue. */
    catalogue?: CatalogueWriterOptions
    /**
     * A cheap read of the ledger the schemes settle through. Verify runs it first: while the
     * ledger cannot be read, nothing is answered valid that could not then be settled once.
     */
    ledgerCheck?: () => Promise<unknown>
  }) {
    this.#schemes = options.schemes
    this.#ledgerCheck = options.ledgerCheck ? sharedLedgerCheck(options.ledgerCheck) : undefined
    // Settlement answers repeated payments with their stored outcome: payment-identifier ids are honoured.
    this.#extensions = options.extensions ?? [
      'payment-identifier',
      ...(options.catalog ? [bazaarKey] : []),
    ]
    this.#logger = options.logger ?? silentLogger
    this.catalog = options.catalog
    this.#catalogue = options.catalog
      ? new CatalogueWriter(options.catalog, this.#logger, options.catalogue)
      : undefined
  }

  /** Resolves once every settled payment waiting to be catalogued has been (for shutdown, tests). */
  idle(): Promise<void> {
    return this.#catalogue?.idle() ?? Promise.resolve()
  }

  /** Readiness of every scheme's networks (RPC reachable, signers funded), bounded in time. */
  readiness(timeoutMs = 3_000): Promise<ReadinessCheck[]> {
    return readinessOf(this.#schemes, timeoutMs)
  }

  /**
   * Operating figures of the schemes that report them, for metrics. A scheme that fails or is
   * slower than the bound is left out of this reading rather than holding a scrape up.
   */
  stats(timeoutMs = 2_000): Promise<{ readings: SchemeStatsReading[]; failures: string[] }> {
    return statsOf(this.#schemes, this.#logger, timeoutMs)
  }

  /**
   * The payment channels of the schemes that keep them, most recently used first. A scheme that
   * fails or is slower than the bound is left out and named in `failures`.
   */
  channels(
    limit: number,
    timeoutMs = 3_000,
  ): Promise<{ channels: ChannelReport[]; failures: string[] }> {
    return channelsOf(this.#schemes, this.#logger, limit, timeoutMs)
  }

  /** What the payment's own scheme reads from its signed payload (an `upto` maximum). */
  describePayment(payload: PaymentPayload, requirements: PaymentRequirements): PaymentFacts {
    const scheme = this.#route(requirements)
    if (!('describePayment' in scheme) || !scheme.describePayment) return {}
    try {
      return scheme.describePayment(payload, requirements) ?? {}
    } catch {
      return {}
    }
  }

  supported(): SupportedResponse {
    const kinds: SupportedKind[] = []
    const signers: Record<string, string[]> = {}
    for (const scheme of this.#schemes) {
      for (const network of scheme.networks) {
        const extra = scheme.extra(network)
        kinds.push({ x402Version: 2, scheme: scheme.scheme, network, ...(extra ? { extra } : {}) })
        const legacy = toLegacyNetwork(network)
        if (legacy)
          kinds.push({
            x402Version: 1,
            scheme: scheme.scheme,
            network: legacy,
            ...(extra ? { extra } : {}),
          })
        signers[scheme.caipFamily] ??= []
        const family = signers[scheme.caipFamily]!
        for (const signer of scheme.signers(network))
          if (!family.includes(signer)) family.push(signer)
      }
    }
    return { kinds, extensions: this.#extensions, signers }
  }

  async verify(
    body: unknown,
    options: { screen?: PaymentScreen | undefined } = {},
  ): Promise<FacilitatorAnswer<VerifyResponse>> {
    const request = this.#readRequest(body)
    if ('error' in request)
      return { status: 400, body: reject(request.error.code, { message: request.error.message }) }
    const { payload, requirements } = request
    const scheme = this.#route(requirements)
    if ('code' in scheme)
      return { status: 200, body: reject(scheme.code, { message: scheme.message }) }
    try {
      await this.#ledgerCheck?.()
      const refusal = await options.screen?.({ payload, requirements })
      if (refusal) {
        const body = reject(refusal.code, { message: refusal.message })
        this.#logger.info(
          logFields('verify', requirements, undefined, body.invalidReason),
          'refused',
        )
        return { status: 200, body }
      }
      const response = await scheme.verify(payload, requirements)
      this.#logger.info(
        logFields('verify', requirements, response.payer, response.invalidReason),
        'verify',
      )
      return { status: 200, body: response }
    } catch (error) {
      this.#logger.error(
        { ...logFields('verify', requirements), err: describe(error) },
        'verify failed',
      )
      const code = isLedgerUnreachable(error) ? 'LEDGER_UNAVAILABLE' : 'VERIFY_UNEXPECTED'
      return { status: 503, body: reject(code, { message: describe(error) }) }
    }
  }

  async settle(
    body: unknown,
    options: { screen?: PaymentScreen | undefined; caller?: SettleContext | undefined } = {},
  ): Promise<FacilitatorAnswer<SettleResponse>> {
    const request = this.#readRequest(body)
    const network = networkOf(body)
    if ('error' in request) {
      return {
        status: 400,
        body: settleFailure(request.error.code, { network, message: request.error.message }),
      }
    }
    const { payload, requirements, version } = request
    const scheme = this.#route(requirements)
    if ('code' in scheme) {
      return { status: 200, body: settleFailure(scheme.code, { network, message: scheme.message }) }
    }
    let response: SettleResponse
    try {
      const refusal = await options.screen?.({ payload, requirements })
      if (refusal) {
        const failure = settleFailure(refusal.code, {
          network: requirements.network,
          message: refusal.message,
        })
        this.#logger.info(
          logFields('settle', requirements, undefined, failure.errorReason),
          'refused',
        )
        return { status: 200, body: version === 1 ? settleResponseToV1(failure) : failure }
      }
      response = await scheme.settle(payload, requirements, options.caller)
      this.#logger.info(
        {
          ...logFields('settle', requirements, response.payer, response.errorReason),
          transaction: response.transaction,
        },
        'settle',
      )
    } catch (error) {
      this.#logger.error(
        { ...logFields('settle', requirements), err: describe(error) },
        'settle failed',
      )
      // A ledger out of reach is said so: the payment was not settled and may come back.
      const code = isLedgerUnreachable(error) ? 'LEDGER_UNAVAILABLE' : 'SETTLE_UNEXPECTED'
      return {
        status: 503,
        body: settleFailure(code, {
          network: requirements.network,
          message: describe(error),
        }),
      }
    }
    if (response.success && version === 2) this.#catalogueSettled(payload, requirements)
    return {
      status: settleStatusOf(response),
      body: version === 1 ? settleResponseToV1(response) : response,
    }
  }

  /** Queues a settled payment for the catalogue; whatever happens there, the answer stands. */
  #catalogueSettled(payload: PaymentPayload, requirements: PaymentRequirements): void {
    try {
      this.#catalogue?.add(payload, requirements)
    } catch (error) {
      this.#logger.error({ err: describe(error) }, 'discovery catalogue queue failed')
    }
  }

  #readRequest(
    body: unknown,
  ):
    | { payload: PaymentPayload; requirements: PaymentRequirements; version: X402Version }
    | { error: TollgateError } {
    try {
      const parsed = facilitatorRequestSchema.safeParse(body)
      if (!parsed.success) {
        throw new TollgateError(
          'PAYLOAD_MALFORMED',
          'the body must be {x402Version, paymentPayload, paymentRequirements}',
        )
      }
      const payment = parsePaymentPayload(parsed.data.paymentPayload)
      if (parsed.data.x402Version !== undefined && parsed.data.x402Version !== payment.version) {
        throw new TollgateError(
          'VERSION_UNSUPPORTED',
          'x402Version differs from paymentPayload.x402Version',
        )
      }
      const requirements = parsePaymentRequirements(
        parsed.data.paymentRequirements,
        payment.version,
      )
      if (payment.version === 2) return { payload: payment.payload, requirements, version: 2 }
      // A v1 payment names only scheme and network; the requirement supplies the rest.
      const accepted = {
        ...requirements,
        scheme: payment.payload.scheme,
        network: toCaip2(payment.payload.network) ?? payment.payload.network,
      }
      return {
        payload: { x402Version: 1, accepted, payload: payment.payload.payload },
        requirements,
        version: 1,
      }
    } catch (error) {
      if (isTollgateError(error)) return { error }
      throw error
    }
  }

  #route(
    requirements: PaymentRequirements,
  ): SchemeFacilitator | { code: 'SCHEME_UNSUPPORTED' | 'NETWORK_UNSUPPORTED'; message: string } {
    const byScheme = this.#schemes.filter((scheme) => scheme.scheme === requirements.scheme)
    if (byScheme.length === 0) {
      return {
        code: 'SCHEME_UNSUPPORTED',
        message: `scheme ${requirements.scheme} is not supported here`,
      }
    }
    const scheme = byScheme.find((candidate) => candidate.networks.includes(requirements.network))
    return (
      scheme ?? {
        code: 'NETWORK_UNSUPPORTED',
        message: `network ${requirements.network} is not supported here`,
      }
    )
  }
}

function logFields(
  operation: string,
  requirements: PaymentRequirements,
  payer?: string,
  reason?: string,
) {
  return {
    operation,
    scheme: requirements.scheme,
    network: requirements.network,
    amount: requirements.amount,
    payTo: requirements.payTo,
    ...(payer ? { payer } : {}),
    ...(reason ? { reason } : {}),
  }
}

/** The network to echo in a settle failure for a request too malformed to parse. */
function networkOf(body: unknown): string {
  const network = (body as { paymentRequirements?: { network?: unknown } } | null)
    ?.paymentRequirements?.network
  return typeof network === 'string' ? network.slice(0, 64) : ''
}

/**
 * The payment-identifier extension asks for HTTP statuses of its own: 409 for an id reused with
 * another payment, 400 for a required id that is missing. Every other outcome is a 200.
 */
function settleStatusOf(response: SettleResponse): number {
  if (response.errorReason === reasonOf('PAYMENT_IDENTIFIER_CONFLICT')) return 409
  if (response.errorReason === reasonOf('PAYMENT_IDENTIFIER_REQUIRED')) return 400
  return 200
}
