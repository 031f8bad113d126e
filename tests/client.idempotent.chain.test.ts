/**
 * Paying once when answers get lost. A resource server talks to the facilitator through a proxy
 * that loses the answer to `/settle` after the facilitator has settled. The server cannot tell
 * the buyer the outcome (503); the buyer presents the same signed payment again, the facilitator
 * answers with the settlement it already made, and the buyer is served: one debit on chain, and
 * the buyer's record says settled. fetch and axios behave the same.
 */
import { type PaymentOutcome, readReceipt, wrapFetch } from '@tollgate/client'
import { withPayments } from '@tollgate/client/axios'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import axios from 'axios'
import { createExampleApi, type DevStack, type Listening, listen } from 'tollgate'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type HttpFaultProxy, startHttpFaultProxy } from './support/httpFaultProxy.ts'
import { payerAccount, startTestStack, transferCount } from './support/stack.ts'

let stack: DevStack
let proxy: HttpFaultProxy
let api: Listening
let store: SpendStore
let outcomes: PaymentOutcome[]

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  proxy = await startHttpFaultProxy(manifest.facilitatorUrl)
  api = await listen(
    createExampleApi({
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
      facilitatorUrl: proxy.url,
      schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
    }),
    0,
  )
  store = await SpendStore.open()
})
afterAll(async () => {
  await store?.close()
  await api?.close()
  await proxy?.close()
  await stack?.stop()
})
beforeEach(() => {
  outcomes = []
})

function payerOptions(attempts = 5) {
  const { manifest } = stack
  return {
    schemes: [
      exactEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
    spending: spendingGuard({ store, policy: parseSpendingPolicy({}) }),
    onOutcome: (outcome: PaymentOutcome) => outcomes.push(outcome),
    retry: { attempts, delayMs: 50, maxDelayMs: 200 },
  }
}

const debits = () =>
  transferCount(
    stack.manifest,
    stack.manifest.accounts.payer.address,
    stack.manifest.accounts.merchant.address,
  )

describe('a lost settle answer', () => {
  it('is recovered by presenting the same payment again (fetch): one debit, served', async () => {
    const before = await debits()
    const settlesBefore = proxy.counts()['/settle'] ?? 0
    proxy.loseAnswers('/settle', 1)
    const response = await wrapFetch(fetch, payerOptions())(`${api.url}/weather?city=Oslo`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ city: 'Oslo' })
    const receipt = readReceipt(response)
    expect(receipt).toMatchObject({ success: true })
    expect(outcomes).toEqual([expect.objectContaining({ state: 'settled', attempts: 2 })])
    expect(await debits()).toBe(before + 1)
    // The facilitator was asked twice and settled once.
    expect((proxy.counts()['/settle'] ?? 0) - settlesBefore).toBe(2)
    const [record] = await store.list({ limit: 1 })
    expect(record).toMatchObject({ state: 'settled', transaction: receipt!.transaction })
  })

  it('is recovered the same way through the axios interceptor', async () => {
    const before = await debits()
    proxy.loseAnswers('/settle', 1)
    const client = withPayments(axios.create(), payerOptions())
    const response = await client.get(`${api.url}/weather?city=Lima`)
    expect(response.status).toBe(200)
    expect(response.data).toMatchObject({ city: 'Lima' })
    expect(outcomes).toEqual([expect.objectContaining({ state: 'settled', attempts: 2 })])
    expect(await debits()).toBe(before + 1)
  })

  it('leaves the payment pending, not failed and not paid twice, when no answer ever comes', async () => {
    const before = await debits()
    proxy.loseAnswers('/settle', 10)
    const response = await wrapFetch(fetch, payerOptions(3))(`${api.url}/weather?city=Accra`)
    expect(response.status).toBe(503)
    expect(outcomes).toEqual([expect.objectContaining({ state: 'pending', attempts: 3 })])
    // The facilitator did settle, exactly once, however often it was asked.
    expect(await debits()).toBe(before + 1)
    const [record] = await store.list({ limit: 1 })
    expect(record).toMatchObject({ state: 'pending', url: `${api.url}/weather?city=Accra` })
    proxy.loseAnswers('/settle', 0)
  })
})
