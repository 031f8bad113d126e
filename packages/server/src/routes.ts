import { type CreditLine, type Price, TollgateError } from '@tollgate/core'
import { canonicalPath } from './canonicalPath.ts'
import { type CompiledDiscovery, compileDiscovery, type RouteDiscovery } from './discovery.ts'

/** One way to pay for a route. */
export interface PaymentOption {
  /** @default 'exact' */
  scheme?: string
  /** Dollars (`"$0.001"`) in the network's default asset, or `{amount, asset, extra}`. */
  price: Price
  /** CAIP-2 id, e.g. `eip155:84532`. */
  network: string
  payTo: string
  /** @default 300 */
  maxTimeoutSeconds?: number
}

/** A priced route: one payment option inline, or several in `accepts`. */
export type RouteConfig = (PaymentOption | { accepts: PaymentOption[] }) & {
  description?: string
  mimeType?: string
  /** How to call the route, for buyers and discovery catalogues (the `bazaar` extension). */
  discovery?: RouteDiscovery
  /**
   * Serve trusted agents first and settle in the background, within the line's caps (e.g.
   * `reputationCredit` of `@tollgate/trust`). Everyone else pays first as usual.
   */
  credit?: CreditLine
  /**
   * Who checks a payment before the handler runs. `'facilitator'` (as the official middleware
   * does): its `/verify`, which also reads the chain (balance, spent nonces). `'local'`: the
   * scheme checks signature, payee, amount and time window in this process, one round trip
   * fewer; only the settlement then reads the chain, so a handler may run for a payment that
   * fails to settle. Its response is not served: the buyer gets the 402 with the reason. For
   * handlers cheap enough to run for nothing. A payment the scheme cannot judge alone (a
   * smart-wallet signature, Permit2, a scheme with its own settlement) goes to the facilitator
   * whatever this says. @default 'facilitator'
   */
  verify?: 'facilitator' | 'local'
}

/** Route keys are `"VERB /path"` or `"/path"` (any verb); paths take `*`, `:param` and `[param]`. */
export type RoutesConfig = Record<string, RouteConfig>

export interface CompiledRoute {
  key: string
  method: string | undefined
  pattern: RegExp
  options: PaymentOption[]
  description: string | undefined
  mimeType: string | undefined
  discovery: CompiledDiscovery | undefined
  credit: CreditLine | undefined
  verify: 'facilitator' | 'local'
}

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** Compiles route keys once, at start-up; a bad key or empty route is a configuration error. */
export function compileRoutes(routes: RoutesConfig): CompiledRoute[] {
  return Object.entries(routes).map(([key, config]) => {
    const [first, second, ...rest] = key.trim().split(/\s+/)
    const hasMethod = second !== undefined
    const method = hasMethod ? first!.toUpperCase() : undefined
    const path = hasMethod ? second : first
    if (
      rest.length > 0 ||
      !path?.startsWith('/') ||
      (method !== undefined && !methods.has(method))
    ) {
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        `route key ${JSON.stringify(key)} must be "VERB /path" or "/path"`,
      )
    }
    if (
      config.verify !== undefined &&
      config.verify !== 'facilitator' &&
      config.verify !== 'local'
    ) {
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        `route ${key}: verify must be 'facilitator' or 'local', not ${JSON.stringify(config.verify)}`,
      )
    }
    const options = 'accepts' in config ? config.accepts : [config]
    if (options.length === 0) {
      throw new TollgateError('REQUIREMENTS_MALFORMED', `route ${key} has no payment option`)
    }
    return {
      key,
      method,
      pattern: compilePattern(path),
      options,
      description: config.description,
      mimeType: config.mimeType,
      discovery: config.discovery
        ? compileDiscovery(key, method, path, config.discovery)
        : undefined,
      credit: config.credit,
      verify: config.verify ?? 'facilitator',
    }
  })
}

function compilePattern(path: string): RegExp {
  const canonical = canonicalPath(path)
  const source = canonical
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*'
      if (/^(:[a-z0-9_]+|\[[a-z0-9_]+\])$/.test(segment)) return '[^/]+'
      return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')
    })
    .join('/')
  return new RegExp(`^${source}$`)
}

/** The first route that matches; OPTIONS (CORS preflight) is never priced unless named. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): CompiledRoute | undefined {
  const verb = method.toUpperCase()
  const path = canonicalPath(rawPath)
  return routes.find((route) => {
    if (route.method === undefined ? verb === 'OPTIONS' : route.method !== verb) {
      // A priced GET also covers HEAD, which runs the same handler in most frameworks.
      if (!(route.method === 'GET' && verb === 'HEAD')) return false
    }
    return route.pattern.test(path)
  })
}
