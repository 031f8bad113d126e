/**
 * Goal: every Tollgate paying path sends a payment-identifier id where the server declares the
 * extension (fetch, axios, the MCP payer), so its retries can get the stored answer, and
 * presenting the same payment again gets the same response. Method: the dev stack's example
 * API (HTTP) and a paid MCP tool on a shared store, the real clients, payments captured with
 * `onPayment`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { wrapFetch } from '@tollgate/client'
import { withPayments } from '@tollgate/client/axios'
import { encodePaymentHeader, type PaymentPayload } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import axios from 'axios'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSharedSurfaces } from './support/sharedSurfaces.ts'
import { payerAccount, startTestStack } from './support/stack.ts'

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

const idPattern = /^pay_[0-9a-f]{32}$/
const identifierOf = (payment: PaymentPayload | undefined) =>
  (payment?.extensions?.['payment-identifier'] as { info?: { id?: string } } | undefined)?.info?.id

function payer(onPayment: (payment: PaymentPayload) => void) {
  const { manifest } = stack
  return {
    schemes: [
      exactEvmClient({
        signer: payerAccount(manifest),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
    onPayment,
  }
}

describe('payment-identifier on every paying path', () => {
  it('fetch sends an id, and the same payment presented again gets the same response', async () => {
    let sent: PaymentPayload | undefined
    const pay = wrapFetch(
      fetch,
      payer((payment) => (sent = payment)),
    )
    const url = `${stack.manifest.exampleApiUrl}/weather?city=Oslo`
    const response = await pay(url)
    expect(response.status).toBe(200)
    expect(identifierOf(sent)).toMatch(idPattern)
    const again = await fetch(url, {
      headers: { 'PAYMENT-SIGNATURE': encodePaymentHeader(sent!).value },
    })
    expect(again.status).toBe(200)
    expect(await again.text()).toBe(await response.text())
  })

  it('axios sends an id', async () => {
    let sent: PaymentPayload | undefined
    const client = withPayments(
      axios.create(),
      payer((payment) => (sent = payment)),
    )
    const response = await client.get(`${stack.manifest.exampleApiUrl}/weather`)
    expect(response.status).toBe(200)
    expect(identifierOf(sent)).toMatch(idPattern)
  })

  it('the MCP payer sends an id', async () => {
    let sent: PaymentPayload | undefined
    const { result } = await surfaces.callPaid(payer((payment) => (sent = payment)))
    expect((result as CallToolResult).isError).toBeFalsy()
    expect(identifierOf(sent)).toMatch(idPattern)
  })
})
