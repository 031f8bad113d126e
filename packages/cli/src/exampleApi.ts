import type { ResponseStore, SchemeServer } from '@tollgate/core'
import { FolderResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { mountExampleMcp } from './exampleMcp.ts'

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
}

const conditions = ['sunny', 'cloudy', 'light rain', 'windy', 'clear'] as const

/**
 * The demo's paid API: `GET /weather` costs $0.001 on EVM or on Solana, `GET /health` is free,
 * and `/mcp` is an MCP server whose `forecast` tool costs the same (on EVM). Both declare how to
 * call them (the `bazaar` extension), so the facilitator catalogues them.
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
  app.use(cors({ origin: '*', allowHeaders: ['PAYMENT-SIGNATURE', 'X-PAYMENT', 'Content-Type'] }))
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
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/weather', (c) => c.json(weatherFor(c.req.query('city') ?? 'Lisbon')))
  mountExampleMcp(app, options, weatherFor, store)
  return app
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
