import {
  facilitatorRequestSchema,
  isTollgateError,
  type PaymentPayload,
  type PaymentRequirements,
  parsePaymentPayload,
  parsePaymentRequirements,
  type ReadinessCheck,
  reject,
  type SchemeFacilitator,
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
import { type Logger, silentLogger } from './logger.ts'

/** A facilitator answer: the HTTP status and the JSON body. */
export interface FacilitatorAnswer<T> {
  status: number
  body: T
}

/**
 * The facilitator's protocol logic, independent of HTTP: it reads either protocol version,
 * routes to the scheme registered for (scheme, network) and turns every failure into a reason.
 * Business rejections are status 200; malformed requests 400; operating failures 503.
 */
export class Facilitator {
  readonly #schemes: readonly SchemeFacilitator[]
  readonly #logger: Logger

  constructor(options: { schemes: readonly SchemeFacilitator[]; logger?: Logger }) {
    this.#schemes = options.schemes
    this.#logger = options.logger ?? silentLogger
  }

  /** Readiness of every scheme's networks (RPC reachable, signers funded), bounded in time. */
  async readiness(timeoutMs = 3_000): Promise<ReadinessCheck[]> {
    const checks = this.#schemes.map(async (scheme) => {
      if (!scheme.readiness) return []
      const timeout = new Promise<ReadinessCheck[]>((resolve) =>
        setTimeout(
          () =>
            resolve(
              scheme.networks.map((network) => ({ network, ok: false, message: 'timed out' })),
            ),
          timeoutMs,
        ).unref?.(),
      )
      try {
        return await Promise.race([scheme.readiness(), timeout])
      } catch (error) {
        return scheme.networks.map((network) => ({ network, ok: false, message: describe(error) }))
      }
    })
    return (await Promise.all(checks)).flat()
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
    return { kinds, extensions: [], signers }
  }

  async verify(body: unknown): Promise<FacilitatorAnswer<VerifyResponse>> {
    const request = this.#readRequest(body)
    if ('error' in request)
      return { status: 400, body: reject(request.error.code, { message: request.error.message }) }
    const { payload, requirements } = request
    const scheme = this.#route(requirements)
    if ('code' in scheme)
      return { status: 200, body: reject(scheme.code, { message: scheme.message }) }
    try {
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
      return { status: 503, body: reject('VERIFY_UNEXPECTED', { message: describe(error) }) }
    }
  }

  async settle(body: unknown): Promise<FacilitatorAnswer<SettleResponse>> {
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
      response = await scheme.settle(payload, requirements)
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
      return {
        status: 503,
        body: settleFailure('SETTLE_UNEXPECTED', {
          network: requirements.network,
          message: describe(error),
        }),
      }
    }
    return { status: 200, body: version === 1 ? settleResponseToV1(response) : response }
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

function describe(error: unknown): string {
  if (isTollgateError(error)) return `${error.reason}: ${error.message}`
  const text =
    (error as { shortMessage?: string })?.shortMessage ?? (error as Error)?.message ?? String(error)
  return text.split('\n')[0]!.slice(0, 300)
}

/** The network to echo in a settle failure for a request too malformed to parse. */
function networkOf(body: unknown): string {
  const network = (body as { paymentRequirements?: { network?: unknown } } | null)
    ?.paymentRequirements?.network
  return typeof network === 'string' ? network.slice(0, 64) : ''
}
