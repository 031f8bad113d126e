/**
 * Paid MCP tools under arbitrary `_meta` payments: whatever a client puts under either key (JSON
 * of any shape, strings, base64 of anything), the answer is a payment request carrying a known
 * reason, never a protocol error or a crash, and the tool never runs.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { encodeBase64Utf8, errorCodes } from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { paidTools, readPaymentRequired } from '@tollgate/mcp'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'

const network = 'eip155:31337'
const knownReasons = new Set<string>(Object.values(errorCodes).map((entry) => entry.reason))
const facilitator = new ScriptedFacilitator([network])
facilitator.verifyAnswer = { isValid: false, invalidReason: 'invalid_exact_evm_signature' }
let runs = 0
let client: Client
let server: McpServer

beforeAll(async () => {
  server = new McpServer({ name: 'fuzzed', version: '1.0.0' })
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
  client = new Client({ name: 'fuzzer', version: '1.0.0' })
  await client.connect(clientSide)
})
afterAll(async () => {
  await client?.close()
  await server?.close()
})

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
          const result = (await client.callTool({
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
    expect(runs).toBe(0)
  })
})
