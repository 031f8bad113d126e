// The same routes behind the official @x402/hono middleware.
import { HTTPFacilitatorClient } from '@x402/core/server'
import { ExactEvmScheme } from '@x402/evm/exact/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import { listen } from 'tollgate'
import { announce, readServiceEnv } from './env.ts'

const env = readServiceEnv()
const resourceServer = new x402ResourceServer(
  new HTTPFacilitatorClient({ url: env.facilitatorUrl }),
).register(env.network, new ExactEvmScheme())
await resourceServer.initialize()
const price = {
  amount: '1000',
  asset: env.asset.address,
  extra: { name: env.asset.name, version: env.asset.version },
}
const app = new Hono()
app.use(
  paymentMiddleware(
    {
      'GET /paid': { accepts: { scheme: 'exact', network: env.network, payTo: env.payTo, price } },
    },
    resourceServer,
    undefined,
    undefined,
    false,
  ),
)
app.get('/paid', (c) => c.json({ ok: true }))
app.get('/free', (c) => c.json({ ok: true }))
announce((await listen(app, 0)).url)
