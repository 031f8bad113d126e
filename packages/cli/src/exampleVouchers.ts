import type { ResponseStore } from '@tollgate/core'
import { paymentMiddleware } from '@tollgate/server/hono'
import type { Hono } from 'hono'
import type { ExampleApiOptions } from './exampleApi.ts'

const jokes = [
  'A voucher walks into a bar. The bartender says: put it on the channel.',
  'Why did the agent open a channel? It was tired of paying gas for every sip.',
  'Two vouchers meet at the escrow. One says: you look cumulative today.',
  'The facilitator claimed a thousand vouchers at once. It called it a light lunch.',
]

/**
 * `GET /joke`, paid with `batch-settlement`: the first request deposits into a channel (the
 * seller suggests ten jokes' worth), every next one pays with an off-chain voucher, checked and
 * charged by this server alone, with no transaction until the seller claims.
 */
export function mountVoucherRoute(app: Hono, options: ExampleApiOptions, store: ResponseStore) {
  const price = options.price ?? '$0.001'
  let told = 0
  app.use(
    paymentMiddleware({
      routes: {
        'GET /joke': {
          scheme: 'batch-settlement',
          price,
          network: options.network,
          payTo: options.payTo,
          description: `A joke, ${price} each, paid with vouchers from one deposit`,
          mimeType: 'application/json',
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      store,
    }),
  )
  app.get('/joke', (c) => c.json({ joke: jokes[told++ % jokes.length] }))
}
