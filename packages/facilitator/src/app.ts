import { type ErrorCode, parseStrictJson, reject, settleFailure } from '@tollgate/core'
import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Facilitator } from './facilitator.ts'
import { type Logger, silentLogger } from './logger.ts'
import type { ApiKeyOptions } from './operator/apiKeys.ts'
import type { Blocklist } from './operator/blocklist.ts'
import type { TrustProxy } from './operator/clientIp.ts'
import { merchantOf, metricsTokenGuard, operatorGuard } from './operator/guard.ts'
import {
  createFacilitatorMetrics,
  type FacilitatorMetrics,
  type MetricsOptions,
} from './operator/metrics.ts'
import { createRateLimiters, type RateLimitOptions } from './operator/rateLimits.ts'
import { createPaymentScreen } from './operator/screen.ts'

/** Every operator feature is off unless its option is given. */
export interface FacilitatorAppOptions {
  /**
   * Largest accepted request body. A payment request is under 4 KiB; the limit stops memory abuse.
   * @default 65536
   */
  bodyBytesMax?: number
  /** Merchant API keys for /verify and /settle (401 when missing or unknown), with allow-lists. */
  apiKeys?: ApiKeyOptions
  /** Limits per client address and per API key on /verify and /settle (429, Retry-After). */
  rateLimits?: RateLimitOptions
  /** How many proxies of yours stand in front, so X-Forwarded-For can be believed. @default false */
  trustProxy?: TrustProxy
  /** Payers and payees refused with `address_blocked` before any scheme sees the payment. */
  blocklist?: Blocklist
  /** Serves Prometheus metrics on GET /metrics. */
  metrics?: MetricsOptions
  /** Warnings of the operator features (Redis fallback, key store failures). */
  logger?: Logger
}

/** The Hono app, plus `close()` for what the app opened itself (a Redis connection from a URL). */
export type FacilitatorApp = Hono & { close(): Promise<void> }

const verifyRefusal = (code: ErrorCode, message: string) => reject(code, { message })
const settleRefusal = (code: ErrorCode, message: string) =>
  settleFailure(code, { network: '', message })

/**
 * The facilitator over HTTP: `POST /verify`, `POST /settle`, `GET /supported`, `GET /healthz`
 * (liveness, no I/O), `GET /readyz` (RPC and signers) and, when enabled, `GET /metrics`.
 * Every answer is JSON with a reason.
 * @example
 * const app = createFacilitatorApp(facilitator, {
 *   apiKeys: { store: memoryApiKeyStore([{ keyHash, merchant: 'acme' }]), required: true },
 *   rateLimits: { verify: { ip: { points: 50, durationSeconds: 1 } }, redis: 'redis://127.0.0.1' },
 *   blocklist: await fileBlocklist('blocked.txt'),
 *   metrics: { token: metricsToken },
 * })
 */
export function createFacilitatorApp(
  facilitator: Facilitator,
  options: FacilitatorAppOptions = {},
): FacilitatorApp {
  const bodyBytesMax = options.bodyBytesMax ?? 64 * 1024
  const logger = options.logger ?? silentLogger
  const app = new Hono()
  const metrics = options.metrics
    ? createFacilitatorMetrics(facilitator, options.metrics)
    : undefined
  const limiters = options.rateLimits ? createRateLimiters(options.rateLimits, logger) : undefined

  if (metrics) app.use('*', timing(metrics))
  if (options.apiKeys || limiters) {
    const guard = { apiKeys: options.apiKeys, limiters, trustProxy: options.trustProxy, metrics }
    app.use('/verify', operatorGuard('verify', verifyRefusal, { ...guard, logger }))
    app.use('/settle', operatorGuard('settle', settleRefusal, { ...guard, logger }))
  }

  const limit = (failure: () => unknown) =>
    bodyLimit({ maxSize: bodyBytesMax, onError: (c) => c.json(failure(), 413) })
  const tooLarge = `the request body exceeds ${bodyBytesMax} bytes`
  const screenFor = (c: Context, endpoint: string) =>
    createPaymentScreen({
      access: merchantOf(c),
      blocklist: options.blocklist,
      onBlocked: (party) => metrics?.blocked(endpoint, party),
    })

  app.post(
    '/verify',
    limit(() => verifyRefusal('PAYLOAD_MALFORMED', tooLarge)),
    async (c) => {
      const body = parseStrictJson(await c.req.text())
      const answer = body.ok
        ? await facilitator.verify(body.value, { screen: screenFor(c, '/verify') })
        : { status: 400, body: verifyRefusal('PAYLOAD_MALFORMED', body.error) }
      metrics?.recordVerify(requestNetwork(body.ok ? body.value : undefined), answer.body)
      return c.json(answer.body, answer.status as 200)
    },
  )

  app.post(
    '/settle',
    limit(() => settleRefusal('PAYLOAD_MALFORMED', tooLarge)),
    async (c) => {
      const body = parseStrictJson(await c.req.text())
      const answer = body.ok
        ? await facilitator.settle(body.value, { screen: screenFor(c, '/settle') })
        : { status: 400, body: settleRefusal('PAYLOAD_MALFORMED', body.error) }
      metrics?.recordSettle(requestNetwork(body.ok ? body.value : undefined), answer.body)
      return c.json(answer.body, answer.status as 200)
    },
  )

  app.get('/supported', (c) => c.json(facilitator.supported()))
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const checks = await facilitator.readiness()
    const ready = checks.every((check) => check.ok)
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503)
  })
  if (metrics) {
    const token = options.metrics?.token
    if (token)
      app.use(
        '/metrics',
        metricsTokenGuard(token, () => metrics.unauthorized('/metrics')),
      )
    app.get('/metrics', async (c) =>
      c.body(await metrics.registry.metrics(), 200, {
        'Content-Type': metrics.registry.contentType,
      }),
    )
  }

  app.notFound((c) =>
    c.json(
      { error: 'not_found', message: `${c.req.method} ${c.req.path} is not an endpoint` },
      404,
    ),
  )
  // Handlers turn every expected failure into a reason; reaching here is a bug, logged by the host.
  app.onError((_, c) => c.json({ error: 'internal_error' }, 500))
  return Object.assign(app, {
    async close() {
      await limiters?.close()
    },
  })
}

function timing(metrics: FacilitatorMetrics): MiddlewareHandler {
  return async function timingMiddleware(c, next) {
    const started = performance.now()
    await next()
    metrics.observeRequest(c.req.path, c.res.status, (performance.now() - started) / 1000)
  }
}

/** The requirement's network as sent, for a metric label (bounded by the metrics). */
function requestNetwork(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined
  const requirements: unknown = Reflect.get(body, 'paymentRequirements')
  if (typeof requirements !== 'object' || requirements === null) return undefined
  return Reflect.get(requirements, 'network')
}
