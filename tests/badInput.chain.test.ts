/**
 * A buyer's malformed payment is the buyer's error: numbers written in forms the scheme does not
 * accept get `invalid_payload` — 200 from the facilitator, 402 from the API — never a 5xx.
 */
import {
  decodePaymentRequiredHeader,
  encodeJsonHeader,
  type PaymentPayload,
  reasonOf,
} from '@tollgate/core'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let valid: PaymentPayload

beforeAll(async () => {
  stack = await startTestStack()
  valid = await signPayment(stack.manifest, weatherRequirements(stack.manifest))
})
afterAll(() => stack?.stop())

/** Decimal strings in every form JSON number parsers or BigInt accept but the scheme does not. */
const badNumbers = ['1e3', '+1', '0x10', ' 1', '1 ', '1.0', '-1', '']
const fields = ['value', 'validAfter', 'validBefore'] as const

function withField(field: (typeof fields)[number], text: string): PaymentPayload {
  const payload = valid.payload as { signature: string; authorization: Record<string, string> }
  return {
    ...valid,
    payload: { ...payload, authorization: { ...payload.authorization, [field]: text } },
  }
}

describe('schema-invalid numbers in a payment', () => {
  it.each(fields)('%s: the facilitator answers 200 with invalid_payload', async (field) => {
    for (const text of badNumbers) {
      const body = facilitatorBody(withField(field, text), valid.accepted)
      const verify = await postFacilitator(stack.manifest, '/verify', body)
      expect({ text, status: verify.status, reason: verify.body.invalidReason }).toEqual({
        text,
        status: 200,
        reason: reasonOf('PAYLOAD_MALFORMED'),
      })
      expect(verify.body.isValid).toBe(false)
      const settle = await postFacilitator(stack.manifest, '/settle', body)
      expect({ text, status: settle.status, reason: settle.body.errorReason }).toEqual({
        text,
        status: 200,
        reason: reasonOf('PAYLOAD_MALFORMED'),
      })
      expect(settle.body.success).toBe(false)
    }
  })

  it.each(fields)(
    '%s: the example API answers 402 invalid_payload and serves nothing',
    async (field) => {
      for (const text of badNumbers) {
        const response = await fetch(`${stack.manifest.exampleApiUrl}/weather`, {
          headers: { 'PAYMENT-SIGNATURE': encodeJsonHeader(withField(field, text)) },
        })
        const required = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!)
        expect({ text, status: response.status, error: required.error }).toEqual({
          text,
          status: 402,
          error: reasonOf('PAYLOAD_MALFORMED'),
        })
      }
    },
  )
})
