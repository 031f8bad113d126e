/**
 * Goal: the holder lease on a payment being served. A live holder (its lease renewed through a
 * slow handler and a slow settlement) is never taken over; a holder cut off from the store past
 * its lease is taken over by the same payment for the same route, and then releases nothing:
 * one response leaves per payment. Method: a Hono app driven with `app.request`, a scripted
 * facilitator, the memory store with a switch that holds back the holder's renewals (the holder
 * stalled or cut off from the store, as a dying process is).
 */
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
  type PaymentClaim,
  type PaymentUse,
  type SettleResponse,
} from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore, PaymentGate } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
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
const id = 'pay_00000000000000000000000000000077'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The memory store, with a switch that holds back the renewals of the holders that claimed so
 * far: they are cut off from the store, the holders that come after are not.
 */
class StallingStore extends MemoryResponseStore {
  readonly #claimants = new Set<string>()
  readonly #stalled = new Set<string>()
  readonly #held: (() => void)[] = []

  override async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
    const claim = await super.claim(key, use)
    if (claim.claimed) this.#claimants.add(use.holder)
    return claim
  }

  override async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
    if (this.#stalled.has(holder) && use.state === 'in-flight')
      await new Promise<void>((resume) => this.#held.push(resume))
    return super.replace(key, holder, use)
  }

  stall(): void {
    for (const holder of this.#claimants) this.#stalled.add(holder)
  }

  resume(): void {
    this.#stalled.clear()
    for (const resume of this.#held.splice(0)) resume()
  }
}

function setup(leaseMs: number, inProgressWaitMs: number) {
  const facilitator = new ScriptedFacilitator()
  const store = new StallingStore()
  const runs = { count: 0 }
  // The first run of the handler waits for the test to let it go.
  let letFirstGo: () => void = () => undefined
  const firstGoes = new Promise<void>((resolve) => (letFirstGo = resolve))
  const gate = new PaymentGate({
    routes: { 'GET /report': option, 'GET /other': option },
    facilitator,
    schemes: [exactEvmServer()],
    store,
    leaseMs,
    inProgressWaitMs,
  })
  const app = new Hono()
  app.use(paymentMiddleware(gate))
  app.get('/report', async (c) => {
    const run = ++runs.count
    if (run === 1) await firstGoes
    return c.text(`report-${run}`)
  })
  app.get('/other', (c) => c.text('other'))
  const request = (header: string, path = '/report') =>
    app.request(`http://shop.test${path}`, { headers: { 'PAYMENT-SIGNATURE': header } })
  /** One payment, presented with its id and as a copy without. */
  async function payment(): Promise<{ withId: string; withoutId: string }> {
    const unpaid = await app.request('http://shop.test/report')
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    const base = {
      x402Version: 2,
      resource: required.resource,
      accepted: required.accepts[0]!,
      payload: { signature: '0x01', authorization: { nonce: crypto.randomUUID() } },
    }
    return {
      withId: encodeJsonHeader({
        ...base,
        extensions: { 'payment-identifier': { info: { required: false, id } } },
      }),
      withoutId: encodeJsonHeader(base),
    }
  }
  return { facilitator, store, runs, request, payment, letFirstGo }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(5)
}

describe('the holder lease', () => {
  it('keeps a slow handler and a slow settlement its own: repeats wait, copies are refused, one run', async () => {
    const { facilitator, runs, request, payment, letFirstGo } = setup(300, 150)
    let finishSettle: (value: SettleResponse) => void = () => undefined
    facilitator.settleAnswer = () => new Promise((resolve) => (finishSettle = resolve))
    const { withId, withoutId } = await payment()
    const first = request(withId)
    await until(() => runs.count === 1)
    // Many leases long, through the handler and then the settlement.
    for (let round = 0; round < 4; round++) {
      await sleep(400)
      const repeat = await request(withId)
      expect(repeat.status).toBe(409)
      expect(await repeat.json()).toMatchObject({ error: 'payment_in_progress' })
      const copy = await request(withoutId)
      expect(copy.status).toBe(402)
      expect(decodePaymentRequiredHeader(copy.headers.get('PAYMENT-REQUIRED')!).error).toBe(
        'payment_already_in_use',
      )
      if (round === 1) letFirstGo()
    }
    await until(() => facilitator.calls.settle === 1)
    await sleep(200)
    expect((await request(withId)).status).toBe(409)
    finishSettle(settled)
    const original = await first
    expect(original.status).toBe(200)
    expect(await original.text()).toBe('report-1')
    const replay = await request(withId)
    expect(replay.status).toBe(200)
    expect(await replay.text()).toBe('report-1')
    expect(runs.count).toBe(1)
    expect(facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
  })

  it('lets the same payment take over from a holder cut off during its handler; the old holder releases nothing', async () => {
    const { facilitator, store, runs, request, payment, letFirstGo } = setup(50, 3_000)
    const { withId } = await payment()
    const first = request(withId)
    await until(() => runs.count === 1)
    store.stall()
    await sleep(120)
    // Another route never takes the payment, even from a holder whose lease ran out.
    const elsewhere = await request(withId, '/other')
    expect(elsewhere.status).toBe(402)
    expect(decodePaymentRequiredHeader(elsewhere.headers.get('PAYMENT-REQUIRED')!).error).toBe(
      'payment_already_in_use',
    )
    // A takeover finishes the payment as a pending one: not verified again, settled, served.
    facilitator.verifyAnswer = new Error('a payment taken over is not verified again')
    const retry = await request(withId)
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe('report-2')
    const receipt = decodePaymentResponseHeader(retry.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt).toMatchObject({ success: true, transaction: settled.transaction })

    store.resume()
    letFirstGo()
    const original = await first
    expect(original.status).toBe(409)
    expect(original.headers.get('PAYMENT-RESPONSE')).toBeNull()
    expect(await original.text()).not.toContain('report-')
    expect(facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
    const replay = await request(withId)
    expect(await replay.text()).toBe('report-2')
    expect(replay.headers.get('PAYMENT-RESPONSE')).toBe(retry.headers.get('PAYMENT-RESPONSE'))
  })

  it('does not release for a holder that lost its record while settling', async () => {
    const { facilitator, store, runs, request, payment, letFirstGo } = setup(50, 3_000)
    letFirstGo()
    let finishFirstSettle: (value: SettleResponse) => void = () => undefined
    facilitator.settleAnswer = () =>
      facilitator.calls.settle === 1
        ? new Promise((resolve) => (finishFirstSettle = resolve))
        : settled
    const { withoutId } = await payment()
    const first = request(withoutId)
    await until(() => facilitator.calls.settle === 1)
    store.stall()
    await sleep(120)
    // A copy for the same route may finish it, as it may a pending one.
    const copy = await request(withoutId)
    expect(copy.status).toBe(200)
    expect(await copy.text()).toBe('report-2')

    store.resume()
    finishFirstSettle(settled)
    const original = await first
    expect(original.status).toBe(409)
    expect(original.headers.get('PAYMENT-RESPONSE')).toBeNull()
    expect(await original.text()).not.toContain('report-')
    expect(runs.count).toBe(2)
    expect(facilitator.calls).toMatchObject({ verify: 1, settle: 2 })
  })

  it('verifies a new payment while the store records its claim, and writes nothing more before settling while most of the lease is ahead', async () => {
    const events: string[] = []
    class SlowClaims extends MemoryResponseStore {
      override async claim(key: string, use: PaymentUse): Promise<PaymentClaim> {
        events.push('claim')
        await sleep(50)
        events.push('claimed')
        return super.claim(key, use)
      }
      override async replace(key: string, holder: string, use: PaymentUse): Promise<boolean> {
        events.push(`replace ${use.state}`)
        return super.replace(key, holder, use)
      }
    }
    const facilitator = new ScriptedFacilitator()
    facilitator.verifyAnswer = () => {
      events.push('verify')
      return { isValid: true }
    }
    facilitator.settleAnswer = () => {
      events.push('settle')
      return settled
    }
    const gate = new PaymentGate({
      routes: { 'GET /report': option },
      facilitator,
      schemes: [exactEvmServer()],
      store: new SlowClaims(),
      leaseMs: 60_000,
    })
    const app = new Hono()
    app.use(paymentMiddleware(gate))
    app.get('/report', (c) => c.text('report'))
    const unpaid = await app.request('http://shop.test/report')
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    const header = encodeJsonHeader({
      x402Version: 2,
      resource: required.resource,
      accepted: required.accepts[0]!,
      payload: { signature: '0x01', authorization: { nonce: crypto.randomUUID() } },
    })
    const paid = await app.request('http://shop.test/report', {
      headers: { 'PAYMENT-SIGNATURE': header },
    })
    expect(paid.status).toBe(200)
    expect(events).toEqual(['verify', 'claim', 'claimed', 'settle', 'replace settled'])
    // A replay is answered from the record: not verified, not settled again.
    events.length = 0
    const replay = await app.request('http://shop.test/report', {
      headers: { 'PAYMENT-SIGNATURE': header },
    })
    expect(replay.status).toBe(402)
    expect(events).toEqual(['claim', 'claimed'])
    expect(facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
  })
})
