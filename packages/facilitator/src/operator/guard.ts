/**
 * @module
 * The middleware in front of `/verify` and `/settle`: the per-address limit (first, so failed
 * key guesses are limited too), the API key, then the per-key limit. Refusals use the route's
 * own answer shape, so x402 clients that read any body with `isValid` / `success` understand.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { ErrorCode } from '@tollgate/core'
import { reasonOf } from '@tollgate/core'
import type { Context, MiddlewareHandler } from 'hono'
import type { Logger } from '../logger.ts'
import { type ApiKeyOptions, hashApiKey, type MerchantAccess, readApiKey } from './apiKeys.ts'
import { clientIp, type TrustProxy } from './clientIp.ts'
import type { FacilitatorMetrics } from './metrics.ts'
import type { RateLimitDimension, RateLimiters, RateLimitGroup } from './rateLimits.ts'

export interface GuardOptions {
  apiKeys?: ApiKeyOptions | undefined
  limiters?: RateLimiters | undefined
  trustProxy?: TrustProxy | undefined
  metrics?: FacilitatorMetrics | undefined
  logger: Logger
}

/** The route's refusal body: a VerifyResponse for /verify, a SettleResponse for /settle. */
export type RefusalBody = (code: ErrorCode, message: string) => unknown

// Keyed by the context, which lives through the whole request: bodyLimit replaces c.req.raw.
const accessByRequest = new WeakMap<Context, MerchantAccess>()

/** The merchant a request authenticated as, when it carried a key. */
export function merchantOf(c: Context): MerchantAccess | undefined {
  return accessByRequest.get(c)
}

export function operatorGuard(
  group: RateLimitGroup,
  refusal: RefusalBody,
  options: GuardOptions,
): MiddlewareHandler {
  const { apiKeys, limiters, metrics, logger } = options
  const endpoint = `/${group}`

  const limited = async (c: Context, dimension: RateLimitDimension, key: string) => {
    if (!limiters) return undefined
    const decision = await limiters.consume(group, dimension, key)
    if (decision.allowed) return undefined
    metrics?.rateLimited(endpoint, dimension)
    c.header('Retry-After', String(decision.retryAfterSeconds))
    const message = `too many requests for this ${dimension === 'ip' ? 'address' : 'API key'}`
    return c.json(refusal('RATE_LIMITED', message), 429)
  }
  const unauthorized = (c: Context, message: string) => {
    metrics?.unauthorized(endpoint)
    c.header('WWW-Authenticate', 'Bearer')
    return c.json(refusal('UNAUTHORIZED', message), 401)
  }

  return async function operatorGuardMiddleware(c, next) {
    const byAddress = await limited(c, 'ip', clientIp(c, options.trustProxy))
    if (byAddress) return byAddress
    if (apiKeys) {
      const read = readApiKey((name) => c.req.header(name))
      if (read === 'invalid') return unauthorized(c, 'the API key is malformed')
      if (read === 'missing') {
        if (apiKeys.required) return unauthorized(c, 'an API key is required')
      } else {
        const keyHash = hashApiKey(read.key)
        let access: MerchantAccess | undefined
        try {
          access = await apiKeys.store.findByHash(keyHash)
        } catch (error) {
          // The key cannot be checked: fail closed, as an outage the caller may retry.
          logger.error({ err: String(error) }, 'API key store failed')
          const code = group === 'verify' ? 'VERIFY_UNEXPECTED' : 'SETTLE_UNEXPECTED'
          return c.json(refusal(code, 'the API key could not be checked'), 503)
        }
        if (!access) return unauthorized(c, 'the API key is unknown')
        accessByRequest.set(c, access)
        const byKey = await limited(c, 'key', keyHash)
        if (byKey) return byKey
      }
    }
    await next()
  }
}

/** Bearer-token check for `/metrics`, comparing digests in constant time. */
export function metricsTokenGuard(token: string, onRefused: () => void): MiddlewareHandler {
  const expected = createHash('sha256').update(token).digest()
  return async function metricsTokenGuardMiddleware(c, next) {
    const match = /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest()
    if (!match || !timingSafeEqual(given, expected)) {
      onRefused()
      c.header('WWW-Authenticate', 'Bearer')
      return c.json(
        { error: reasonOf('UNAUTHORIZED'), message: 'a metrics token is required' },
        401,
      )
    }
    await next()
  }
}
