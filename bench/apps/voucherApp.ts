// Tollgate's Hono middleware selling one route with batch-settlement vouchers and one with exact,
// plus a free route; POST /channels/claim claims what was charged and sweeps it (bench only).
import { batchSettlementEvmServer, exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { keccak256, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ServiceEnv } from '../services/env.ts'

/** The seller signs its own claims: the bench facilitator has no receiver authorizer key. */
export const benchReceiverAuthorizerKey = keccak256(
  stringToHex('tollgate bench receiver authorizer'),
)

export function voucherApp(env: ServiceEnv): Hono {
  const vouchers = batchSettlementEvmServer({
    assets: { [env.network]: env.asset },
    receiverAuthorizer: privateKeyToAccount(benchReceiverAuthorizerKey),
  })
  const app = new Hono()
  app.post('/channels/claim', async (c) => {
    const target = { network: env.network, payTo: env.payTo, token: env.asset.address }
    const claims = await vouchers.channels.claim(target)
    const sweep = await vouchers.channels.sweep(target)
    return c.json({ claims, sweep })
  })
  app.use(
    paymentMiddleware({
      routes: {
        'GET /voucher': {
          scheme: 'batch-settlement',
          price: '$0.001',
          network: env.network,
          payTo: env.payTo,
        },
        'GET /paid': { price: '$0.001', network: env.network, payTo: env.payTo },
      },
      facilitator: { url: env.facilitatorUrl },
      schemes: [vouchers, exactEvmServer({ assets: { [env.network]: env.asset } })],
      // In memory: the figure is the gate's own work, not a disk's.
      store: new MemoryResponseStore(),
    }),
  )
  app.get('/voucher', (c) => c.json({ ok: true }))
  app.get('/paid', (c) => c.json({ ok: true }))
  app.get('/free', (c) => c.json({ ok: true }))
  return app
}
