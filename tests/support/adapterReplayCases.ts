import { decodePaymentRequiredHeader } from '@tollgate/core'
import { expect, it } from 'vitest'
import { type Conformance, paidBody } from './adapterConformance.ts'

const id = (n: number) => `pay_${String(n).padStart(32, '0')}`

/** A response as the buyer sees it, to compare a replay with the original byte for byte. */
async function seen(response: Response) {
  return {
    status: response.status,
    receipt: response.headers.get('PAYMENT-RESPONSE'),
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()).toString('hex'),
  }
}

/** Stored responses: a repeat of one presentation gets the first answer, never a second run. */
export function replayCases(h: Conformance): void {
  it('declares the payment-identifier extension, not required', async () => {
    const unpaid = await h.get('/weather')
    const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
    expect(required.extensions?.['payment-identifier']).toMatchObject({
      info: { required: false },
    })
  })

  it('replays the stored response to a repeat with the same id, running nothing again', async () => {
    const header = await h.paymentFor('/weather', 'GET', Math.random(), id(1))
    const first = await seen(await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } }))
    expect(first.status).toBe(200)
    expect(Buffer.from(first.body, 'hex').toString()).toContain(paidBody)
    const again = await seen(await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } }))
    expect(again).toEqual(first)
    expect(h.served.weather).toBe(1)
    expect(h.facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
  })

  it('replays a streamed response whole', async () => {
    const header = await h.paymentFor('/stream', 'GET', Math.random(), id(2))
    const first = await seen(await h.get('/stream', { headers: { 'PAYMENT-SIGNATURE': header } }))
    const again = await seen(await h.get('/stream', { headers: { 'PAYMENT-SIGNATURE': header } }))
    expect(Buffer.from(again.body, 'hex').toString()).toBe(`part1-${paidBody}-part2`)
    expect(again).toEqual(first)
  })

  it('refuses the same payment without its id, or with another id', async () => {
    const nonce = Math.random()
    const header = await h.paymentFor('/weather', 'GET', nonce, id(3))
    expect((await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })).status).toBe(200)
    for (const copy of [
      await h.paymentFor('/weather', 'GET', nonce),
      await h.paymentFor('/weather', 'GET', nonce, id(4)),
    ]) {
      const response = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': copy } })
      expect(response.status).toBe(402)
      expect(await response.text()).not.toContain(paidBody)
      expect(decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error).toBe(
        'payment_already_in_use',
      )
    }
    expect(h.served.weather).toBe(1)
  })

  it('serves concurrent repeats of one presentation once, each getting the same 200', async () => {
    h.facilitator.settleAnswer = async () => {
      await new Promise((resolve) => setTimeout(resolve, 200))
      return { success: true, transaction: `0x${'ef'.repeat(32)}`, network: 'eip155:31337' }
    }
    const header = await h.paymentFor('/weather', 'GET', Math.random(), id(5))
    const answers = await Promise.all(
      Array.from({ length: 4 }, async () =>
        seen(await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })),
      ),
    )
    for (const answer of answers) expect(answer).toEqual(answers[0])
    expect(answers[0]?.status).toBe(200)
    expect(h.served.weather).toBe(1)
    expect(h.facilitator.calls.settle).toBe(1)
  })
}
