import { readReceipt, wrapFetch } from '@tollgate/client'
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import {
  batchSettlementEvmClient,
  batchSettlementEvmServer,
  MemoryClientChannelStore,
} from '@tollgate/evm'
import { SpendStore, spendingGuard, spendingPolicySchema } from '@tollgate/wallet'
import { HTTPFacilitatorClient } from '@x402/core/server'
import { BatchSettlementEvmScheme as OfficialBatchFacilitator } from '@x402/evm/batch-settlement/facilitator'
import { BatchSettlementEvmScheme as OfficialBatchServer } from '@x402/evm/batch-settlement/server'
import {
  x402ResourceServer as ExpressResourceServer,
  paymentMiddleware as officialExpress,
} from '@x402/express'
import express from 'express'
import type { DevStack } from 'tollgate'
import { getAddress, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { devStackForFile, startBatchSeller } from './support/batchSeller.ts'
import { officialFacilitatorSigner, startExpress } from './support/officialParts.ts'
import { payerAccount, tokenBalance } from './support/stack.ts'

const fixture = devStackForFile()
const { closers } = fixture
let stack: DevStack
beforeAll(() => {
  stack = fixture.stack()
})

const price = 1_000n
const asset = () => ({ ...stack.manifest.asset, address: stack.manifest.asset.address as Hex })

async function officialServer(payTo: string) {
  const { manifest } = stack
  const facilitator = new HTTPFacilitatorClient({ url: manifest.facilitatorUrl })
  const resourceServer = new ExpressResourceServer(facilitator).register(
    manifest.network as `${string}:${string}`,
    new OfficialBatchServer(payTo as Hex),
  )
  await resourceServer.initialize()
  const app = express()
  app.use(
    officialExpress(
      {
        'GET /page': {
          accepts: {
            scheme: 'batch-settlement',
            network: manifest.network as `${string}:${string}`,
            payTo,
            price: {
              amount: String(price),
              asset: manifest.asset.address,
              extra: { name: manifest.asset.name, version: manifest.asset.version },
            },
          },
          description: 'a page per voucher',
        },
      },
      resourceServer,
      undefined,
      undefined,
      false,
    ),
  )
  app.get('/page', (_req, res) => {
    res.json({ page: 1 })
  })
  return startExpress(app, closers)
}

function tollgateServer(payTo: string) {
  return startBatchSeller(stack, closers, { payTo, scheme: { minDepositMultiplier: 3 } })
}

function client(
  options: {
    store?: MemoryClientChannelStore
    maxDeposit?: bigint
    depositMultiplier?: number
  } = {},
) {
  const scheme = batchSettlementEvmClient({
    signer: payerAccount(stack.manifest),
    assets: { [stack.manifest.network]: asset() },
    ...options,
  })
  return wrapFetch(fetch, { schemes: [scheme] })
}

/** A payee of its own per test, so channels from other tests never meet. */
const freshPayee = () => getAddress(privateKeyToAccount(generatePrivateKey()).address)

describe('the Tollgate batch-settlement client', () => {
  it('pays an official server through the Tollgate facilitator: a deposit, then vouchers', async () => {
    const payee = freshPayee()
    const url = await officialServer(payee)
    const pay = client()
    const payerBefore = await tokenBalance(stack.manifest, payerAccount(stack.manifest).address)
    const receipts = []
    for (let i = 0; i < 3; i++) {
      const response = await pay(`${url}/page`)
      expect(response.status).toBe(200)
      receipts.push(readReceipt(response))
    }
    expect(receipts[0]?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(receipts.slice(1).map((receipt) => receipt?.transaction)).toEqual(['', ''])
    expect(receipts[2]?.extra).toMatchObject({
      channelState: { chargedCumulativeAmount: String(3n * price) },
    })
    // The official server hints ten prices as the first deposit; that is all that left the wallet.
    expect(
      payerBefore - (await tokenBalance(stack.manifest, payerAccount(stack.manifest).address)),
    ).toBe(10n * price)
  })

  it('tops up when the deposit runs out, and recovers from a lost memory with the seller state', async () => {
    const payee = freshPayee()
    const { url, scheme } = await tollgateServer(payee)
    const store = new MemoryClientChannelStore()
    const pay = client({ store, depositMultiplier: 2 })
    // Three prices deposited (the seller's hint beats twice the price), so the fourth tops up.
    const transactions = []
    for (let i = 0; i < 4; i++) {
      const response = await pay(`${url}/page`)
      expect(response.status).toBe(200)
      transactions.push(readReceipt(response)?.transaction)
    }
    expect(transactions.map((hash) => (hash ? 'tx' : ''))).toEqual(['tx', '', '', 'tx'])
    const [stored] = await scheme.channels.list()
    expect(stored?.channel).toMatchObject({
      balance: String(6n * price),
      chargedCumulativeAmount: String(4n * price),
    })

    const forgetful = client({ store: new MemoryClientChannelStore() })
    const response = await forgetful(`${url}/page`)
    expect(response.status).toBe(200)
    expect(readReceipt(response)).toMatchObject({
      transaction: '',
      extra: { channelState: { chargedCumulativeAmount: String(5n * price) } },
    })
  })

  it('the official facilitator verifies and settles its deposit, then verifies its voucher', async () => {
    const { manifest } = stack
    const authorizer = privateKeyToAccount(generatePrivateKey())
    const official = new OfficialBatchFacilitator(
      officialFacilitatorSigner(ANVIL_ACCOUNTS[5]!.privateKey, manifest.rpcUrl),
      authorizer,
    )
    const offered: PaymentRequirements = {
      ...batchSettlementEvmServer({ assets: { [manifest.network]: asset() } }).buildRequirements({
        network: manifest.network,
        price: '$0.001',
        payTo: freshPayee(),
        maxTimeoutSeconds: 300,
      }),
    }
    offered.extra = { ...offered.extra, receiverAuthorizer: authorizer.address }
    const scheme = batchSettlementEvmClient({
      signer: payerAccount(manifest),
      assets: { [manifest.network]: asset() },
    })
    const pay = async () => ({
      x402Version: 2 as const,
      accepted: offered,
      payload: await scheme.createPayload(offered, { x402Version: 2 }),
    })
    const deposit = await pay()
    expect(deposit.payload.type).toBe('deposit')
    expect(await official.verify(deposit as never, offered as never)).toMatchObject({
      isValid: true,
    })
    const settled = await official.settle(deposit as never, offered as never)
    expect(settled).toMatchObject({ success: true, amount: String(10n * price) })
    await scheme.paymentEnded?.({
      state: 'settled',
      payment: deposit,
      receipt: { ...settled, extra: { ...settled.extra, chargedAmount: String(price) } },
    })
    const voucher = await pay()
    expect(voucher.payload).toMatchObject({
      type: 'voucher',
      voucher: { maxClaimableAmount: String(2n * price) },
    })
    expect(await official.verify(voucher as never, offered as never)).toMatchObject({
      isValid: true,
    })
  })

  it('a wallet counts the deposit when made and nothing more for its vouchers; its cap bounds a deposit', async () => {
    const { url } = await tollgateServer(freshPayee())
    const store = await SpendStore.open()
    const policy = spendingPolicySchema.parse({ budgets: [{ limit: '$1' }] })
    const budget = policy.budgets[0]!
    const scheme = batchSettlementEvmClient({
      signer: payerAccount(stack.manifest),
      assets: { [stack.manifest.network]: asset() },
      store: new MemoryClientChannelStore(),
      depositMultiplier: 2,
    })
    const pay = wrapFetch(fetch, { schemes: [scheme], spending: spendingGuard({ store, policy }) })
    const spent: bigint[] = []
    for (let i = 0; i < 4; i++) {
      expect((await pay(`${url}/page`)).status).toBe(200)
      spent.push(await store.spent(budget))
    }
    // Three prices deposited first (the seller's hint), vouchers add nothing, the fourth tops up.
    expect(spent).toEqual([3_000n, 3_000n, 3_000n, 6_000n])

    const capped = wrapFetch(fetch, {
      schemes: [
        batchSettlementEvmClient({
          signer: payerAccount(stack.manifest),
          assets: { [stack.manifest.network]: asset() },
          store: new MemoryClientChannelStore(),
        }),
      ],
      spending: spendingGuard({
        store,
        policy: spendingPolicySchema.parse({ maxPayment: '$0.002', budgets: [{ limit: '$1' }] }),
      }),
    })
    const { url: other } = await tollgateServer(freshPayee())
    await expect(capped(`${other}/page`)).rejects.toThrow(/above the per-payment cap of \$0\.002/)
  })

  it('refuses a deposit above its cap before signing anything', async () => {
    const payee = freshPayee()
    const { url } = await tollgateServer(payee)
    const payerBefore = await tokenBalance(stack.manifest, payerAccount(stack.manifest).address)
    const pay = client({ maxDeposit: price - 1n })
    await expect(pay(`${url}/page`)).rejects.toThrow(
      /a deposit of at least 1000 is needed and the most allowed is 999/,
    )
    expect(await tokenBalance(stack.manifest, payerAccount(stack.manifest).address)).toBe(
      payerBefore,
    )
  })
})
