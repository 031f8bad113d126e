/**
 * Goal: vouchers are accepted exactly once across two server instances sharing one channel store,
 * under concurrency, and every bad voucher gets its protocol reason in a 402 without anything
 * charged or served: a wrong channel, a cumulative amount below or above the next one, one over
 * the deposit, a replay, a forged signature, an expired deposit authorization.
 * Method: the dev stack; two Tollgate Express gates (one FolderChannelStore, one response store)
 * selling the same route; a channel opened by the Tollgate client, then vouchers signed by hand
 * and sent raw in PAYMENT-SIGNATURE headers.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  type PaymentPayload,
  type PaymentRequirements,
} from '@tollgate/core'
import {
  batchSettlementEvmClient,
  type batchSettlementEvmServer,
  type ChannelConfig,
  channelIdOf,
  FolderChannelStore,
  MemoryClientChannelStore,
  signVoucher,
} from '@tollgate/evm'
import { MemoryResponseStore } from '@tollgate/server'
import type { DevStack } from 'tollgate'
import { getAddress, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { erc3009Deposit, freshBytes32 } from './support/batchChannels.ts'
import { type BatchSeller, devStackForFile, startBatchSeller } from './support/batchSeller.ts'
import { payerAccount } from './support/stack.ts'

const fixture = devStackForFile()
const { closers } = fixture
let stack: DevStack
let urls: string[]
let servers: Array<ReturnType<typeof batchSettlementEvmServer>>
let requirements: PaymentRequirements
let config: ChannelConfig
/** Requests either instance's handler served. */
let served: () => number = () => 0

const price = 1_000n
const payee = getAddress(privateKeyToAccount(generatePrivateKey()).address)

beforeAll(async () => {
  stack = fixture.stack()
  const { manifest } = stack
  const asset = { ...manifest.asset, address: manifest.asset.address as Hex }
  const channels = await mkdtemp(join(tmpdir(), 'tollgate-channels-'))
  const responses = new MemoryResponseStore()
  const sellers: BatchSeller[] = []
  for (let instance = 0; instance < 2; instance++)
    sellers.push(
      await startBatchSeller(stack, closers, {
        payTo: payee,
        path: '/item',
        store: responses,
        scheme: { store: new FolderChannelStore(channels) },
      }),
    )
  servers = sellers.map((seller) => seller.scheme)
  urls = sellers.map((seller) => seller.url)
  served = () => sellers.reduce((sum, seller) => sum + seller.served(), 0)
  // Open the channel with a deposit of ten prices through the first instance.
  const pay = wrapFetch(fetch, {
    schemes: [
      batchSettlementEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: asset },
        store: new MemoryClientChannelStore(),
      }),
    ],
  })
  const opened = await pay(`${urls[0]}/item`)
  expect(opened.status).toBe(200)
  const unpaid = await fetch(`${urls[0]}/item`)
  requirements = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!).accepts[0]!
  config = {
    payer: payerAccount(manifest).address,
    payerAuthorizer: payerAccount(manifest).address,
    receiver: payee,
    receiverAuthorizer: requirements.extra!.receiverAuthorizer as string,
    token: manifest.asset.address,
    withdrawDelay: 900,
    salt: `0x${'00'.repeat(32)}`,
  }
})

async function charged(): Promise<bigint> {
  const stored = await servers[0]!.channels.list()
  return BigInt(stored[0]?.channel.chargedCumulativeAmount ?? '0')
}

async function voucherPayment(
  max: bigint,
  options: { channel?: ChannelConfig; signer?: ReturnType<typeof privateKeyToAccount> } = {},
): Promise<PaymentPayload> {
  const channel = options.channel ?? config
  const channelId = channelIdOf(channel, stack.manifest.chainId)
  const signer = options.signer ?? payerAccount(stack.manifest)
  return {
    x402Version: 2,
    accepted: requirements,
    payload: {
      type: 'voucher',
      channelConfig: channel,
      voucher: {
        channelId,
        maxClaimableAmount: max.toString(),
        signature: await signVoucher(signer, channelId, max, stack.manifest.chainId),
      },
    },
  }
}

async function present(payment: PaymentPayload, instance = 0) {
  const { name, value } = encodePaymentHeader(payment)
  const response = await fetch(`${urls[instance]}/item`, { headers: { [name]: value } })
  const required = response.headers.get('PAYMENT-REQUIRED')
  return {
    status: response.status,
    reason: required ? decodePaymentRequiredHeader(required).error : undefined,
    receipt: readReceipt(response),
  }
}

describe('batch-settlement vouchers across two instances', () => {
  it('charges one voucher once when both instances get it at the same time', async () => {
    const base = await charged()
    const payment = await voucherPayment(base + price)
    const servedBefore = served()
    const answers = await Promise.all([
      present(payment, 0),
      present(payment, 1),
      present(payment, 0),
      present(payment, 1),
    ])
    const ok = answers.filter((answer) => answer.status === 200)
    // The first presentation is served and charged; a copy is served its stored answer or told to wait.
    expect(ok.length).toBeGreaterThanOrEqual(1)
    expect(served() - servedBefore).toBe(1)
    expect(await charged()).toBe(base + price)
    for (const answer of answers.filter((a) => a.status !== 200))
      expect([402, 409]).toContain(answer.status)
  })

  it('charges each of many vouchers signed in sequence exactly once, whichever instance gets it', async () => {
    const base = await charged()
    const statuses = []
    for (let i = 1n; i <= 6n; i++)
      statuses.push((await present(await voucherPayment(base + i * price), Number(i % 2n))).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    expect(await charged()).toBe(base + 6n * price)
  })

  it('two different next vouchers at once: one is charged, the other gets the corrective 402', async () => {
    const base = await charged()
    const [a, b] = await Promise.all([
      present(await voucherPayment(base + price), 0),
      present(await voucherPayment(base + price + 1n), 1),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 402])
    expect(await charged()).toBe(base + price)
  })
})

describe('bad vouchers get their reason and charge nothing', () => {
  const cases: Array<[string, () => Promise<PaymentPayload>, string]> = [
    [
      'a voucher for a channel this route does not pay',
      async () =>
        voucherPayment((await charged()) + price, {
          channel: {
            ...config,
            receiver: getAddress(privateKeyToAccount(generatePrivateKey()).address),
          },
        }),
      'invalid_batch_settlement_evm_receiver_mismatch',
    ],
    [
      'a channel id that is not its config',
      async () => {
        const payment = await voucherPayment((await charged()) + price)
        const payload = payment.payload as { voucher: { channelId: string } }
        payload.voucher.channelId = `0x${'11'.repeat(32)}`
        return payment
      },
      'invalid_batch_settlement_evm_channel_id_mismatch',
    ],
    [
      'a decreasing cumulative amount',
      async () => voucherPayment((await charged()) - price + 1n),
      'invalid_batch_settlement_evm_cumulative_amount_mismatch',
    ],
    [
      'a cumulative amount that skips ahead',
      async () => voucherPayment((await charged()) + 2n * price),
      'invalid_batch_settlement_evm_cumulative_amount_mismatch',
    ],
    // The gate knows the voucher was used before it asks the channel.
    ['a replayed voucher', async () => voucherPayment(await charged()), 'payment_already_in_use'],
    [
      'a voucher signed by someone else',
      async () =>
        voucherPayment((await charged()) + price, {
          signer: privateKeyToAccount(generatePrivateKey()),
        }),
      'invalid_batch_settlement_evm_voucher_signature',
    ],
    [
      'a malformed voucher',
      async () => {
        const payment = await voucherPayment((await charged()) + price)
        ;(
          payment.payload as { voucher: { maxClaimableAmount: string } }
        ).voucher.maxClaimableAmount = '-5'
        return payment
      },
      'invalid_payload',
    ],
  ]
  for (const [name, build, reason] of cases) {
    it(name, async () => {
      const before = await charged()
      const servedBefore = served()
      const answer = await present(await build())
      expect(answer).toMatchObject({ status: 402, reason })
      expect(await charged()).toBe(before)
      expect(served()).toBe(servedBefore)
    })
  }

  it('a deposit whose authorization has expired', async () => {
    const { manifest } = stack
    const channel = { ...config, salt: freshBytes32() }
    const channelId = channelIdOf(channel, manifest.chainId)
    const payer = payerAccount(manifest)
    const token = {
      address: manifest.asset.address as Hex,
      name: manifest.asset.name,
      version: manifest.asset.version,
    }
    const past = BigInt(Math.floor(Date.now() / 1000) - 60)
    const { authorization } = await erc3009Deposit(
      payer,
      token,
      channel,
      10n * price,
      manifest.chainId,
      past,
    )
    const payment: PaymentPayload = {
      x402Version: 2,
      accepted: requirements,
      payload: {
        type: 'deposit',
        channelConfig: channel,
        voucher: {
          channelId,
          maxClaimableAmount: String(price),
          signature: await signVoucher(payer, channelId, price, manifest.chainId),
        },
        deposit: { amount: String(10n * price), authorization },
      },
    }
    const servedBefore = served()
    expect(await present(payment)).toMatchObject({
      status: 402,
      reason: 'invalid_batch_settlement_evm_payload_authorization_valid_before',
    })
    expect(served()).toBe(servedBefore)
  })

  it('a voucher over the deposit', async () => {
    // Spend the deposit down to its last price, then ask for one more than it holds.
    const stored = await servers[0]!.channels.list()
    const balance = BigInt(stored[0]!.channel.balance)
    for (let next = (await charged()) + price; next <= balance; next += price)
      expect((await present(await voucherPayment(next))).status).toBe(200)
    const answer = await present(await voucherPayment((await charged()) + price))
    expect(answer).toMatchObject({
      status: 402,
      reason: 'invalid_batch_settlement_evm_cumulative_exceeds_balance',
    })
    expect(await charged()).toBe(balance)
  })
})
