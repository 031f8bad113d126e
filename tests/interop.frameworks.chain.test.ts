/**
 * The official `@x402/fetch` client pays apps that use Tollgate's Fastify plugin and Next.js
 * route wrapper, through the Tollgate facilitator on a devnet. Each paid request runs its
 * handler once, is settled on chain once, and carries the receipt.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exactEvmServer } from '@tollgate/evm'
import { paymentPlugin } from '@tollgate/server/fastify'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import Fastify from 'fastify'
import type { DevStack } from 'tollgate'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildNextApp, startNextApp } from './server.next.app.ts'
import { payerAccount, startTestStack, tokenBalance, transferCount } from './support/stack.ts'

let stack: DevStack
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  ;[stack] = await Promise.all([startTestStack(), buildNextApp()])
}, 180_000)
afterAll(async () => {
  for (const close of closers) await close()
  await stack?.stop()
})

const officialFetch = () =>
  wrapFetchWithPayment(
    fetch,
    // The devnet token is not in the official default-asset table, so its spend controls are off.
    new x402Client()
      .register('eip155:*', new OfficialEvmClient(payerAccount(stack.manifest)))
      .setSpendControls(false),
  )

/** `$0.001` on the devnet, in its test USDC (named in the gate's assets). */
const route = () => ({
  price: '$0.001',
  network: stack.manifest.network,
  payTo: stack.manifest.accounts.merchant.address,
})
const assets = () => ({
  [stack.manifest.network]: {
    ...stack.manifest.asset,
    address: stack.manifest.asset.address as Address,
  },
})

/** Pays `url` with the official client and checks it was charged once, on chain. */
async function payOnce(url: string): Promise<Response> {
  const { manifest } = stack
  const payer = manifest.accounts.payer.address
  const merchant = manifest.accounts.merchant.address
  const balanceBefore = await tokenBalance(manifest, payer)
  const transfersBefore = await transferCount(manifest, payer, merchant)
  const response = await officialFetch()(url)
  expect(response.status).toBe(200)
  expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
    success: true,
    network: manifest.network,
    payer,
  })
  expect(balanceBefore - (await tokenBalance(manifest, payer))).toBe(1000n)
  expect((await transferCount(manifest, payer, merchant)) - transfersBefore).toBe(1)
  return response
}

describe('the official client pays Tollgate adapters through the Tollgate facilitator', () => {
  it('@x402/fetch pays a Fastify app using the Tollgate plugin', async () => {
    const app = Fastify()
    await app.register(paymentPlugin, {
      routes: { 'GET /report': route() },
      facilitator: { url: stack.manifest.facilitatorUrl },
      schemes: [exactEvmServer({ assets: assets() })],
    })
    let served = 0
    app.get('/report', async (request) => {
      served++
      return { report: 'quarterly', paidBy: request.x402?.payer }
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => app.close())
    const { port } = app.server.address() as AddressInfo
    const response = await payOnce(`http://127.0.0.1:${port}/report`)
    expect(await response.json()).toEqual({
      report: 'quarterly',
      paidBy: stack.manifest.accounts.payer.address,
    })
    expect(served).toBe(1)
  })

  it('@x402/fetch pays a Next.js app using the Tollgate route wrapper', async () => {
    const served: Record<string, number> = {}
    const reports: Server = createServer((request, response) => {
      const name = (request.url ?? '').replace('/served/', '')
      served[name] = (served[name] ?? 0) + 1
      response.writeHead(204).end()
    })
    await new Promise<void>((listening) => reports.listen(0, '127.0.0.1', listening))
    closers.push(() => new Promise((closed) => reports.close(() => closed())))
    const next = await startNextApp({
      TOLLGATE_FACILITATOR_URL: stack.manifest.facilitatorUrl,
      TOLLGATE_ROUTES: JSON.stringify({ 'GET /weather': route() }),
      TOLLGATE_EVM_ASSETS: JSON.stringify(assets()),
      TOLLGATE_FIXTURE_REPORT_URL: `http://127.0.0.1:${(reports.address() as AddressInfo).port}`,
    })
    closers.push(next.stop)
    const response = await payOnce(`${next.url}/weather`)
    expect(await response.json()).toEqual({ forecast: 'sunny', note: 'paid-content-7f3a' })
    expect(served).toEqual({ weather: 1 })
  })
})
