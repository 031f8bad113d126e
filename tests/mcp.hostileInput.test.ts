import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { encodeBase64Utf8, type PaymentRequired, reasonOf } from '@tollgate/core'
import { readPaymentRequired } from '@tollgate/mcp'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echoNetwork as network, startPaidEcho } from './support/paidEchoTool.ts'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const seed = Number(process.env.FC_SEED ?? 20260912)
console.info(`mcp hostile input: fast-check seed ${seed} (FC_SEED to replay another)`)
/** Past core's limit (64) by far, and within what JSON.stringify's stack holds. */
const deepLevels = 3_000
const facilitator = new ScriptedFacilitator([network])
let echo: Awaited<ReturnType<typeof startPaidEcho>>
let offered: PaymentRequired

beforeAll(async () => {
  echo = await startPaidEcho(facilitator)
  offered = readPaymentRequired((await call(undefined)) as CallToolResult)!
})
afterAll(() => echo?.close())

async function call(payment: unknown): Promise<CallToolResult> {
  return (await echo.client.callTool({
    name: 'echo',
    ...(payment === undefined ? {} : { _meta: { 'x402/payment': payment } }),
  })) as CallToolResult
}

let nonces = 0

/**
 * A payment shaped like a real one for the tool's requirement (the facilitator is scripted), with
 * a nonce of its own so the replay guard never refuses it as used.
 */
function wellShaped(): Record<string, unknown> {
  nonces++
  return {
    x402Version: 2,
    resource: { url: 'mcp://tool/echo', description: 'Echoes' },
    accepted: structuredClone(offered.accepts[0]),
    payload: {
      signature: `0x${'11'.repeat(65)}`,
      authorization: {
        from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        to: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
        value: offered.accepts[0]!.amount,
        validAfter: '0',
        validBefore: '9999999999',
        nonce: `0x${nonces.toString(16).padStart(64, '0')}`,
      },
    },
    extensions: {},
  }
}

function deep(levels: number): unknown {
  let value: unknown = 'bottom'
  for (let level = 0; level < levels; level++) value = level % 2 ? [value] : { k: value }
  return value
}

/** Where a hostile value goes: fields the scheme ignores, and the signed authorization. */
const places = ['resource', 'extensions', 'accepted.extra', 'payload.authorization'] as const
type Place = (typeof places)[number]

function withValue(place: Place, name: string, value: unknown): Record<string, unknown> {
  const payment = wellShaped()
  const [head, tail] = place.split('.') as [string, string | undefined]
  const holder = (
    tail === undefined ? payment : (payment[head] as Record<string, unknown>)
  ) as Record<string, unknown>
  const target = tail === undefined ? head : tail
  const current = holder[target]
  holder[target] = { ...(typeof current === 'object' ? current : {}), [name]: value }
  return payment
}

const forms = {
  object: (payment: Record<string, unknown>) => payment,
  base64: (payment: Record<string, unknown>) => encodeBase64Utf8(JSON.stringify(payment)),
  text: (payment: Record<string, unknown>) => JSON.stringify(payment),
}

function expectInvalidPayload(result: CallToolResult) {
  expect(result.isError).toBe(true)
  const required = readPaymentRequired(result)
  // The normal payment request (what the tool offers), carrying the reason.
  expect(required).toMatchObject({ x402Version: 2, accepts: offered.accepts })
  expect(required?.error).toBe(reasonOf('PAYLOAD_MALFORMED'))
}

describe('a paid tool under hostile _meta payments', () => {
  it('takes the well-shaped payment in every form (the facilitator says yes)', async () => {
    for (const form of Object.values(forms)) {
      const result = await call(form(wellShaped()))
      expect(result.isError).toBeFalsy()
    }
    expect(echo.takeRuns()).toBe(3)
  })

  it('refuses a NUL, a lone surrogate or deep nesting in any form, anywhere', async () => {
    const verifies = facilitator.calls.verify
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...places),
        fc.constantFrom(...(Object.keys(forms) as Array<keyof typeof forms>)),
        fc.constantFrom('nul', 'high', 'low', 'deep', 'nulKey'),
        fc.string({ maxLength: 6 }),
        async (place, form, hostile, text) => {
          const values = {
            nul: `${text}\u0000${text}`,
            high: `${text}\uD800`,
            low: `\uDC00${text}`,
            deep: deep(deepLevels),
            nulKey: { [`\u0000${text}`]: 1 },
          }
          expectInvalidPayload(
            await call(forms[form](withValue(place, `x${text}`, values[hostile]))),
          )
        },
      ),
      { seed, numRuns: 60 },
    )
    expect(facilitator.calls.verify).toBe(verifies)
    expect(echo.takeRuns()).toBe(0)
  })

  it('refuses duplicate keys in the string forms, at any depth', async () => {
    const verifies = facilitator.calls.verify
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...places),
        fc.constantFrom('base64', 'text'),
        async (place, form) => {
          // The marker value becomes a second copy of a key of the same object.
          const text = JSON.stringify(withValue(place, 'dup', 'first')).replace(
            '"dup":"first"',
            '"dup":"first","dup":"second"',
          )
          expectInvalidPayload(await call(form === 'base64' ? encodeBase64Utf8(text) : text))
        },
      ),
      { seed, numRuns: 16 },
    )
    const top = JSON.stringify(wellShaped()).replace(
      '"x402Version":2',
      '"x402Version":2,"x402Version":1',
    )
    expectInvalidPayload(await call(encodeBase64Utf8(top)))
    expect(facilitator.calls.verify).toBe(verifies)
    expect(echo.takeRuns()).toBe(0)
  })

  it('refuses an object nested beyond what JSON.stringify can write', async () => {
    expectInvalidPayload(await call(withValue('extensions', 'x', deep(200_000))))
    expect(echo.takeRuns()).toBe(0)
  })
})
