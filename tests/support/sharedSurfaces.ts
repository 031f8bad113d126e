import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { type PayerOptions, preparePayment } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  encodePaymentHeader,
  type PaymentPayload,
} from '@tollgate/core'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { callPaidTool, mcpPaymentMetaKey, paidTools } from '@tollgate/mcp'
import { FolderResponseStore } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import type { DevStack } from 'tollgate'
import { payerAccount } from './stack.ts'

/** What a presentation got back, in a form two answers compare by. */
export interface Answer {
  surface: 'a' | 'b' | 'tool'
  ok: boolean
  status: number
  /** The HTTP body and receipt header, or the tool result as JSON. */
  bytes: string
}

/**
 * One thing sold on three surfaces sharing one folder store: `GET /report` on two instances
 * (two gates, two store handles on the folder) and a paid MCP tool `report`, all at the same
 * price. Every run of a handler or the tool is counted.
 */
export async function startSharedSurfaces(stack: DevStack) {
  const { manifest } = stack
  const folder = await mkdtemp(join(tmpdir(), 'tollgate-surfaces-'))
  const runs = { count: 0 }
  const schemes = [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })]
  const option = {
    price: '$0.001',
    network: manifest.network,
    payTo: manifest.accounts.merchant.address,
  }
  const instance = () => {
    const app = new Hono()
    app.use(
      paymentMiddleware({
        routes: { 'GET /report': option },
        facilitator: { url: manifest.facilitatorUrl },
        schemes,
        store: new FolderResponseStore({ folder }),
      }),
    )
    app.get('/report', (c) => {
      runs.count++
      return c.json({ report: crypto.randomUUID() })
    })
    return app
  }
  const apps = { a: instance(), b: instance() }
  const server = new McpServer({ name: 'reports', version: '1.0.0' })
  paidTools({
    facilitator: { url: manifest.facilitatorUrl },
    schemes,
    network: option.network,
    payTo: option.payTo,
    store: new FolderResponseStore({ folder }),
  }).registerTool(server, 'report', { description: 'A report' }, { price: '$0.001' }, async () => {
    runs.count++
    return { content: [{ type: 'text', text: `report ${crypto.randomUUID()}` }] }
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: 'buyer', version: '1.0.0' })
  await client.connect(clientSide)

  return {
    runs,
    /** A new signed payment for the route (and so the tool), with a payment-identifier id. */
    async sign(): Promise<PaymentPayload> {
      const unpaid = await apps.a.request('http://shop.test/report')
      const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
      const prepared = await preparePayment(required, 'http://shop.test/report', {
        schemes: [
          exactEvmClient({
            signer: payerAccount(manifest),
            assets: { [manifest.network]: manifest.asset },
          }),
        ],
      })
      return prepared.payment
    },
    async present(surface: Answer['surface'], payment: PaymentPayload): Promise<Answer> {
      if (surface === 'tool') {
        const result = (await client.callTool({
          name: 'report',
          arguments: {},
          _meta: { [mcpPaymentMetaKey]: payment },
        })) as CallToolResult
        return { surface, ok: !result.isError, status: 0, bytes: JSON.stringify(result) }
      }
      const response = await apps[surface].request('http://shop.test/report', {
        headers: { 'PAYMENT-SIGNATURE': encodePaymentHeader(payment).value },
      })
      const receipt = response.headers.get('PAYMENT-RESPONSE') ?? ''
      return {
        surface,
        ok: response.status === 200,
        status: response.status,
        bytes: `${receipt}\n${await response.text()}`,
      }
    },
    /** Calls the tool as an agent does: asked to pay, pays within `options`, calls again. */
    callPaid(options: PayerOptions) {
      return callPaidTool(client, { name: 'report', arguments: {} }, options)
    },
    async close() {
      await client.close()
      await server.close()
      await rm(folder, { recursive: true, force: true })
    },
  }
}
