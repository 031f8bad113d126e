import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@tollgate/core'
import { expect, it } from 'vitest'
import { type Conformance, paidBody } from './adapterConformance.ts'

const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
/** A settlement the facilitator refused. */
const refused = (errorReason: string) =>
  ({ success: false, errorReason, transaction: '', network: 'eip155:31337' }) as const

/** Verify and settle outcomes: content is released only for a settled payment. */
export function settlementCases(h: Conformance): void {
  it('serves a paid request once settled, with the receipt in PAYMENT-RESPONSE', async () => {
    const response = await h.paid('/weather')
    expect(response.status).toBe(200)
    expect(await response.text()).toContain(paidBody)
    expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
      success: true,
    })
    expect(response.headers.get('access-control-expose-headers')).toContain('PAYMENT-RESPONSE')
    expect(h.served.weather).toBe(1)
    expect(h.facilitator.calls).toMatchObject({ verify: 1, settle: 1 })
  })

  it('hands the verified payment to the handler, and never lets Settlement-Overrides out', async () => {
    const response = await h.paid('/whoami')
    expect(response.status).toBe(200)
    expect(response.headers.has('settlement-overrides')).toBe(false)
    expect(await response.json()).toMatchObject({
      payer: '0x0000000000000000000000000000000000000001',
      requirements: { scheme: 'exact', network: 'eip155:31337', amount: '1000', payTo },
      payload: { x402Version: 2, payload: { signature: '0x01' } },
    })
  })

  it('withholds the content when settlement fails, and says why', async () => {
    h.facilitator.settleAnswer = refused('invalid_exact_evm_nonce_already_used')
    const response = await h.paid('/weather')
    const body = await response.text()
    expect(response.status).toBe(402)
    expect(body).not.toContain(paidBody)
    expect(JSON.parse(body)).toMatchObject({ error: 'invalid_exact_evm_nonce_already_used' })
    expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!)).toMatchObject({
      success: false,
      errorReason: 'invalid_exact_evm_nonce_already_used',
    })
  })

  it('withholds the content while settlement is pending and finishes it when the payment comes back', async () => {
    const pending = {
      success: false,
      errorReason: 'settlement_pending',
      transaction: `0x${'cd'.repeat(32)}`,
      network: 'eip155:31337',
    }
    h.facilitator.settleAnswer = pending
    const header = await h.paymentFor('/weather')
    const first = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(first.status).toBe(402)
    expect(await first.text()).not.toContain(paidBody)
    expect(first.headers.get('retry-after')).toBe('2')
    expect(decodePaymentResponseHeader(first.headers.get('PAYMENT-RESPONSE')!)).toMatchObject(
      pending,
    )
    expect(h.facilitator.calls.settle).toBe(2) // one automatic retry
    h.facilitator.settleAnswer = { ...pending, success: true, errorReason: undefined }
    h.facilitator.verifyAnswer = new Error('a pending payment must not be verified again')
    const second = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(second.status).toBe(200)
    expect(await second.text()).toContain(paidBody)
  })

  it('fails closed with 503 when settle cannot reach the facilitator', async () => {
    h.facilitator.settleAnswer = new Error('connection reset')
    const response = await h.paid('/weather')
    expect(response.status).toBe(503)
    expect(await response.text()).not.toContain(paidBody)
  })

  it('refuses an invalid payment with its reason and does not run the handler', async () => {
    h.facilitator.verifyAnswer = { isValid: false, invalidReason: 'invalid_exact_evm_signature' }
    const response = await h.paid('/weather')
    expect(response.status).toBe(402)
    expect(decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).error).toBe(
      'invalid_exact_evm_signature',
    )
    expect(h.served.weather).toBeUndefined()
    expect(h.facilitator.calls.settle).toBe(0)
  })

  it('answers 503 when verify cannot reach the facilitator, without running the handler', async () => {
    h.facilitator.verifyAnswer = new Error('ECONNREFUSED')
    const response = await h.paid('/weather')
    expect(response.status).toBe(503)
    expect(h.served.weather).toBeUndefined()
  })

  it('answers 503, not 402, when the facilitator cannot judge (rate limit, its RPC)', async () => {
    h.facilitator.verifyAnswer = { isValid: false, invalidReason: 'rate_limited' }
    const limited = await h.paid('/weather')
    expect(limited.status).toBe(503)
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' })
    expect(h.served.weather).toBeUndefined()
    h.facilitator.verifyAnswer = { isValid: true }
    h.facilitator.settleAnswer = refused('unexpected_settle_error')
    const header = await h.paymentFor('/weather')
    const unknown = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(unknown.status).toBe(503)
    expect(await unknown.text()).not.toContain(paidBody)
    // The same payment comes back and finishes settling, without being verified again.
    h.facilitator.settleAnswer = {
      success: true,
      transaction: `0x${'12'.repeat(32)}`,
      network: 'eip155:31337',
    }
    const verifications = h.facilitator.calls.verify
    const finished = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(finished.status).toBe(200)
    expect(h.facilitator.calls.verify).toBe(verifications)
  })

  it('does not settle when the handler fails, and the payment stays usable', async () => {
    const header = await h.paymentFor('/fails')
    const response = await h.get('/fails', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(response.status).toBe(500)
    expect(response.headers.has('settlement-overrides')).toBe(false)
    expect(h.facilitator.calls.settle).toBe(0)
    const again = await h.get('/fails', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(again.status).toBe(500)
  })

  it('releases a payment once: a replay gets 402, concurrent copies get one 200', async () => {
    const header = await h.paymentFor('/weather')
    expect((await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })).status).toBe(200)
    const replay = await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(replay.status).toBe(402)
    expect(decodePaymentRequiredHeader(replay.headers.get('PAYMENT-REQUIRED')!).error).toBe(
      'payment_already_in_use',
    )

    h.facilitator.settleAnswer = async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return { success: true, transaction: `0x${'ef'.repeat(32)}`, network: 'eip155:31337' }
    }
    const copy = await h.paymentFor('/weather')
    const statuses = await Promise.all(
      Array.from(
        { length: 6 },
        async () => (await h.get('/weather', { headers: { 'PAYMENT-SIGNATURE': copy } })).status,
      ),
    )
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.filter((status) => status === 402)).toHaveLength(5)
  })
}
