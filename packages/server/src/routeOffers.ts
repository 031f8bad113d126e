import {
  bazaarKey,
  type FacilitatorClient,
  networkMatches,
  type PaymentRequired,
  type PaymentRequirements,
  reasonOf,
  type SchemeServer,
  type SupportedResponse,
} from '@tollgate/core'
import { bazaarExtension } from './discovery.ts'
import { unavailable } from './facilitatorTrouble.ts'
import { paymentIdentifierDeclaration, paymentIdentifierKey } from './paymentIdentifier.ts'
import { type GateResponse, unavailableResponse } from './responses.ts'
import type { CompiledRoute } from './routes.ts'

/**
 * What the gate offers per route: requirements built by the scheme servers, completed from the
 * facilitator's capabilities once it answered, and the extensions declared with them.
 */
export class RouteOffers {
  readonly #facilitator: FacilitatorClient
  readonly #schemes: readonly SchemeServer[]
  readonly #declareIdentifier: boolean
  readonly #requirementsCache = new Map<CompiledRoute, PaymentRequirements[]>()
  /** Requirements completed from the facilitator's kinds, once it has answered. */
  readonly #offeredCache = new Map<CompiledRoute, PaymentRequirements[]>()
  #supported: Promise<SupportedResponse> | undefined
  #supportedValue: SupportedResponse | undefined
  #supportedFailedAtMs = 0

  constructor(
    facilitator: FacilitatorClient,
    schemes: readonly SchemeServer[],
    declareIdentifier: boolean,
  ) {
    this.#facilitator = facilitator
    this.#schemes = schemes
    this.#declareIdentifier = declareIdentifier
  }

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

  /** A 503 while the facilitator cannot be asked or lacks a route's network; else nothing. */
  async checkFacilitator(route: CompiledRoute): Promise<GateResponse | undefined> {
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
    const missing = this.requirementsFor(route).filter(
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

  paymentRequired(
    route: CompiledRoute,
    request: { method: string; path: string; url: string },
  ): PaymentRequired {
    const bazaar = route.discovery
      ? bazaarExtension(route.discovery, request.method, request.path)
      : undefined
    const extensions: Record<string, unknown> = {
      ...(bazaar ? { [bazaarKey]: bazaar } : {}),
      ...(this.#declareIdentifier
        ? { [paymentIdentifierKey]: paymentIdentifierDeclaration() }
        : {}),
    }
    return {
      x402Version: 2,
      error: 'Payment required',
      resource: {
        url: request.url,
        ...(route.description ? { description: route.description } : {}),
        ...(route.mimeType ? { mimeType: route.mimeType } : {}),
      },
      accepts: this.#offeredFor(route),
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    }
  }

  serverFor(scheme: string, network: string): SchemeServer | undefined {
    return this.#schemes.find(
      (candidate) =>
        candidate.scheme === scheme &&
        candidate.networks.some((pattern) => networkMatches(pattern, network)),
    )
  }

  requirementsFor(route: CompiledRoute): PaymentRequirements[] {
    const cached = this.#requirementsCache.get(route)
    if (cached) return cached
    const built = route.options.map((option) => {
      const scheme = option.scheme ?? 'exact'
      const server = this.serverFor(scheme, option.network)
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

  /**
   * The route's requirements as offered: completed by each scheme server from the facilitator's
   * kind for the same scheme and network (e.g. the Solana fee payer), once the facilitator has
   * answered; as built before that.
   */
  #offeredFor(route: CompiledRoute): PaymentRequirements[] {
    const supported = this.#supportedValue
    if (!supported) return this.requirementsFor(route)
    const cached = this.#offeredCache.get(route)
    if (cached) return cached
    const offered = this.requirementsFor(route).map((requirements) => {
      const server = this.serverFor(requirements.scheme, requirements.network)
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
}
