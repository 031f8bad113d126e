import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { encodeBase64Utf8, errorCodes } from '@tollgate/core'
import { readPaymentRequired } from '@tollgate/mcp'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echoNetwork as network, startPaidEcho } from './support/paidEchoTool.ts'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const knownReasons = new Set<string>(Object.values(errorCodes).map((entry) => entry.reason))
const facilitator = new ScriptedFacilitator([network])
facilitator.verifyAnswer = { isValid: false, invalidReason: 'invalid_exact_evm_signature' }
let echo: Awaited<ReturnType<typeof startPaidEcho>>

beforeAll(async () => {
  echo = await startPaidEcho(facilitator)
})
afterAll(() => echo?.close())

const payments = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.jsonValue().map((value) => encodeBase64Utf8(JSON.stringify(value))),
  fc.uint8Array().map((bytes) => Buffer.from(bytes).toString('base64')),
  fc.record({
    x402Version: fc.constantFrom(1, 2, 3, '2'),
    scheme: fc.constantFrom('exact', 'upto', ''),
    network: fc.constantFrom(network, 'base', 'solana:x', ''),
    payload: fc.jsonValue(),
    accepted: fc.jsonValue(),
  }),
)

describe('a paid tool under arbitrary payments', () => {
  it('answers with a payment request and a known reason, and never runs the tool', async () => {
    await fc.assert(
      fc.asyncProperty(
        payments,
        fc.constantFrom('x402/payment', 'x402.payment'),
        async (payment, key) => {
          const result = (await echo.client.callTool({
            name: 'echo',
            _meta: { [key]: payment },
          })) as CallToolResult
          expect(result.isError).toBe(true)
          const required = readPaymentRequired(result)
          // No payment at all (null) is simply asked for; anything else is refused with a reason.
          expect(required).toBeDefined()
          if (payment !== null) expect(knownReasons.has(required!.error!)).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
    expect(echo.takeRuns()).toBe(0)
  })
})
