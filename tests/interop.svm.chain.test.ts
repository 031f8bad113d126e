/**
 * Wire compatibility with the official `@x402/svm` v2 packages on the embedded Solana devnet,
 * both ways: the official client pays our example API through our facilitator, and the
 * official middleware (with the official SVM server scheme) uses our facilitator to sell to our
 * client. Method: the dev stack of `startTestStack` (real litesvm behind real JSON-RPC, real
 * HTTP); the devnet answers as Solana devnet because @x402/svm 2.27 refuses any other id.
 */
import { createKeyPairSignerFromBytes, getBase58Encoder } from '@solana/kit'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { solanaNetworks } from '@tollgate/core'
import { HTTPFacilitatorClient } from '@x402/core/server'
import type { Network } from '@x402/core/types'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { x402ResourceServer as HonoResourceServer, paymentMiddleware } from '@x402/hono'
import { ExactSvmScheme as OfficialSvmClient } from '@x402/svm/exact/client'
import { ExactSvmScheme as OfficialSvmServer } from '@x402/svm/exact/server'
import { Hono } from 'hono'
import { type DevStack, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ourSolanaClient, splBalances } from './support/solana.ts'
import { startTestStack } from './support/stack.ts'

let stack: DevStack
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(async () => {
  for (const close of closers) await close()
  await stack?.stop()
})

/** The official client with only the Solana scheme, so it cannot take the EVM option. */
async function officialFetch() {
  const { solana } = stack.manifest
  const payer = await createKeyPairSignerFromBytes(
    getBase58Encoder().encode(solana.payer.secretKey),
  )
  const client = new x402Client()
    .register('solana:*', new OfficialSvmClient(payer, { rpcUrl: solana.rpcUrl }))
    // The local mint is not the official devnet USDC, so its spend controls are off.
    .setSpendControls(false)
  return wrapFetchWithPayment(fetch, client)
}

/** A 200 with a Solana receipt, and the test USDC moved once: payer down, merchant up. */
async function expectPaidOnce(response: Response, before: { payer: bigint; merchant: bigint }) {
  expect(response.status).toBe(200)
  const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
  expect(receipt).toMatchObject({
    success: true,
    network: stack.manifest.solana.network,
    payer: stack.manifest.solana.payer.address,
  })
  expect(receipt.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
  const after = await splBalances(stack)
  const amount = BigInt(stack.manifest.routes[0]!.amount)
  expect([before.payer - after.payer, after.merchant - before.merchant]).toEqual([amount, amount])
  return receipt
}

describe('the official @x402/svm client pays the Tollgate example API', () => {
  it('offers EVM then Solana, with the facilitator fee payer on the Solana option', async () => {
    const response = await fetch(`${stack.manifest.exampleApiUrl}/weather`)
    expect(response.status).toBe(402)
    const required = JSON.parse(atob(response.headers.get('PAYMENT-REQUIRED')!))
    expect(required.accepts.map((option: { network: string }) => option.network)).toEqual([
      stack.manifest.network,
      stack.manifest.solana.network,
    ])
    expect(required.accepts[1]).toMatchObject({
      asset: stack.manifest.solana.mint,
      payTo: stack.solanaDevnet.merchant.address,
      extra: { feePayer: stack.manifest.solana.feePayer.address },
    })
  })

  it('@x402/fetch with ExactSvmScheme pays /weather through the Tollgate facilitator', async () => {
    const before = await splBalances(stack)
    const pay = await officialFetch()
    const response = await pay(`${stack.manifest.exampleApiUrl}/weather?city=Lima`)
    await expectPaidOnce(response, before)
    expect(await response.json()).toMatchObject({ city: 'Lima' })
  })
})

describe('official middleware with the Tollgate facilitator sells to the Tollgate client', () => {
  it('@x402/hono with ExactSvmScheme and HTTPFacilitatorClient', async () => {
    const { solana, facilitatorUrl, routes } = stack.manifest
    const network: Network = solanaNetworks.devnet
    expect(solana.network).toBe(network)
    const resourceServer = new HonoResourceServer(
      new HTTPFacilitatorClient({ url: facilitatorUrl }),
    ).register(network, new OfficialSvmServer())
    await resourceServer.initialize()
    const app = new Hono()
    app.use(
      paymentMiddleware(
        {
          'GET /premium': {
            accepts: {
              scheme: 'exact',
              network,
              payTo: stack.solanaDevnet.merchant.address,
              // The official table maps the network to devnet USDC: name the local mint.
              price: { amount: routes[0]!.amount, asset: solana.mint },
            },
          },
        },
        resourceServer,
        undefined,
        undefined,
        false,
      ),
    )
    app.get('/premium', (c) => c.json({ premium: 'solana' }))
    const server = await listen(app, 0)
    closers.push(server.close)

    const before = await splBalances(stack)
    const pay = wrapFetch(fetch, { schemes: [await ourSolanaClient(stack)] })
    const response = await pay(`${server.url}/premium`)
    const receipt = await expectPaidOnce(response, before)
    expect(readReceipt(response)?.transaction).toBe(receipt.transaction)
    expect(await response.json()).toEqual({ premium: 'solana' })
  })
})
