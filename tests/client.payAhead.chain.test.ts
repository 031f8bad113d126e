/**
 * Goal: `wrapFetch` with `payAhead` sends a payment with the first request to a URL it paid
 * before (one round trip instead of two), and stays exact when the server changed its mind: a
 * new price is refused with a 402 and paid as asked (one debit, at the new price), a route that
 * became free is served with no debit, and without the option every request waits for its 402.
 * Method: the dev stack's chain and facilitator; the example API at two prices behind one URL;
 * debits counted on chain.
 */
import { type PaymentOutcome, readReceipt, wrapFetch } from '@tollgate/client'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { Hono } from 'hono'
import { createExampleApi, type DevStack, type Listening, listen } from 'tollgate'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
let api: Listening
/** What the server behind the one URL does now. */
let mode: 'one-tenth-cent' | 'two-tenths-cent' | 'free' = 'one-tenth-cent'
/** Requests that reached the server, with whether they carried a payment. */
let arrivals: boolean[] = []
let outcomes: PaymentOutcome[] = []

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  const priced = (price: string) =>
    createExampleApi({
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
      facilitatorUrl: manifest.facilitatorUrl,
      schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
      price,
    })
  const apis = { 'one-tenth-cent': priced('$0.001'), 'two-tenths-cent': priced('$0.002') }
  const front = new Hono()
  front.all('*', (c) => {
    arrivals.push(c.req.header('payment-signature') !== undefined)
    if (mode === 'free') return c.json({ city: c.req.query('city'), free: true })
    return apis[mode].fetch(c.req.raw)
  })
  api = await listen(front, 0)
})
afterAll(async () => {
  await api?.close()
  await stack?.stop()
})
beforeEach(() => {
  arrivals = []
  outcomes = []
})

function payingFetch(payAhead: boolean) {
  const { manifest } = stack
  return wrapFetch(fetch, {
    schemes: [
      exactEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
    onOutcome: (outcome) => outcomes.push(outcome),
    payAhead,
  })
}

const balance = () => tokenBalance(stack.manifest, stack.manifest.accounts.payer.address)

describe('paying ahead for a URL paid before', () => {
  it('pays with the first request once the URL was paid, one debit each', async () => {
    mode = 'one-tenth-cent'
    const pay = payingFetch(true)
    const url = `${api.url}/weather?city=Oslo`
    const before = await balance()
    const first = await pay(url)
    expect(first.status).toBe(200)
    expect(arrivals).toEqual([false, true])
    arrivals = []
    const second = await pay(url)
    expect(second.status).toBe(200)
    expect(readReceipt(second)).toMatchObject({ success: true })
    expect(arrivals).toEqual([true])
    // Another URL has not been paid: it waits for its 402.
    arrivals = []
    expect((await pay(`${api.url}/weather?city=Lima`)).status).toBe(200)
    expect(arrivals).toEqual([false, true])
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['settled', 'settled', 'settled'])
    expect(before - (await balance())).toBe(3_000n)
  })

  it('pays the new price when the server refuses the old one: one debit, at the new price', async () => {
    mode = 'one-tenth-cent'
    const pay = payingFetch(true)
    const url = `${api.url}/weather?city=Quito`
    expect((await pay(url)).status).toBe(200)
    mode = 'two-tenths-cent'
    arrivals = []
    outcomes = []
    const before = await balance()
    const response = await pay(url)
    expect(response.status).toBe(200)
    expect(readReceipt(response)).toMatchObject({ success: true, amount: '2000' })
    // The payment made ahead was refused (never settled); the 402 that refused it said the price.
    expect(arrivals).toEqual([true, true])
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['failed', 'settled'])
    expect(before - (await balance())).toBe(2_000n)
  })

  it('is served with no debit by a route that became free, and forgets the offer', async () => {
    mode = 'one-tenth-cent'
    const pay = payingFetch(true)
    const url = `${api.url}/weather?city=Accra`
    expect((await pay(url)).status).toBe(200)
    mode = 'free'
    arrivals = []
    outcomes = []
    const before = await balance()
    const response = await pay(url)
    expect(await response.json()).toMatchObject({ free: true })
    // Handed a payment it did not ask for: pending until the buyer learns more, never "settled".
    expect(outcomes).toEqual([
      expect.objectContaining({ state: 'pending', reason: 'served without a payment receipt' }),
    ])
    expect((await pay(url)).status).toBe(200)
    expect(arrivals).toEqual([true, false])
    expect(await balance()).toBe(before)
  })

  it('is off by default: every request waits for its 402', async () => {
    mode = 'one-tenth-cent'
    const pay = payingFetch(false)
    const url = `${api.url}/weather?city=Cairo`
    expect((await pay(url)).status).toBe(200)
    expect((await pay(url)).status).toBe(200)
    expect(arrivals).toEqual([false, true, false, true])
  })
})
