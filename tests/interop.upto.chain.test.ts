import { readReceipt, wrapFetch } from '@tollgate/client'
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { permit2Addresses, uptoEvmClient, uptoEvmServer } from '@tollgate/evm'
import { paymentMiddleware as tollgateExpress } from '@tollgate/server/express'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import { HTTPFacilitatorClient } from '@x402/core/server'
import type { PaymentRequirements as OfficialRequirements } from '@x402/core/types'
import { UptoEvmScheme as OfficialUptoClient } from '@x402/evm/upto/client'
import { UptoEvmScheme as OfficialUptoFacilitator } from '@x402/evm/upto/facilitator'
import { UptoEvmScheme as OfficialUptoServer } from '@x402/evm/upto/server'
import {
  x402ResourceServer as ExpressResourceServer,
  paymentMiddleware as officialExpress,
  setSettlementOverrides,
} from '@x402/express'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import express from 'express'
import type { DevStack } from 'tollgate'
import { type Address, createPublicClient, getAddress, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { officialFacilitatorSigner, startExpress } from './support/officialParts.ts'
import { payerAccount, startTestStack, tokenBalance, transferCount } from './support/stack.ts'

let stack: DevStack
const closers: Array<() => Promise<void>> = []

beforeAll(async () => {
  // The dev stack's payer has approved Permit2, as a wallet does once.
  stack = await startTestStack()
})
afterAll(async () => {
  for (const close of closers) await close()
  await stack?.stop()
})

/** The most a request may cost: $0.01 of the 6-decimal devnet token. */
const maximum = 10_000n

function chain() {
  return createPublicClient({ transport: http(stack.manifest.rpcUrl) })
}
const asset = () => ({ ...stack.manifest.asset, address: stack.manifest.asset.address as Address })
const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address

async function balances() {
  return {
    payer: await tokenBalance(stack.manifest, payer()),
    merchant: await tokenBalance(stack.manifest, merchant()),
  }
}

async function expectCharged(before: { payer: bigint; merchant: bigint }, charged: bigint) {
  const after = await balances()
  expect(before.payer - after.payer).toBe(charged)
  expect(after.merchant - before.merchant).toBe(charged)
}

/** Settled by the upto proxy, sent by `sender` (the facilitator the permit names). */
async function expectSettledBy(transaction: unknown, sender: string): Promise<void> {
  const sent = await chain().getTransaction({ hash: transaction as Hex })
  expect(getAddress(sent.to!)).toBe(permit2Addresses.uptoProxy)
  expect(getAddress(sent.from)).toBe(getAddress(sender))
}

/** A Tollgate-gated app whose `/use/:amount` handler charges what the path says it used. */
async function tollgateUptoApp(): Promise<string> {
  const { manifest } = stack
  const app = express()
  app.use(
    tollgateExpress({
      routes: {
        'GET /use/*': {
          scheme: 'upto',
          price: '$0.01',
          network: manifest.network,
          payTo: merchant(),
        },
      },
      facilitator: { url: manifest.facilitatorUrl },
      schemes: [uptoEvmServer({ assets: { [manifest.network]: asset() } })],
    }),
  )
  app.get('/use/:amount', (req, res) => {
    res.setHeader('Settlement-Overrides', JSON.stringify({ amount: req.params.amount }))
    res.json({ used: req.params.amount })
  })
  return startExpress(app, closers)
}

const officialFetch = () =>
  wrapFetchWithPayment(
    fetch,
    new x402Client()
      .register('eip155:*', new OfficialUptoClient(payerAccount(stack.manifest)))
      .setSpendControls(false),
  )

describe('upto with the official client and a Tollgate server', () => {
  it('charges what the handler used, names the charge in the receipt, and is sent by the named facilitator', async () => {
    const url = await tollgateUptoApp()
    const before = await balances()
    const response = await officialFetch()(`${url}/use/2500`)
    expect(response.status).toBe(200)
    expect(response.headers.get('settlement-overrides')).toBeNull()
    const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt).toMatchObject({
      success: true,
      amount: '2500',
      extra: { charged: '2500', authorized: String(maximum) },
    })
    await expectSettledBy(receipt.transaction, stack.manifest.accounts.facilitator.address)
    await expectCharged(before, 2500n)
    expect(await response.json()).toEqual({ used: '2500' })
  })

  it("the example API's /forecast charges per day served, out of a week's authorization", async () => {
    const before = await balances()
    const response = await officialFetch()(
      `${stack.manifest.exampleApiUrl}/forecast?days=3&city=Porto`,
    )
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.days).toHaveLength(3)
    const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt).toMatchObject({
      success: true,
      amount: '3000',
      extra: { charged: '3000', authorized: '7000' },
    })
    await expectCharged(before, 3000n)
  })

  it('refuses a charge above the authorized maximum before anything is settled or served', async () => {
    const url = await tollgateUptoApp()
    const before = await balances()
    const response = await officialFetch()(`${url}/use/${maximum + 1n}`)
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ error: 'invalid_settlement_override' })
    expect(response.headers.get('PAYMENT-RESPONSE')).toBeNull()
    await expectCharged(before, 0n)
  })

  it('settles nothing for a zero charge and serves the response', async () => {
    const url = await tollgateUptoApp()
    const before = await balances()
    const transfers = await transferCount(stack.manifest, payer(), merchant())
    const response = await officialFetch()(`${url}/use/0`)
    expect(response.status).toBe(200)
    const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt).toMatchObject({ success: true, transaction: '', amount: '0' })
    await expectCharged(before, 0n)
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(transfers)
  })
})

describe('upto from a Tollgate wallet', () => {
  it('counts a settled payment at the charge its receipt names, not at the maximum', async () => {
    const url = await tollgateUptoApp()
    const store = await SpendStore.open()
    const policy = parseSpendingPolicy({ budgets: [{ limit: '$1' }] })
    const pay = wrapFetch(fetch, {
      schemes: [
        uptoEvmClient({
          signer: payerAccount(stack.manifest),
          assets: { [stack.manifest.network]: asset() },
        }),
      ],
      spending: spendingGuard({ store, policy }),
    })
    const before = await balances()
    const response = await pay(`${url}/use/700`)
    expect(response.status).toBe(200)
    await expectCharged(before, 700n)
    const [record] = await store.list()
    expect(record).toMatchObject({ state: 'settled', amount: '700' })
    expect(await store.spent(policy.budgets[0]!)).toBe(700n)
    await store.close()
  })
})

describe('upto between the official packages and Tollgate', () => {
  it('@x402/express with the Tollgate facilitator sells to the Tollgate client, charging the override', async () => {
    const { manifest } = stack
    const resourceServer = new ExpressResourceServer(
      new HTTPFacilitatorClient({ url: manifest.facilitatorUrl }),
    ).register('eip155:31337', new OfficialUptoServer())
    await resourceServer.initialize()
    const app = express()
    app.use(
      officialExpress(
        {
          'GET /tokens': {
            accepts: {
              scheme: 'upto',
              network: 'eip155:31337',
              payTo: merchant(),
              price: { amount: String(maximum), asset: manifest.asset.address },
            },
            description: 'metered',
          },
        },
        resourceServer,
        undefined,
        undefined,
        false,
      ),
    )
    app.get('/tokens', (_req, res) => {
      setSettlementOverrides(res, { amount: '3000' })
      res.json({ tokens: 3 })
    })
    const url = await startExpress(app, closers)
    const tollgateFetch = wrapFetch(fetch, {
      schemes: [
        uptoEvmClient({ signer: payerAccount(manifest), assets: { [manifest.network]: asset() } }),
      ],
    })
    const before = await balances()
    const response = await tollgateFetch(`${url}/tokens`)
    expect(response.status).toBe(200)
    const receipt = readReceipt(response)
    expect(receipt).toMatchObject({ success: true, amount: '3000' })
    await expectSettledBy(receipt?.transaction, manifest.accounts.facilitator.address)
    await expectCharged(before, 3000n)
    expect(await response.json()).toEqual({ tokens: 3 })
  })

  it('the official facilitator verifies and settles a charge on what the Tollgate client signs', async () => {
    const { manifest } = stack
    const account = privateKeyToAccount(ANVIL_ACCOUNTS[5]!.privateKey)
    const requirements = uptoEvmServer({
      assets: { [manifest.network]: asset() },
    }).buildRequirements({
      network: manifest.network,
      price: '$0.01',
      payTo: merchant(),
      maxTimeoutSeconds: 300,
    }) as PaymentRequirements
    const offered: OfficialRequirements = {
      ...requirements,
      network: manifest.network as `${string}:${string}`,
      extra: { ...requirements.extra, facilitatorAddress: account.address },
    }
    const signed = await uptoEvmClient({ signer: payerAccount(manifest) }).createPayload(offered, {
      x402Version: 2,
    })
    const payload = { x402Version: 2, accepted: offered, payload: signed }
    const official = new OfficialUptoFacilitator(
      officialFacilitatorSigner(ANVIL_ACCOUNTS[5]!.privateKey, manifest.rpcUrl),
    )
    const before = await balances()
    expect(await official.verify(payload, offered)).toMatchObject({ isValid: true })
    const settled = await official.settle(payload, { ...offered, amount: '4000' })
    expect(settled).toMatchObject({ success: true, amount: '4000' })
    await expectSettledBy(settled.transaction, account.address)
    await expectCharged(before, 4000n)
  })
})
