/**
 * Goal: a paid tool call retried with the same payment (its answer lost) gets the stored tool
 * result, with the same receipt, and the tool does not run again; a copy of the payment without
 * its id gets a payment request saying the payment is in use, and a payment used for a tool
 * buys nothing on the HTTP route sharing its store. Method: the dev stack, a paid MCP tool and
 * two HTTP instances on one folder store, the official MCP client over the SDK's transport.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { readPaymentRequired, readPaymentResponse } from '@tollgate/mcp'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSharedSurfaces } from './support/sharedSurfaces.ts'
import { startTestStack, transferCount } from './support/stack.ts'

let stack: DevStack
let surfaces: Awaited<ReturnType<typeof startSharedSurfaces>>

beforeAll(async () => {
  stack = await startTestStack()
  surfaces = await startSharedSurfaces(stack)
})
afterAll(async () => {
  await surfaces?.close()
  await stack?.stop()
})

describe('stored tool results', () => {
  it('replays a retried tool call, refuses a copy without its id and the route', async () => {
    const { manifest } = stack
    const payer = manifest.accounts.payer.address
    const merchant = manifest.accounts.merchant.address
    const debitsBefore = await transferCount(manifest, payer, merchant)
    const payment = await surfaces.sign()
    const first = await surfaces.present('tool', payment)
    expect(first.ok).toBe(true)
    const result = JSON.parse(first.bytes) as CallToolResult
    expect(readPaymentResponse(result)).toMatchObject({ success: true })
    const again = await surfaces.present('tool', payment)
    expect(again.bytes).toBe(first.bytes)
    expect(surfaces.runs.count).toBe(1)

    const { extensions: _, ...bare } = payment
    const copy = JSON.parse((await surfaces.present('tool', bare)).bytes) as CallToolResult
    expect(copy.isError).toBe(true)
    expect(readPaymentRequired(copy)?.error).toBe('payment_already_in_use')
    const route = await surfaces.present('b', payment)
    expect(route.status).toBe(402)
    expect(route.bytes).toContain('payment_already_in_use')
    expect(surfaces.runs.count).toBe(1)
    expect(await transferCount(manifest, payer, merchant)).toBe(debitsBefore + 1)
  })
})
