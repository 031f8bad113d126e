// Paid routes and a free one behind Tollgate's Hono middleware: /paid as configured by default
// (the facilitator's /verify before the handler), /paid-local with the route's verify: 'local'.
import { exactEvmServer } from '@tollgate/evm'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { listen } from 'tollgate'
import { announce, readServiceEnv } from './env.ts'

const env = readServiceEnv()
const app = new Hono()
app.use(
  paymentMiddleware({
    routes: {
      'GET /paid': { price: '$0.001', network: env.network, payTo: env.payTo },
      'GET /paid-local': {
        price: '$0.001',
        network: env.network,
        payTo: env.payTo,
        verify: 'local',
      },
    },
    facilitator: { url: env.facilitatorUrl },
    schemes: [exactEvmServer({ assets: { [env.network]: env.asset } })],
  }),
)
app.get('/paid', (c) => c.json({ ok: true }))
app.get('/paid-local', (c) => c.json({ ok: true }))
app.get('/free', (c) => c.json({ ok: true }))
announce((await listen(app, 0)).url)
