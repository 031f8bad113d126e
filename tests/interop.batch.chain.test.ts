import { HttpFacilitatorClient } from '@tollgate/core'
import { batchSettlementAbi, batchSettlementAddresses } from '@tollgate/evm'
import { toClientEvmSigner } from '@x402/evm'
import { BatchSettlementEvmScheme as OfficialBatchClient } from '@x402/evm/batch-settlement/client'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { type DevStack, rpcClient } from 'tollgate'
import { getAddress, type Hex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { devStackForFile, startBatchSeller } from './support/batchSeller.ts'
import { payerAccount, tokenBalance } from './support/stack.ts'

const fixture = devStackForFile()
const { closers } = fixture
let stack: DevStack
beforeAll(() => {
  stack = fixture.stack()
})

/** $0.001 of the 6-decimal devnet token. */
const price = 1_000n

/** A facilitator client that counts the calls the server makes. */
function countingFacilitator(url: string) {
  const inner = new HttpFacilitatorClient({ url })
  const calls: string[] = []
  return {
    calls,
    client: {
      url,
      supported: () => inner.supported(),
      verify: (...args: Parameters<typeof inner.verify>) => {
        calls.push(`verify ${String(args[0].payload.type)}`)
        return inner.verify(...args)
      },
      settle: (...args: Parameters<typeof inner.settle>) => {
        calls.push(`settle ${String(args[0].payload.type)}`)
        return inner.settle(...args)
      },
    },
  }
}

describe('batch-settlement: the official client pays a Tollgate server', () => {
  it('deposits, pays with vouchers charged locally, recovers a stale base, claims and refunds', async () => {
    const { manifest } = stack
    const merchant = getAddress(manifest.accounts.merchant.address)
    const payer = payerAccount(manifest)
    const facilitator = countingFacilitator(manifest.facilitatorUrl)
    const { url, scheme, served } = await startBatchSeller(stack, closers, {
      payTo: merchant,
      path: '/joke',
      facilitator: facilitator.client,
      body: { joke: 'a voucher walks into a bar' },
    })
    const client = new OfficialBatchClient(payer)
    const pay = wrapFetchWithPayment(
      fetch,
      new x402Client().register('eip155:*', client).setSpendControls(false),
    )
    const payerBefore = await tokenBalance(manifest, payer.address)
    const merchantBefore = await tokenBalance(manifest, merchant)

    const first = await pay(`${url}/joke`)
    expect(first.status).toBe(200)
    const deposit = decodePaymentResponseHeader(first.headers.get('PAYMENT-RESPONSE')!)
    expect(deposit.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(BigInt(deposit.amount ?? '0')).toBe(10n * price)
    facilitator.calls.length = 0
    for (let i = 0; i < 4; i++) {
      const response = await pay(`${url}/joke`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ joke: 'a voucher walks into a bar' })
      const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
      expect(receipt).toMatchObject({ success: true, transaction: '' })
      expect(receipt.extra).toMatchObject({
        chargedAmount: String(price),
        channelState: { chargedCumulativeAmount: String(BigInt(i + 2) * price) },
      })
    }
    // Vouchers need neither the facilitator nor the chain.
    expect(facilitator.calls).toEqual([])

    const [stored] = await scheme.channels.list()
    expect(stored?.channel.chargedCumulativeAmount).toBe(String(5n * price))
    const channelId = stored!.channel.channelId as Hex
    const readChannel = () =>
      rpcClient(manifest.rpcUrl).readContract({
        address: batchSettlementAddresses.escrow,
        abi: batchSettlementAbi,
        functionName: 'channels',
        args: [channelId],
      })
    expect(await readChannel()).toEqual([10n * price, 0n])

    // A second official client with no memory of the channel (one that reads the chain) signs
    // from a zero base: the corrective 402 hands it the channel's state and its last voucher,
    // which it checks, and it pays the right cumulative amount.
    const fresh = new OfficialBatchClient(toClientEvmSigner(payer, rpcClient(manifest.rpcUrl)))
    const payFresh = wrapFetchWithPayment(
      fetch,
      new x402Client().register('eip155:*', fresh).setSpendControls(false),
    )
    const recovered = await payFresh(`${url}/joke`)
    expect(recovered.status).toBe(200)
    expect(
      decodePaymentResponseHeader(recovered.headers.get('PAYMENT-RESPONSE')!).extra,
    ).toMatchObject({ channelState: { chargedCumulativeAmount: String(6n * price) } })

    const target = { network: manifest.network, payTo: merchant, token: manifest.asset.address }
    const claims = await scheme.channels.claim(target)
    expect(claims.failed).toEqual([])
    expect(claims.claimed).toHaveLength(1)
    expect(await readChannel()).toEqual([10n * price, 6n * price])
    const sweep = await scheme.channels.sweep(target)
    expect(sweep).toMatchObject({ success: true, amount: String(6n * price) })
    expect((await tokenBalance(manifest, merchant)) - merchantBefore).toBe(6n * price)

    const servedBeforeRefund = served()
    const refunded = await fresh.refund(`${url}/joke`)
    expect(refunded.success).toBe(true)
    // A refund buys nothing: the route's handler did not run for it.
    expect(served()).toBe(servedBeforeRefund)
    expect(payerBefore - (await tokenBalance(manifest, payer.address))).toBe(6n * price)
    expect(await readChannel()).toEqual([0n, 0n])
  })
})
