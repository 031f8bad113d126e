import {
  type ErrorCode,
  isPaymentState,
  type PaymentState,
  parseStrictJson,
  paymentStates,
  paymentSummary,
  reasonOf,
  reject,
  type SettlementLedger,
  settleFailure,
  toCaip2,
} from '@tollgate/core'
import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { type DashboardOptions, serveDashboard } from './dashboard/dashboardApi.ts'
import { serveDiscovery } from './discovery/discoveryRoutes.ts'
import type { Facilitator } from './facilitator.ts'
import { type Logger, silentLogger } from './logger.ts'
import { bearerTokenGuard } from './operator/adminToken.ts'
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
  /**
   * Serves `GET /ledger/payments`: the ledger's recent payments and their states, for operators.
   * With `adminToken` it needs `Authorization: Bearer <adminToken>` (merchant API keys never open
   * it); without, it is open, which is for a local dev stack only.
   */
  ledger?: { ledger: Pick<SettlementLedger, 'recent'>; adminToken?: string | undefined }
  /**
   * Serves the operator dashboard: its JSON API under `/api/*` (overview, payments, signers,
   * merchants, resources, live events) and, from `staticDir`, the app at `/dashboard/`. With
   * `adminToken` the API needs it as a bearer token; without, it is open (a local dev stack).
   */
  dashboard?: DashboardOptions
}

/** The Hono app, plus `close()` for what the app opened itself (a Redis connection from a URL). */
export type FacilitatorApp = Hono & { close(): Promise<void> }

const verifyRefusal = (code: ErrorCode, message: string) => reject(code, { message })
const settleRefusal = (code: ErrorCode, message: string) =>
  settleFailure(code, { network: '', message })

/**
 * A body that is not one unambiguous JSON document is not a facilitator request (400). A document
 * carrying what a payment may not (a NUL or lone surrogate in a string, nesting past the limit) is
 * a request with a bad payment, refused like any other bad payment (200).
 */
function refusalStatus(
  kind: Extract<ReturnType<typeof parseStrictJson>, { ok: false }>['kind'],
): 200 | 400 {
  return kind === 'syntax' || kind === 'duplicateKey' ? 400 : 200
}

/**
 * The facilitator over HTTP: `POST /verify`, `POST /settle`, `GET /supported`, `GET /healthz`
 * (liveness, no I/O), `GET /readyz` (RPC and signers) and, when enabled, `GET /metrics`,
 * `GET /ledger/payments` and (for a facilitator with a catalogue) `GET /discovery/resources`
 * and `GET /discovery/search`.
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

  // The rest of an oversized body is never read, so the connection cannot carry another request:
  // saying so keeps a client from sending its next request on a socket that is closing.
  const limit = (failure: () => unknown): MiddlewareHandler => {
    const refuse = (c: Context) => c.json(failure(), 413, { Connection: 'close' })
    const streamed = bodyLimit({ maxSize: bodyBytesMax, onError: refuse })
    return (c, next) => {
      // A declared length is checked from the header alone, as Hono's limit does, but without
      // touching the request's body stream: on Node that builds a full Request per call, and
      // the body is then read through it instead of straight from the socket.
      const declared = c.req.header('content-length')
      if (declared === undefined || c.req.header('transfer-encoding') !== undefined)
        return streamed(c, next)
      return Number.parseInt(declared, 10) > bodyBytesMax ? Promise.resolve(refuse(c)) : next()
    }
  }
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
        : { status: refusalStatus(body.kind), body: verifyRefusal('PAYLOAD_MALFORMED', body.error) }
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
        ? await facilitator.settle(body.value, {
            screen: screenFor(c, '/settle'),
            caller: { callerPayTo: merchantOf(c)?.payTo },
          })
        : { status: refusalStatus(body.kind), body: settleRefusal('PAYLOAD_MALFORMED', body.error) }
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

  if (options.ledger) serveLedger(app, options.ledger, logger)
  if (facilitator.catalog) serveDiscovery(app, facilitator.catalog, logger)
  const dashboard = options.dashboard
    ? serveDashboard(app, facilitator, options.dashboard, logger)
    : undefined

  app.notFound((c) =>
    c.json(
      { error: reasonOf('NOT_FOUND'), message: `${c.req.method} ${c.req.path} is not an endpoint` },
      404,
    ),
  )
  // Handlers turn every expected failure into a reason; reaching here is a bug, logged by the host.
  app.onError((error, c) => {
    // Whatever escaped a route is a fault of ours: the operator sees it, the caller gets a code.
    logger.error({ err: String(error), method: c.req.method, path: c.req.path }, 'unhandled error')
    return c.json(
      { error: reasonOf('INTERNAL'), message: 'the facilitator failed; see its log' },
      500,
    )
  })
  return Object.assign(app, {
    async close() {
      dashboard?.close()
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

const ledgerLimitDefault = 50
const ledgerLimitMax = 500

type LedgerQuery = { limit: number; states?: PaymentState[]; network?: string }

/** `?limit=&state=&network=`: states as a comma list or repeated; anything else is refused. */
function parseLedgerQuery(
  params: URLSearchParams,
): { ok: true; query: LedgerQuery } | { ok: false; message: string } {
  const refuse = (message: string) => ({ ok: false as const, message })
  for (const name of new Set(params.keys())) {
    if (!['limit', 'state', 'network'].includes(name))
      return refuse(
        `unknown parameter ${JSON.stringify(name.slice(0, 40))}: use limit, state, network`,
      )
    if (name !== 'state' && params.getAll(name).length > 1) return refuse(`${name} is given twice`)
  }
  const limitText = params.get('limit') ?? String(ledgerLimitDefault)
  const limit = /^[0-9]{1,3}$/.test(limitText) ? Number(limitText) : 0
  if (limit < 1 || limit > ledgerLimitMax)
    return refuse(`limit must be a whole number from 1 to ${ledgerLimitMax}`)
  const query: LedgerQuery = { limit }
  const states = params.getAll('state').flatMap((value) => value.split(','))
  if (params.has('state')) {
    if (!states.every(isPaymentState))
      return refuse(`state must be one or more of ${paymentStates.join(', ')}`)
    query.states = [...new Set(states)]
  }
  const network = params.get('network')
  if (network !== null) {
    const caip2 = toCaip2(network)
    if (!caip2) return refuse('network must be a CAIP-2 id such as eip155:8453, or a v1 name')
    query.network = caip2
  }
  return { ok: true, query }
}

function serveLedger(
  app: Hono,
  options: NonNullable<FacilitatorAppOptions['ledger']>,
  logger: Logger,
): void {
  if (options.adminToken !== undefined) {
    app.use('/ledger/*', bearerTokenGuard(options.adminToken, 'an admin token is required'))
  }
  app.get('/ledger/payments', async (c) => {
    const parsed = parseLedgerQuery(new URL(c.req.url).searchParams)
    if (!parsed.ok)
      return c.json({ error: reasonOf('REQUEST_INVALID'), message: parsed.message }, 400)
    try {
      const payments = await options.ledger.recent(parsed.query)
      return c.json({ payments: payments.map(paymentSummary) })
    } catch (error) {
      logger.error({ err: String(error) }, 'ledger read failed')
      return c.json(
        { error: reasonOf('LEDGER_UNAVAILABLE'), message: 'the ledger could not be read' },
        503,
      )
    }
  })
}
