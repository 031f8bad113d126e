import type { Erc8004Identity } from '@tollgate/a2a'
import type { CreditLine, ResponseStore, SchemeServer } from '@tollgate/core'
import { FolderResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { type ContentStore, contentRoutes } from '@tollgate/trust'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { mountExampleA2a } from './exampleA2a.ts'
import { mountExampleMcp } from './exampleMcp.ts'
import { mountVoucherRoute } from './exampleVouchers.ts'

export interface ExampleApiOptions {
  network: string
  payTo: string
  facilitatorUrl: string
  /** A Solana cluster `/weather` can also be paid on (after the EVM option); its scheme in `schemes`. */
  solana?: { network: string; payTo: string } | undefined
  schemes: readonly SchemeServer[]
  /** @default '$0.001' */
  price?: string
  /**
   * Where the route and the tool record payments and keep released responses.
   * @default a `FolderResponseStore` in `<os.tmpdir()>/tollgate-responses`
   */
  store?: ResponseStore | undefined
  /**
   * Serves agents' registration and feedback files at `/content` (ERC-8004 URIs point there).
   * Off unless given.
   */
  contentStore?: ContentStore | undefined
  /**
   * A credit line for `GET /report`: ERC-8004 agents its reviewers trust are served before their
   * payment settles; everyone else pays first. Without one the route is not mounted.
   */
  credit?: CreditLine | undefined
  /**
   * The merchant's ERC-8004 identity, named in the card of the agent at `/a2a/`; read when the
   * card is first served (the identity is registered once the API listens).
   */
  agentIdentity?: (() => Erc8004Identity | undefined) | undefined
}

const conditions = ['sunny', 'cloudy', 'light rain', 'windy', 'clear'] as const

/**
 * The demo's paid API: `GET /weather` costs $0.001 on EVM or on Solana, `GET /health` is free,
 * and `/mcp` is an MCP server whose `forecast` tool costs the same (on EVM). Both declare how to
 * call them (the `bazaar` extension), so the facilitator catalogues them. With an `upto` scheme
 * server among `schemes`, `GET /forecast?days=N` charges per day served, up to a week; with a
 * `batch-settlement` one, `GET /joke` is paid per joke with vouchers from one deposit.
 */
export function createExampleApi(options: ExampleApiOptions): Hono {
  const app = new Hono()
  const price = options.price ?? '$0.001'
  // EVM first: clients that take the first option they can pay keep paying on EVM.
  const accepts = [
    { price, network: options.network, payTo: options.payTo },
    ...(options.solana ? [{ price, ...options.solana }] : []),
  ]
  // The route and the MCP tools sell the same thing: one payment serves one of them, once.
  const store = options.store ?? new FolderResponseStore()
  app.use(
    cors({
      origin: '*',
      allowHeaders: ['PAYMENT-SIGNATURE', 'X-PAYMENT', 'SIGN-IN-WITH-X', 'Content-Type'],
    }),
  )
  app.use(
    paymentMiddleware({
      routes: {
        'GET /weather': {
          accepts,
          description: 'Current weather for a city',
          mimeType: 'application/json',
          discovery: {
            input: { city: 'Lisbon' },
            inputSchema: {
              properties: { city: { type: 'string', description: 'City name' } },
            },
            output: {
              example: {
                city: 'Lisbon',
                temperatureC: 21,
                conditions: 'sunny',
                observedAt: '2026-01-01T12:00:00.000Z',
              },
              schema: {
                properties: {
                  city: { type: 'string' },
                  temperatureC: { type: 'number' },
                  conditions: { type: 'string' },
                  observedAt: { type: 'string' },
                },
              },
            },
          },
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      store,
    }),
  )
  if (options.schemes.some((scheme) => scheme.scheme === 'upto')) mountForecast(app, options, store)
  if (options.schemes.some((scheme) => scheme.scheme === 'batch-settlement'))
    mountVoucherRoute(app, options, store)
  if (options.contentStore) app.route('/', contentRoutes({ store: options.contentStore }))
  if (options.credit) mountCreditReport(app, options, options.credit, store)
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/weather', (c) => c.json(weatherFor(c.req.query('city') ?? 'Lisbon')))
  mountExampleMcp(app, options, weatherFor, store)
  mountExampleA2a(app, options, weatherFor, store)
  return app
}

/** Days a forecast may cover; each costs the route's price, charged with `upto`. */
const forecastDaysMax = 7

/**
 * `GET /forecast?days=N`, paid with `upto`: the buyer authorizes a week's price, the handler
 * charges the days it served (`Settlement-Overrides`), and the gate settles that.
 */
function mountForecast(app: Hono, options: ExampleApiOptions, store: ResponseStore): void {
  const price = options.price ?? '$0.001'
  const perDay = Number(price.replace('$', ''))
  app.use(
    paymentMiddleware({
      routes: {
        'GET /forecast': {
          scheme: 'upto',
          price: `$${(perDay * forecastDaysMax).toFixed(6)}`,
          network: options.network,
          payTo: options.payTo,
          description: `Daily forecast for a city, ${price} per day, up to ${forecastDaysMax} days`,
          mimeType: 'application/json',
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      store,
    }),
  )
  app.get('/forecast', (c) => {
    const asked = Number.parseInt(c.req.query('days') ?? '1', 10)
    const days = Number.isFinite(asked) ? Math.min(Math.max(asked, 1), forecastDaysMax) : 1
    const city = c.req.query('city') ?? 'Lisbon'
    c.header('Settlement-Overrides', JSON.stringify({ amount: `$${(perDay * days).toFixed(6)}` }))
    return c.json({
      city,
      days: Array.from({ length: days }, (_, day) => {
        const { temperatureC, conditions } = weatherFor(`${city}${day}`)
        return { day: day + 1, temperatureC, conditions }
      }),
    })
  })
}

function weatherFor(city: string) {
  const seed = [...city].reduce((sum, char) => sum + char.charCodeAt(0), new Date().getUTCHours())
  return {
    city,
    temperatureC: 12 + (seed % 15),
    conditions: conditions[seed % conditions.length],
    observedAt: new Date().toISOString(),
  }
}

/**
 * `GET /report`, with a credit line: an agent that signs in with its ERC-8004 agent wallet and is
 * rated well by the line's reviewers gets the report before its payment settles.
 */
function mountCreditReport(
  app: Hono,
  options: ExampleApiOptions,
  credit: CreditLine,
  store: ResponseStore,
): void {
  const price = options.price ?? '$0.001'
  app.use(
    paymentMiddleware({
      routes: {
        'GET /report': {
          price,
          network: options.network,
          payTo: options.payTo,
          description: `A market report, ${price}; trusted agents are served before settlement`,
          mimeType: 'application/json',
          credit,
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      store,
    }),
  )
  app.get('/report', (c) => c.json({ market: 'up', observedAt: new Date().toISOString() }))
}
