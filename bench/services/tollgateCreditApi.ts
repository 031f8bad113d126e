// Tollgate's Hono middleware with a credit line on `/credit`, exact on `/paid`, and a free route.
import { MemoryCreditBook } from '@tollgate/core'
import { exactEvmServer, recoverMessageSigner } from '@tollgate/evm'
import { MemoryResponseStore, PaymentGate } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { reputationCredit, SiwxGate, TrustClient } from '@tollgate/trust'
import { Hono } from 'hono'
import { listen } from 'tollgate'
import { createPublicClient, defineChain, http } from 'viem'
import { announce, readServiceEnv } from './env.ts'

const env = readServiceEnv()
if (!env.trust) throw new Error('the credit API needs the ERC-8004 registries (env.trust)')
const chainId = Number(env.network.split(':')[1])
const chain = defineChain({
  id: chainId,
  name: env.network,
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [env.rpcUrl] } },
})
const trust = new TrustClient({
  publicClient: createPublicClient({ chain, transport: http() }),
  registries: env.trust,
})
const credit = reputationCredit({
  trust,
  book: new MemoryCreditBook(),
  reviewers: [env.trust.reviewer],
  minScore: 80,
  perAgentMax: 10n ** 12n,
  totalMax: 10n ** 13n,
  siwx: new SiwxGate({
    chains: [{ chainId: env.network, type: 'eip191' }],
    recover: recoverMessageSigner,
  }),
})
const option = { price: '$0.001', network: env.network, payTo: env.payTo }
const gate = new PaymentGate({
  routes: { 'GET /credit': { ...option, credit }, 'GET /paid': option },
  facilitator: { url: env.facilitatorUrl },
  schemes: [exactEvmServer({ assets: { [env.network]: env.asset } })],
  store: new MemoryResponseStore(),
})
const app = new Hono()
app.use(paymentMiddleware(gate))
app.get('/credit', (c) => c.json({ ok: true }))
app.get('/paid', (c) => c.json({ ok: true }))
app.get('/free', (c) => c.json({ ok: true }))
announce((await listen(app, 0)).url)
