/**
 * Goal: a facilitator that signs batch-settlement refunds for its sellers (a receiver authorizer
 * key) signs them only for the seller. A payer that has been served with vouchers and then asks
 * the facilitator itself for the whole deposit back, with no claim of what it was charged, is
 * refused: without an API key, with a key naming no payee, and (by the screen) with a key
 * naming another payee; the channel keeps its balance. The seller, with its key, asks for the
 * same refund through its own gate: the charges are claimed for it and only the rest returns.
 * Method: the dev stack's chain; our facilitator with API keys (payTo allow-lists) and an
 * authorizer key; our seller gate delegating to it; our client paying; balances and the escrow's
 * records read from the chain.
 */
import { wrapFetch } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  HttpFacilitatorClient,
  type PaymentRequirements,
} from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  batchSettlementEvmClient,
  type ChannelConfig,
  channelIdOf,
  readChannelState,
  signVoucher,
} from '@tollgate/evm'
import { generateApiKey, hashApiKey, memoryApiKeyStore } from '@tollgate/facilitator'
import { buildFacilitator, listen, rpcClient } from 'tollgate'
import { getAddress, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { devStackForFile, startBatchSeller } from './support/batchSeller.ts'
import { payerAccount, tokenBalance } from './support/stack.ts'

const { stack, closers } = devStackForFile()
const sellerKey = generateApiKey()
const plainKey = generateApiKey()
const otherKey = generateApiKey()

async function keyedFacilitator() {
  const { manifest } = stack()
  const built = await buildFacilitator({
    networks: [
      {
        network: manifest.network,
        rpcUrl: manifest.rpcUrl,
        signerKeys: [ANVIL_ACCOUNTS[8].privateKey as Hex],
        assets: [manifest.asset],
        multicall3: manifest.multicall3,
      },
    ],
    chainOptions: { eip155: { batchSettlementAuthorizerKey: generatePrivateKey() } },
    app: {
      apiKeys: {
        store: memoryApiKeyStore([
          {
            keyHash: hashApiKey(sellerKey),
            merchant: 'seller',
            payTo: [manifest.accounts.merchant.address],
          },
          { keyHash: hashApiKey(plainKey), merchant: 'plain' },
          {
            keyHash: hashApiKey(otherKey),
            merchant: 'other',
            payTo: [privateKeyToAccount(generatePrivateKey()).address],
          },
        ]),
        required: false,
      },
    },
  })
  const server = await listen(built.app, 0)
  closers.push(async () => {
    await server.close()
    await built.close()
  })
  return server.url
}

describe('batch-settlement refunds signed by the facilitator', () => {
  it('are refused to the payer and signed for the seller, whose charges are claimed first', async () => {
    const { manifest } = stack()
    const facilitatorUrl = await keyedFacilitator()
    const merchant = getAddress(manifest.accounts.merchant.address)
    const { url, scheme } = await startBatchSeller(stack(), closers, {
      payTo: merchant,
      facilitator: new HttpFacilitatorClient({
        url: facilitatorUrl,
        headers: () => ({ authorization: `Bearer ${sellerKey}` }),
      }),
    })
    const payer = payerAccount(manifest)
    const assets = { [manifest.network]: manifest.asset }
    const pay = wrapFetch(fetch, { schemes: [batchSettlementEvmClient({ signer: payer, assets })] })
    for (let i = 0; i < 3; i++) {
      const response = await pay(`${url}/page`)
      expect(response.status).toBe(200)
      await response.arrayBuffer()
    }

    const offered = await fetch(`${url}/page`)
    const offer = decodePaymentRequiredHeader(offered.headers.get('PAYMENT-REQUIRED')!)
      .accepts[0] as PaymentRequirements
    expect(offer.extra?.receiverAuthorizer).toBeDefined()
    const chain = rpcClient(manifest.rpcUrl)
    const [stored] = await scheme.channels.list()
    expect(stored?.channel.chargedCumulativeAmount).toBe('3000')
    const config: ChannelConfig = stored!.channel.config
    const channelId = stored!.channel.channelId as Hex
    expect(channelIdOf(config, manifest.chainId)).toBe(channelId)
    const before = await readChannelState(chain, channelId)
    expect(before.balance).toBeGreaterThan(3_000n)
    expect(before.totalClaimed).toBe(0n)

    // The payer asks the facilitator itself for everything back, claiming nothing.
    const attack = {
      x402Version: 2,
      paymentPayload: {
        x402Version: 2,
        accepted: offer,
        payload: {
          type: 'refund',
          channelConfig: config,
          voucher: {
            channelId,
            maxClaimableAmount: '3000',
            signature: await signVoucher(payer, channelId, 3000n, manifest.chainId),
          },
          amount: before.balance.toString(),
          refundNonce: '0',
          claims: [],
        },
      },
      paymentRequirements: offer,
    }
    const askAs = async (key: string | undefined) => {
      const response = await fetch(`${facilitatorUrl}/settle`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify(attack),
      })
      return (await response.json()) as { success: boolean; errorReason?: string }
    }
    expect(await askAs(undefined)).toMatchObject({
      success: false,
      errorReason: 'invalid_batch_settlement_evm_refund_not_authorized',
    })
    expect(await askAs(plainKey)).toMatchObject({
      success: false,
      errorReason: 'invalid_batch_settlement_evm_refund_not_authorized',
    })
    expect(await askAs(otherKey)).toMatchObject({
      success: false,
      errorReason: 'payee_not_allowed',
    })
    expect(await readChannelState(chain, channelId)).toEqual(before)

    // Through the seller's gate (its key): the three charges are claimed, the rest comes back.
    const payerBefore = await tokenBalance(manifest, payer.address)
    const refund = await fetch(`${url}/page`, {
      headers: {
        'PAYMENT-SIGNATURE': encodePaymentHeader({
          x402Version: 2,
          accepted: offer,
          payload: {
            type: 'refund',
            channelConfig: config,
            voucher: attack.paymentPayload.payload.voucher,
          },
        }).value,
      },
    })
    expect(refund.status, await refund.clone().text()).toBe(200)
    // All of it is settled now, so the escrow closed the channel; the payee's claims remain.
    expect((await readChannelState(chain, channelId)).balance).toBe(0n)
    const [claimedForPayee] = await chain.readContract({
      address: batchSettlementAddresses.escrow,
      abi: batchSettlementAbi,
      functionName: 'receivers',
      args: [merchant, getAddress(manifest.asset.address)],
    })
    expect(claimedForPayee).toBe(3_000n)
    expect((await tokenBalance(manifest, payer.address)) - payerBefore).toBe(
      before.balance - 3_000n,
    )
  })
})
