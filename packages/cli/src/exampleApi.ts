import type { SchemeServer } from '@tollgate/core'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { cors } from 'hono/cors'

export interface ExampleApiOptions {
  network: string
  payTo: string
  facilitatorUrl: string
  schemes: readonly SchemeServer[]
  /** @default '$0.001' */
  price?: string
}

const conditions = ['sunny', 'cloudy', 'light rain', 'windy', 'clear'] as const

/** The demo's paid API: `GET /weather` costs $0.001, `GET /health` is free. */
export function createExampleApi(options: ExampleApiOptions): Hono {
  const app = new Hono()
  app.use(cors({ origin: '*', allowHeaders: ['PAYMENT-SIGNATURE', 'X-PAYMENT', 'Content-Type'] }))
  app.use(
    paymentMiddleware({
      routes: {
        'GET /weather': {
          price: options.price ?? '$0.001',
          network: options.network,
          payTo: options.payTo,
          description: 'Current weather for a city',
          mimeType: 'application/json',
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
    }),
  )
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/weather', (c) => {
    const city = c.req.query('city') ?? 'Lisbon'
    const seed = [...city].reduce((sum, char) => sum + char.charCodeAt(0), new Date().getUTCHours())
    return c.json({
      city,
      temperatureC: 12 + (seed % 15),
      conditions: conditions[seed % conditions.length],
      observedAt: new Date().toISOString(),
    })
  })
  return app
}
