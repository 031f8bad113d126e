/**
 * One signed payment, at most one response: copies of one payment that differ only in what
 * nobody signed (unknown fields, hex case) presented to the API at once are one payment to the
 * gate. EVM and Solana, against the real dev stack; seeded, so a failure names its seed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { encodeJsonHeader, type PaymentPayload } from '@tollgate/core'
import fc from 'fast-check'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ourSolanaClient, solanaWeatherRequirements, splBalance } from './support/solana.ts'
import { signPayment, startTestStack, tokenBalance, weatherRequirements } from './support/stack.ts'

let stack: DevStack
const seed = Number(process.env.FC_SEED ?? 20261203)

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

type Variant = (payload: Record<string, unknown>) => Record<string, unknown>

/** Ways to re-wrap a payload without touching what was signed. */
const unsignedChange = fc.oneof(
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))
    .filter(([name]) => !['signature', 'authorization', 'transaction'].includes(name))
    .map(
      ([name, value]): Variant =>
        (payload) => ({ ...payload, [name]: value }),
    ),
  fc.constant<Variant>((payload) => {
    const authorization = payload.authorization as Record<string, string> | undefined
    if (!authorization) return { ...payload, note: 'x' }
    return {
      ...payload,
      authorization: {
        ...authorization,
        from: authorization.from!.toUpperCase().replace('0X', '0x'),
        nonce: authorization.nonce!.toUpperCase().replace('0X', '0x'),
      },
    }
  }),
)

async function presentTwiceAtOnce(original: PaymentPayload, variant: Variant) {
  const copy = { ...original, payload: variant(original.payload as Record<string, unknown>) }
  const url = `${stack.manifest.exampleApiUrl}/weather`
  const answers = await Promise.all(
    [original, copy].map((payment) =>
      fetch(url, { headers: { 'PAYMENT-SIGNATURE': encodeJsonHeader(payment) } }),
    ),
  )
  return answers.map((answer) => answer.status).sort()
}

describe('one signed payment, at most one response', () => {
  it('EVM: a copy with unsigned changes is the same payment (one 200, one debit)', async () => {
    const payer = stack.manifest.accounts.payer.address
    await fc.assert(
      fc.asyncProperty(unsignedChange, async (variant) => {
        const before = await tokenBalance(stack.manifest, payer)
        const payment = await signPayment(stack.manifest, weatherRequirements(stack.manifest))
        const statuses = await presentTwiceAtOnce(payment, variant)
        expect(statuses).toEqual([200, 402])
        expect(before - (await tokenBalance(stack.manifest, payer))).toBe(1000n)
      }),
      { seed, numRuns: 8 },
    )
  })

  it('Solana: a copy with unsigned changes is the same payment (one 200, one debit)', async () => {
    const client = await ourSolanaClient(stack)
    const requirements = solanaWeatherRequirements(stack)
    const payer = stack.manifest.solana.payer.address
    await fc.assert(
      fc.asyncProperty(unsignedChange, async (variant) => {
        const before = await splBalance(stack, payer)
        const payment: PaymentPayload = {
          x402Version: 2,
          resource: { url: `${stack.manifest.exampleApiUrl}/weather` },
          accepted: requirements,
          payload: await client.createPayload(requirements, { x402Version: 2 }),
        }
        const statuses = await presentTwiceAtOnce(payment, variant)
        expect(statuses).toEqual([200, 402])
        expect(before - (await splBalance(stack, payer))).toBe(1000n)
      }),
      { seed, numRuns: 5 },
    )
  })

  it('the route and the paid MCP tool of one server serve one payment once, at once or in turn', async () => {
    const mcp = new Client({ name: 'agent', version: '1.0.0' })
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${stack.manifest.exampleApiUrl}/mcp`)),
    )
    const callTool = async (payment: PaymentPayload) =>
      (await mcp.callTool({
        name: 'forecast',
        arguments: { city: 'Oslo' },
        _meta: { 'x402/payment': payment },
      })) as CallToolResult
    const route = (payment: PaymentPayload) =>
      fetch(`${stack.manifest.exampleApiUrl}/weather`, {
        headers: { 'PAYMENT-SIGNATURE': encodeJsonHeader(payment) },
      })
    try {
      // One payment signed for /weather is also a valid payment for the tool (same terms).
      const atOnce = await signPayment(stack.manifest, weatherRequirements(stack.manifest))
      const [byRoute, byTool] = await Promise.all([route(atOnce), callTool(atOnce)])
      const served = [byRoute.status === 200, byTool.isError !== true].filter(Boolean)
      expect(served).toHaveLength(1)

      const payer = stack.manifest.accounts.payer.address
      const before = await tokenBalance(stack.manifest, payer)
      const inTurn = await signPayment(stack.manifest, weatherRequirements(stack.manifest))
      expect((await route(inTurn)).status).toBe(200)
      const again = await callTool(inTurn)
      expect(again.isError).toBe(true)
      expect(JSON.stringify(again.structuredContent)).toContain('payment_already_in_use')
      expect(before - (await tokenBalance(stack.manifest, payer))).toBe(1000n)
    } finally {
      await mcp.close()
    }
  })
})
