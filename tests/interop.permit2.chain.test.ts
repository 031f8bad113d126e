import { readReceipt, wrapFetch } from '@tollgate/client'
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import {
  exactEvmClient,
  exactEvmServer,
  permit2Addresses,
  permit2ApprovalCall,
} from '@tollgate/evm'
import { paymentMiddleware as tollgateExpress } from '@tollgate/server/express'
import { HTTPFacilitatorClient } from '@x402/core/server'
import type { PaymentRequirements as OfficialRequirements } from '@x402/core/types'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { ExactEvmScheme as OfficialEvmFacilitator } from '@x402/evm/exact/facilitator'
import { ExactEvmScheme as OfficialEvmServer } from '@x402/evm/exact/server'
import {
  x402ResourceServer as ExpressResourceServer,
  paymentMiddleware as officialExpress,
} from '@x402/express'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import express from 'express'
import type { DevStack } from 'tollgate'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { officialFacilitatorSigner, startExpress } from './support/officialParts.ts'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

/** A facilitator account for the official package, apart from ours (anvil's account 5). */
const officialFacilitatorKey = ANVIL_ACCOUNTS[5]!.privateKey

let stack: DevStack
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(async () => {
  for (const close of closers) await close()
  await stack?.stop()
})

const asset = () => ({ ...stack.manifest.asset, address: stack.manifest.asset.address as Address })
const amount = () => BigInt(stack.manifest.routes[0]!.amount)

function chainClient() {
  return createPublicClient({ transport: http(stack.manifest.rpcUrl) })
}

async function approvePermit2(amount?: bigint): Promise<void> {
  const wallet = createWalletClient({
    account: payerAccount(stack.manifest),
    chain: undefined,
    transport: http(stack.manifest.rpcUrl),
  })
  const hash = await wallet.sendTransaction({
    ...permit2ApprovalCall(asset().address, amount),
    chain: null,
  })
  await chainClient().waitForTransactionReceipt({ hash })
}

/** Paid once, through the exact proxy (not EIP-3009): the payer lost the price, the merchant got it. */
async function expectPaidThroughProxy(
  response: Response,
  before: { payer: bigint; merchant: bigint },
): Promise<void> {
  const { manifest } = stack
  expect(response.status).toBe(200)
  const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
  expect(receipt).toMatchObject({ success: true, network: manifest.network })
  expect(getAddress(String(receipt.payer))).toBe(getAddress(manifest.accounts.payer.address))
  const transaction = await chainClient().getTransaction({ hash: receipt.transaction as Hex })
  // One payment goes straight to the proxy; a batch reaches it through Multicall3.
  expect([permit2Addresses.exactProxy, getAddress(manifest.multicall3!)]).toContain(
    getAddress(transaction.to!),
  )
  expect(before.payer - (await tokenBalance(manifest, manifest.accounts.payer.address))).toBe(
    amount(),
  )
  expect((await tokenBalance(manifest, manifest.accounts.merchant.address)) - before.merchant).toBe(
    amount(),
  )
}

async function balances() {
  const { manifest } = stack
  return {
    payer: await tokenBalance(manifest, manifest.accounts.payer.address),
    merchant: await tokenBalance(manifest, manifest.accounts.merchant.address),
  }
}

describe('exact over Permit2 between the official packages and Tollgate', () => {
  it('@x402/fetch pays a Tollgate server through the Tollgate facilitator, after a 412 asking for the approval', async () => {
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
            assets: { [manifest.network]: asset() },
            assetTransferMethod: 'permit2',
          }),
        ],
      }),
    )
    app.get('/report', (_req, res) => {
      res.json({ report: 'quarterly' })
    })
    const url = await startExpress(app, closers)
    const officialFetch = wrapFetchWithPayment(
      fetch,
      new x402Client()
        .register('eip155:*', new OfficialEvmClient(payerAccount(manifest)))
        .setSpendControls(false),
    )

    // The dev stack's payer approved Permit2 at start-up; this one takes it back first.
    await approvePermit2(0n)
    const before = await balances()
    const unapproved = await officialFetch(`${url}/report`)
    expect(unapproved.status).toBe(412)
    expect(await unapproved.json()).toMatchObject({ error: 'permit2_allowance_required' })
    expect(await balances()).toEqual(before)

    await approvePermit2()
    const paid = await officialFetch(`${url}/report`)
    await expectPaidThroughProxy(paid, before)
    expect(await paid.json()).toEqual({ report: 'quarterly' })
  })

  it('@x402/express with the Tollgate facilitator sells to the Tollgate client', async () => {
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
              price: {
                amount: manifest.routes[0]!.amount,
                asset: manifest.asset.address,
                extra: { assetTransferMethod: 'permit2' },
              },
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
    const tollgateFetch = wrapFetch(fetch, {
      schemes: [
        exactEvmClient({
          signer: payerAccount(manifest),
          assets: { [manifest.network]: asset() },
        }),
      ],
    })
    const before = await balances()
    const response = await tollgateFetch(`${url}/premium`)
    await expectPaidThroughProxy(response, before)
    expect(readReceipt(response)?.success).toBe(true)
    expect(await response.json()).toEqual({ premium: true })
  })

  it('the official facilitator verifies and settles what the Tollgate client signs', async () => {
    const { manifest } = stack
    const requirements = exactEvmServer({
      assets: { [manifest.network]: asset() },
      assetTransferMethod: 'permit2',
    }).buildRequirements({
      network: manifest.network,
      price: {
        amount: manifest.routes[0]!.amount,
        asset: asset().address,
        extra: { assetTransferMethod: 'permit2' },
      },
      payTo: manifest.accounts.merchant.address,
      maxTimeoutSeconds: 300,
    }) as PaymentRequirements
    const signed = await exactEvmClient({ signer: payerAccount(manifest) }).createPayload(
      requirements,
      { x402Version: 2 },
    )
    // The official types spell the network as CAIP-2 and want `extra` present.
    const officialRequirements: OfficialRequirements = {
      ...requirements,
      network: manifest.network as `${string}:${string}`,
      extra: requirements.extra ?? {},
    }
    const payload = { x402Version: 2, accepted: officialRequirements, payload: signed }
    const official = new OfficialEvmFacilitator(
      officialFacilitatorSigner(officialFacilitatorKey, manifest.rpcUrl),
    )
    const before = await balances()
    const verdict = await official.verify(payload, officialRequirements)
    expect(verdict).toMatchObject({ isValid: true })
    expect(getAddress(String(verdict.payer))).toBe(getAddress(manifest.accounts.payer.address))
    const settled = await official.settle(payload, officialRequirements)
    expect(settled).toMatchObject({ success: true, network: manifest.network })
    const transaction = await chainClient().getTransaction({ hash: settled.transaction as Hex })
    expect(getAddress(transaction.to!)).toBe(permit2Addresses.exactProxy)
    expect(before.payer - (await tokenBalance(manifest, manifest.accounts.payer.address))).toBe(
      amount(),
    )
  })
})
