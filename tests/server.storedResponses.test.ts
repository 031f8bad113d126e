/**
 * Goal: the gate's stored-response rules beyond what every adapter checks: a repeat waits for a
 * first presentation still running and is never run twice, an unreachable store fails closed,
 * a response over the size limit is released but not kept, and `release: 'confirmed'` holds the
 * content until the facilitator reports the transfer confirmed. Method: a Hono app driven with
 * `app.request`, a scripted facilitator, real stores.
 */
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
  type ResponseStore,
  type SettleResponse,
  withFinality,
} from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { PostgresResponseStore, RedisResponseStore } from '@tollgate/response-store'
import { MemoryResponseStore, PaymentGate, type PaymentGateOptions } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { openPostgres } from '@tollgate/sql'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const option = {
  price: {
    amount: '1000',
    asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    extra: { name: 'USD Coin', version: '2' },
  },
  network: 'eip155:31337',
  payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
}
const settled: SettleResponse = {
  success: true,
  transaction: `0x${'ab'.repeat(32)}`,
  network: 'eip155:31337',
}

function setup(options: Partial<PaymentGateOptions> = {}) {
  const facilitator = new ScriptedFacilitator()
  const runs = { count: 0 }
  const gate = new PaymentGate({
    routes: { 'GET /report': option },
    facilitator,
    schemes: [exactEvmServer()],
    store: new MemoryResponseStore(),
    ...options,
  })
  const app = new Hono()
  app.use(paymentMiddleware(gate))
  app.get('/report', (c) => {
    runs.count++
    return c.text(`report-${runs.count}-${'x'.repeat(64)}`)
  })
  const request = (header: string) =>
    app.request('http://shop.test/report', { headers: { 'PAYMENT-SIGNATURE': header } })
  async function payment(id?: string): Promise<string> {
    const unpaid = await app.request('http://shop.test/report')
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    return encodeJsonHeader({
      x402Version: 2,
      resource: required.resource,
      accepted: required.accepts[0]!,
      payload: { signature: '0x01', authorization: { nonce: crypto.randomUUID() } },
      ...(id ? { extensions: { 'payment-identifier': { info: { required: false, id } } } } : {}),
    })
  }
  return { facilitator, runs, request, payment }
}

const id = 'pay_00000000000000000000000000000042'

describe('stored responses', () => {
  it('answers a repeat 409 while the first still runs, then replays; the handler runs once', async () => {
    const { facilitator, runs, request, payment } = setup({ inProgressWaitMs: 200 })
    let finishSettle: (value: SettleResponse) => void = () => undefined
    facilitator.settleAnswer = () => new Promise((resolve) => (finishSettle = resolve))
    const header = await payment(id)
    const first = request(header)
    while (facilitator.calls.settle === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    const waiting = await request(header)
    expect(waiting.status).toBe(409)
    expect(waiting.headers.get('retry-after')).toBe('1')
    expect(await waiting.json()).toMatchObject({ error: 'payment_in_progress' })
    finishSettle(settled)
    const original = await first
    const replay = await request(header)
    expect(replay.status).toBe(200)
    expect(await replay.text()).toBe(await original.text())
    expect(replay.headers.get('PAYMENT-RESPONSE')).toBe(original.headers.get('PAYMENT-RESPONSE'))
    expect(runs.count).toBe(1)
    expect(facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
  })

  it('fails closed with 503 when the store cannot be reached, running and charging nothing', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:6379')
    const unreachable: ResponseStore = {
      claim: () => Promise.reject(down),
      get: () => Promise.reject(down),
      replace: () => Promise.reject(down),
      takeOver: () => Promise.reject(down),
      release: () => Promise.reject(down),
    }
    const { facilitator, runs, request, payment } = setup({ store: unreachable })
    const response = await request(await payment(id))
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBeTruthy()
    expect(await response.json()).toMatchObject({ error: 'response_store_unavailable' })
    expect(runs.count).toBe(0)
    expect(facilitator.calls).toMatchObject({ verify: 0, settle: 0 })
  })

  it.each([
    ['Redis', async () => new RedisResponseStore({ redis: 'redis://127.0.0.1:9' })],
    [
      'PostgreSQL',
      async () => new PostgresResponseStore(await openPostgres('postgres://127.0.0.1:9/x')),
    ],
  ])('fails closed when its %s store is down', async (_, open) => {
    const store = await open()
    const { facilitator, runs, request, payment } = setup({ store })
    try {
      const response = await request(await payment(id))
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ error: 'response_store_unavailable' })
      expect(runs.count).toBe(0)
      expect(facilitator.calls.verify).toBe(0)
    } finally {
      await store.close()
    }
  })

  it('releases a response over the limit but does not keep it, and says so to a repeat', async () => {
    const store = new MemoryResponseStore()
    const { runs, request, payment } = setup({ store, storedBodyBytesMax: 16 })
    const header = await payment(id)
    const first = await request(header)
    expect(first.status).toBe(200)
    expect(await first.text()).toContain('report-1')
    const repeat = await request(header)
    expect(repeat.status).toBe(402)
    expect(decodePaymentRequiredHeader(repeat.headers.get('PAYMENT-REQUIRED')!).error).toBe(
      'payment_already_in_use',
    )
    expect((await repeat.json()).message).toMatch(/larger than the 16 bytes kept/)
    expect(runs.count).toBe(1)
  })

  it('under release "confirmed", asks settle again until the transfer is confirmed', async () => {
    const { facilitator, request, payment } = setup({
      release: 'confirmed',
      confirmation: { attempts: 5, delayMs: 10 },
    })
    const answers = [
      withFinality(settled, { state: 'included', confirmations: 0, required: 2 }),
      withFinality(settled, { state: 'included', confirmations: 1, required: 2 }),
      withFinality(settled, { state: 'confirmed', confirmations: 2, required: 2 }),
    ]
    facilitator.settleAnswer = () => answers[Math.min(facilitator.calls.settle - 1, 2)]!
    const response = await request(await payment(id))
    expect(response.status).toBe(200)
    expect(facilitator.calls.settle).toBe(3)
    const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt.extra?.finality).toMatchObject({ state: 'confirmed' })
  })

  it('under release "confirmed", answers settlement_pending past the bound and finishes on return', async () => {
    const store = new MemoryResponseStore()
    const { facilitator, runs, request, payment } = setup({
      store,
      release: 'confirmed',
      confirmation: { attempts: 2, delayMs: 10 },
    })
    facilitator.settleAnswer = withFinality(settled, {
      state: 'included',
      confirmations: 0,
      required: 12,
    })
    const header = await payment(id)
    const pending = await request(header)
    expect(pending.status).toBe(402)
    expect(await pending.text()).not.toContain('report-')
    expect(decodePaymentResponseHeader(pending.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
      success: false,
      errorReason: 'settlement_pending',
      transaction: settled.transaction,
    })
    expect(facilitator.calls.settle).toBe(3)
    // An answer without finality counts as confirmed. The pending payment is not verified
    // again, and the same presentation gets the response of the first run: no second run.
    facilitator.settleAnswer = settled
    facilitator.verifyAnswer = new Error('a pending payment is not verified again')
    const finished = await request(header)
    expect(finished.status).toBe(200)
    const body = await finished.text()
    expect(body).toContain('report-1-')
    expect(runs.count).toBe(1)
    const replay = await request(header)
    expect(await replay.text()).toBe(body)
    expect(replay.headers.get('PAYMENT-RESPONSE')).toBe(finished.headers.get('PAYMENT-RESPONSE'))
    expect(runs.count).toBe(1)
  })

  it('finishes a pending payment presented without its id by running the handler again', async () => {
    const { facilitator, runs, request, payment } = setup()
    facilitator.settleAnswer = new Error('connection reset')
    const header = await payment()
    expect((await request(header)).status).toBe(503)
    facilitator.settleAnswer = settled
    const finished = await request(header)
    expect(finished.status).toBe(200)
    expect(await finished.text()).toContain('report-2-')
    expect(facilitator.calls.verify).toBe(1)
    expect(runs.count).toBe(2)
  })

  it('declares no payment-identifier when told not to', async () => {
    const facilitator = new ScriptedFacilitator()
    const gate = new PaymentGate({
      routes: { 'GET /report': option },
      facilitator,
      schemes: [exactEvmServer()],
      store: new MemoryResponseStore(),
      paymentIdentifier: false,
    })
    const required = gate.paymentRequired({ method: 'GET', path: '/report', url: 'http://x/' })
    expect(required?.extensions?.['payment-identifier']).toBeUndefined()
  })
})
