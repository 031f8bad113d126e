/**
 * A paid MCP tool under hostile `_meta` payments: duplicate keys (string forms), a NUL or a lone
 * surrogate in any string, nesting past the limit. Method: a well-shaped payment for the tool's
 * own requirement, which a facilitator that says yes would let through, gets one hostile change
 * and is sent as an object, as base64 JSON or as JSON text. Every call must be answered with the
 * tool's normal payment request naming invalid_payload, before the facilitator is asked, and the
 * tool never runs. Seeded: a failure names its seed, and FC_SEED replays another.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { encodeBase64Utf8, type PaymentRequired, reasonOf } from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { paidTools, readPaymentRequired } from '@tollgate/mcp'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const seed = Number(process.env.FC_SEED ?? 20260912)
console.info(`mcp hostile input: fast-check seed ${seed} (FC_SEED to replay another)`)
const network = 'eip155:31337'
/** Past core's limit (64) by far, and within what JSON.stringify's stack holds. */
const deepLevels = 3_000
const facilitator = new ScriptedFacilitator([network])
let runs = 0
let client: Client
let server: McpServer
let offered: PaymentRequired

beforeAll(async () => {
  server = new McpServer({ name: 'hostile', version: '1.0.0' })
  paidTools({
    facilitator,
    schemes: [
      exactEvmServer({
        assets: {
          [network]: {
            address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
            name: 'USDC',
            version: '2',
            decimals: 6,
          },
        },
      }),
    ],
    network,
    payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  }).registerTool(server, 'echo', { description: 'Echoes' }, { price: '$0.001' }, async () => {
    runs++
    return { content: [{ type: 'text', text: 'ran' }] }
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  client = new Client({ name: 'hostile', version: '1.0.0' })
  await client.connect(clientSide)
  offered = readPaymentRequired((await call(undefined)) as CallToolResult)!
})
afterAll(async () => {
  await client?.close()
  await server?.close()
})

async function call(payment: unknown): Promise<CallToolResult> {
  return (await client.callTool({
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
    expect(runs).toBe(3)
    runs = 0
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
    expect(runs).toBe(0)
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
    expect(runs).toBe(0)
  })

  it('refuses an object nested beyond what JSON.stringify can write', async () => {
    expectInvalidPayload(await call(withValue('extensions', 'x', deep(200_000))))
    expect(runs).toBe(0)
  })
})
