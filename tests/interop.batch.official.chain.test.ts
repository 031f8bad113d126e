/**
 * Goal: the official @x402/evm 2.27 batch-settlement server and client work through the Tollgate
 * facilitator: /supported names our receiver authorizer, the first request deposits (one
 * transaction), the next ones pay with vouchers (no transaction), the official channel manager's
 * claim and settle go through our facilitator and pay the merchant exactly what was charged, and
 * the official client's cooperative refund returns the rest.
 * Method: the dev stack (our escrow and collectors at the canonical addresses, our facilitator
 * with a receiver authorizer key); @x402/express with the official scheme server; @x402/fetch
 * with the official scheme client; balances and channel state read from the chain.
 */
import { batchSettlementAbi, batchSettlementAddresses, channelIdOf } from '@tollgate/evm'
import { HTTPFacilitatorClient } from '@x402/core/server'
import { BatchSettlementEvmScheme as OfficialBatchClient } from '@x402/evm/batch-settlement/client'
import { BatchSettlementEvmScheme as OfficialBatchServer } from '@x402/evm/batch-settlement/server'
import {
  x402ResourceServer as ExpressResourceServer,
  paymentMiddleware as officialExpress,
} from '@x402/express'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import express from 'express'
import { type DevStack, rpcClient } from 'tollgate'
import { type Address, getAddress, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startExpress } from './support/officialParts.ts'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await stack?.stop()
})

const price = 1_000n

describe('batch-settlement: the official server and client through the Tollgate facilitator', () => {
  it('deposits once, pays with vouchers, claims, settles and refunds', async () => {
    const { manifest } = stack
    const merchant = getAddress(manifest.accounts.merchant.address)
    const payer = payerAccount(manifest)
    const facilitator = new HTTPFacilitatorClient({ url: manifest.facilitatorUrl })
    const supported = await facilitator.getSupported()
    const kind = supported.kinds.find(
      (k) => k.scheme === 'batch-settlement' && k.network === manifest.network,
    )
    expect(kind?.extra?.receiverAuthorizer).toMatch(/^0x[0-9a-fA-F]{40}$/)

    const scheme = new OfficialBatchServer(merchant)
    const resourceServer = new ExpressResourceServer(facilitator).register(
      manifest.network as `${string}:${string}`,
      scheme,
    )
    await resourceServer.initialize()
    const app = express()
    app.use(
      officialExpress(
        {
          'GET /joke': {
            accepts: {
              scheme: 'batch-settlement',
              network: manifest.network as `${string}:${string}`,
              payTo: merchant,
              price: {
                amount: String(price),
                asset: manifest.asset.address,
                extra: { name: manifest.asset.name, version: manifest.asset.version },
              },
            },
            description: 'a joke per voucher',
          },
        },
        resourceServer,
        undefined,
        undefined,
        false,
      ),
    )
    app.get('/joke', (_req, res) => {
      res.json({ joke: 'a voucher walks into a bar' })
    })
    const url = await startExpress(app, closers)

    const client = new OfficialBatchClient(payer, { depositPolicy: { depositMultiplier: 5 } })
    const pay = wrapFetchWithPayment(
      fetch,
      new x402Client().register('eip155:*', client).setSpendControls(false),
    )
    const payerBefore = await tokenBalance(manifest, payer.address)
    const merchantBefore = await tokenBalance(manifest, merchant)

    const receipts = []
    for (let i = 0; i < 3; i++) {
      const response = await pay(`${url}/joke`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ joke: 'a voucher walks into a bar' })
      receipts.push(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!))
    }
    // The first request deposited in one transaction (the server's hint: ten prices); the
    // others sent none.
    expect(receipts[0]!.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    const deposit = BigInt(receipts[0]!.amount ?? '0')
    expect(deposit).toBe(10n * price)
    expect(receipts[1]!.transaction).toBe('')
    expect(receipts[2]!.transaction).toBe('')
    expect(payerBefore - (await tokenBalance(manifest, payer.address))).toBe(deposit)

    const config = {
      payer: payer.address,
      payerAuthorizer: payer.address,
      receiver: merchant,
      receiverAuthorizer: kind!.extra!.receiverAuthorizer as string,
      token: manifest.asset.address,
      withdrawDelay: 900,
      salt: `0x${'00'.repeat(32)}`,
    }
    const channelId = channelIdOf(config, manifest.chainId)
    const readChannel = () =>
      rpcClient(manifest.rpcUrl).readContract({
        address: batchSettlementAddresses.escrow,
        abi: batchSettlementAbi,
        functionName: 'channels',
        args: [channelId as Hex],
      })
    expect(await readChannel()).toEqual([deposit, 0n])

    const manager = scheme.createChannelManager(
      facilitator,
      manifest.network as `${string}:${string}`,
      manifest.asset.address as Address,
    )
    const { claims, settle } = await manager.claimAndSettle()
    expect(claims.length).toBe(1)
    expect(settle?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await readChannel()).toEqual([deposit, 3n * price])
    expect((await tokenBalance(manifest, merchant)) - merchantBefore).toBe(3n * price)

    // The client's cooperative refund returns what was never charged.
    const refunded = await client.refund(`${url}/joke`)
    expect(refunded.success).toBe(true)
    expect(payerBefore - (await tokenBalance(manifest, payer.address))).toBe(3n * price)
  })
})
