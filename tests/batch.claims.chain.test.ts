import { wrapFetch } from '@tollgate/client'
import { encodePaymentHeader, HttpFacilitatorClient, type PaymentPayload } from '@tollgate/core'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  batchSettlementEvmClient,
  type batchSettlementEvmServer,
  MemoryClientChannelStore,
  signVoucher,
} from '@tollgate/evm'
import { MemoryResponseStore } from '@tollgate/server'
import { type DevStack, rpcClient } from 'tollgate'
import { getAddress, type Hex, type LocalAccount, numberToHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { devStackForFile, startBatchSeller } from './support/batchSeller.ts'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'
import { payerAccount } from './support/stack.ts'

const fixture = devStackForFile()
const { closers } = fixture
let stack: DevStack
beforeAll(() => {
  stack = fixture.stack()
})

const price = 1_000n

/** A seller with three channels, each opened and paid three times. */
async function sellerWithChannels(receiverAuthorizer: LocalAccount | undefined) {
  const { manifest } = stack
  const payee = getAddress(privateKeyToAccount(generatePrivateKey()).address)
  const asset = { ...manifest.asset, address: manifest.asset.address as Hex }
  const { url, scheme } = await startBatchSeller(stack, closers, {
    payTo: payee,
    ...(receiverAuthorizer ? { scheme: { receiverAuthorizer } } : {}),
  })
  // Three channels: the payer's key with three salts.
  for (let buyer = 1; buyer <= 3; buyer++) {
    const client = batchSettlementEvmClient({
      signer: payerAccount(manifest),
      assets: { [manifest.network]: asset },
      store: new MemoryClientChannelStore(),
      salt: numberToHex(buyer, { size: 32 }),
    })
    const pay = wrapFetch(fetch, { schemes: [client] })
    for (let i = 0; i < 3; i++) expect((await pay(`${url}/page`)).status).toBe(200)
  }
  return { scheme, payee }
}

describe('claims with one channel the escrow refuses', () => {
  it.each([
    ['the seller signs the batch', true],
    ['the facilitator signs the batch', false],
  ])('%s: the two good channels are claimed, the bad one waits', async (_name, sellerSigns) => {
    const { manifest } = stack
    const { scheme, payee } = await sellerWithChannels(
      sellerSigns ? privateKeyToAccount(generatePrivateKey()) : undefined,
    )
    const channels = await scheme.channels.list()
    expect(channels).toHaveLength(3)
    const bad = channels[0]!
    // What an unconfirmed top-up would have done: the record believes in funds the escrow lacks.
    const beyond = BigInt(bad.channel.balance) + 3n * price
    const signature = await signVoucher(
      payerAccount(manifest),
      bad.channel.channelId as Hex,
      beyond,
      manifest.chainId,
    )
    const target = {
      network: manifest.network,
      payTo: payee,
      token: manifest.asset.address,
      facilitator: new HttpFacilitatorClient({ url: manifest.facilitatorUrl }),
    }
    await overwrite(scheme, bad.channel.channelId, {
      balance: beyond.toString(),
      chargedCumulativeAmount: beyond.toString(),
      signedMaxClaimable: beyond.toString(),
      signature,
    })
    const outcome = await scheme.channels.claim(target)
    expect(outcome.failed.map((row) => row.channelId)).toEqual([bad.channel.channelId])
    expect(outcome.claimed.map((row) => row.channelId).sort()).toEqual(
      channels
        .slice(1)
        .map((c) => c.channel.channelId)
        .sort(),
    )
    for (const { channel } of channels.slice(1)) {
      const [, claimed] = await rpcClient(manifest.rpcUrl).readContract({
        address: batchSettlementAddresses.escrow,
        abi: batchSettlementAbi,
        functionName: 'channels',
        args: [channel.channelId as Hex],
      })
      expect(claimed).toBe(3n * price)
    }
    const [, badClaimed] = await rpcClient(manifest.rpcUrl).readContract({
      address: batchSettlementAddresses.escrow,
      abi: batchSettlementAbi,
      functionName: 'channels',
      args: [bad.channel.channelId as Hex],
    })
    expect(badClaimed).toBe(0n)
  })
})

/** Rewrites fields of one channel record through the scheme's own store. */
async function overwrite(
  scheme: ReturnType<typeof batchSettlementEvmServer>,
  channelId: string,
  fields: Record<string, string>,
) {
  const store = scheme.channels.store
  const current = await store.get(channelId)
  expect(
    await store.compareAndSet(channelId, current!.version, { ...current!.channel, ...fields }),
  ).toBe(true)
}

describe('a deposit not yet mined', () => {
  it('is not credited: the request waits, no channel is recorded, and the same deposit is credited once mined', async () => {
    const { manifest } = stack
    const network = manifest.network
    const facilitator = new ScriptedFacilitator([network])
    facilitator.supportedAnswer = {
      kinds: [
        {
          x402Version: 2,
          scheme: 'batch-settlement',
          network,
          extra: { receiverAuthorizer: manifest.accounts.merchant.address },
        },
      ],
      extensions: [],
      signers: {},
    }
    facilitator.settleAnswer = {
      success: false,
      errorReason: 'settlement_pending',
      transaction: `0x${'cd'.repeat(32)}`,
      network,
    }
    const asset = { ...manifest.asset, address: manifest.asset.address as Hex }
    const { url, scheme, served } = await startBatchSeller(stack, closers, {
      payTo: manifest.accounts.merchant.address,
      facilitator,
      store: new MemoryResponseStore(),
    })
    const client = batchSettlementEvmClient({
      signer: payerAccount(manifest),
      assets: { [network]: asset },
      store: new MemoryClientChannelStore(),
    })
    const signed: PaymentPayload[] = []
    const pay = wrapFetch(fetch, {
      schemes: [client],
      retry: { attempts: 2, delayMs: 10 },
      onPayment: (payment) => signed.push(payment),
    })
    const pending = await pay(`${url}/page`)
    expect(pending.status).toBe(402)
    expect(await scheme.channels.list()).toEqual([])
    // Mined now: the facilitator reports the deposit with the channel state it read after it.
    const payment = signed.at(-1)!
    const deposit = payment.payload as {
      voucher: { channelId: string }
      deposit: { amount: string }
    }
    facilitator.settleAnswer = {
      success: true,
      transaction: `0x${'cd'.repeat(32)}`,
      network,
      amount: deposit.deposit.amount,
      extra: {
        channelState: {
          channelId: deposit.voucher.channelId,
          balance: deposit.deposit.amount,
          totalClaimed: '0',
          withdrawRequestedAt: 0,
          refundNonce: '0',
        },
      },
    }
    const { name, value } = encodePaymentHeader(payment)
    const resumed = await fetch(`${url}/page`, { headers: { [name]: value } })
    expect(resumed.status).toBe(200)
    const [record] = await scheme.channels.list()
    expect(record?.channel).toMatchObject({
      balance: deposit.deposit.amount,
      chargedCumulativeAmount: String(price),
    })
    expect(served()).toBe(1)
  })
})
