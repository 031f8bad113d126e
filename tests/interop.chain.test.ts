import { readReceipt, wrapFetch } from '@tollgate/client'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { paymentMiddleware as tollgateExpress } from '@tollgate/server/express'
import { x402Client as axiosX402Client, wrapAxiosWithPayment } from '@x402/axios'
import { HTTPFacilitatorClient } from '@x402/core/server'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { ExactEvmScheme as OfficialEvmServer } from '@x402/evm/exact/server'
import {
  x402ResourceServer as ExpressResourceServer,
  paymentMiddleware as officialExpress,
} from '@x402/express'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import {
  x402ResourceServer as HonoResourceServer,
  paymentMiddleware as officialHono,
} from '@x402/hono'
import axios from 'axios'
import express from 'express'
import { Hono } from 'hono'
import { type DevStack, listen } from 'tollgate'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startExpress } from './support/officialParts.ts'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  stack = await startTestStack()
})
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

async function expectPaidOnce(response: Response, payerBefore: bigint) {
  expect(response.status).toBe(200)
  const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
  expect(receipt).toMatchObject({
    success: true,
    network: stack.manifest.network,
    payer: stack.manifest.accounts.payer.address,
  })
  const payerAfter = await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)
  expect(payerBefore - payerAfter).toBe(BigInt(stack.manifest.routes[0]!.amount))
  return receipt
}

describe('official clients pay Tollgate servers through the Tollgate facilitator', () => {
  it('@x402/fetch pays the Hono example API', async () => {
    const before = await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)
    const response = await officialFetch()(`${stack.manifest.exampleApiUrl}/weather`)
    await expectPaidOnce(response, before)
    expect(await response.json()).toHaveProperty('temperatureC')
  })

  it('@x402/fetch pays an Express app using Tollgate middleware', async () => {
    const { manifest } = stack
    const app = express()
    app.use(
      tollgateExpress({
        routes: {
          'GET /report': {
            price: '$0.001',
            network: manifest.network,
            payTo: manifest.accounts.merchant.address,
          },
        },
        facilitator: { url: manifest.facilitatorUrl },
        schemes: [
          exactEvmServer({
            assets: {
              [manifest.network]: { ...manifest.asset, address: manifest.asset.address as Address },
            },
          }),
        ],
      }),
    )
    app.get('/report', (_req, res) => {
      res.json({ report: 'quarterly' })
    })
    const url = await startExpress(app, closers)
    const before = await tokenBalance(manifest, manifest.accounts.payer.address)
    const response = await officialFetch()(`${url}/report`)
    await expectPaidOnce(response, before)
    expect(await response.json()).toEqual({ report: 'quarterly' })
  })

  it('@x402/axios pays the Hono example API', async () => {
    const before = await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)
    const client = new axiosX402Client().register(
      'eip155:*',
      new OfficialEvmClient(payerAccount(stack.manifest)),
    )
    const api = wrapAxiosWithPayment(axios.create(), client)
    const response = await api.get(`${stack.manifest.exampleApiUrl}/weather`)
    expect(response.status).toBe(200)
    const receipt = decodePaymentResponseHeader(response.headers['payment-response'] as string)
    expect(receipt).toMatchObject({ success: true })
    const after = await tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)
    expect(before - after).toBe(1000n)
  })
})

describe('official middleware uses the Tollgate facilitator and sells to the Tollgate client', () => {
  const price = () => ({
    amount: stack.manifest.routes[0]!.amount,
    asset: stack.manifest.asset.address,
    extra: { name: stack.manifest.asset.name, version: stack.manifest.asset.version },
  })
  const tollgateFetch = () =>
    wrapFetch(fetch, {
      schemes: [
        exactEvmClient({
          signer: payerAccount(stack.manifest),
          assets: {
            [stack.manifest.network]: {
              ...stack.manifest.asset,
              address: stack.manifest.asset.address as Address,
            },
          },
        }),
      ],
    })

  it('@x402/express with HTTPFacilitatorClient', async () => {
    const { manifest } = stack
    const resourceServer = new ExpressResourceServer(
      new HTTPFacilitatorClient({ url: manifest.facilitatorUrl }),
    ).register('eip155:31337', new OfficialEvmServer())
    await resourceServer.initialize()
    const app = express()
    app.use(
      officialExpress(
        {
          'GET /premium': {
            accepts: {
              scheme: 'exact',
              network: 'eip155:31337',
              payTo: manifest.accounts.merchant.address,
              price: price(),
            },
            description: 'premium data',
          },
        },
        resourceServer,
        undefined,
        undefined,
        false,
      ),
    )
    app.get('/premium', (_req, res) => {
      res.json({ premium: true })
    })
    const url = await startExpress(app, closers)
    const before = await tokenBalance(manifest, manifest.accounts.payer.address)
    const response = await tollgateFetch()(`${url}/premium`)
    await expectPaidOnce(response, before)
    expect(readReceipt(response)?.success).toBe(true)
    expect(await response.json()).toEqual({ premium: true })
  })

  it('@x402/hono with HTTPFacilitatorClient', async () => {
    const { manifest } = stack
    const resourceServer = new HonoResourceServer(
      new HTTPFacilitatorClient({ url: manifest.facilitatorUrl }),
    ).register('eip155:31337', new OfficialEvmServer())
    await resourceServer.initialize()
    const app = new Hono()
    app.use(
      officialHono(
        {
          'GET /premium': {
            accepts: {
              scheme: 'exact',
              network: 'eip155:31337',
              payTo: manifest.accounts.merchant.address,
              price: price(),
            },
          },
        },
        resourceServer,
        undefined,
        undefined,
        false,
      ),
    )
    app.get('/premium', (c) => c.json({ premium: 'hono' }))
    const server = await listen(app, 0)
    closers.push(server.close)
    const before = await tokenBalance(manifest, manifest.accounts.payer.address)
    const response = await tollgateFetch()(`${server.url}/premium`)
    await expectPaidOnce(response, before)
    expect(await response.json()).toEqual({ premium: 'hono' })
  })
})
