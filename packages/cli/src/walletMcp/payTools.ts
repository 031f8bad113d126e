import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { type PaymentOutcome, wrapFetch } from '@tollgate/client'
import { callPaidTool } from '@tollgate/mcp'
import { z } from 'zod'
import { explainedFetch } from '../ui.ts'
import { bodyLengthMax, type WalletMcpContext } from './context.ts'
import { answer, describePayment, messageOf, paymentFacts, refusal } from './toolResults.ts'

export function registerPayTools(server: McpServer, context: WalletMcpContext): void {
  const { wallet } = context
  server.registerTool(
    'fetch',
    {
      title: 'Fetch a URL, paying if asked',
      description:
        'Fetches a URL. When the server asks for an x402 payment (HTTP 402), pays it from the wallet within the owner’s spending policy and returns the body with the receipt. A payment the policy does not allow is refused before anything is signed.',
      inputSchema: {
        url: z.url().describe('The http(s) URL to fetch'),
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
        headers: z.record(z.string(), z.string()).optional().describe('Request headers'),
        body: z.string().optional().describe('Request body, for POST, PUT and PATCH'),
      },
    },
    async ({ url, method, headers, body }) => {
      let outcome: PaymentOutcome | undefined
      const pay = wrapFetch(
        explainedFetch(context.fetch ?? fetch),
        wallet.payer({
          onOutcome: (finished) => {
            outcome = finished
          },
        }),
      )
      let response: Response
      try {
        response = await pay(url, {
          method,
          ...(headers ? { headers } : {}),
          ...(body === undefined ? {} : { body }),
        })
      } catch (error) {
        const payment = paymentFacts(outcome, wallet.schemes)
        return refusal(messageOf(error), payment ? { payment } : {})
      }
      const text = await response.text()
      const truncated = text.length > bodyLengthMax
      const payment = paymentFacts(outcome, wallet.schemes)
      const structured = {
        url,
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: truncated ? text.slice(0, bodyLengthMax) : text,
        ...(truncated ? { truncated: true, length: text.length } : {}),
        ...(payment ? { payment } : {}),
      }
      const summary = `HTTP ${response.status}. ${describePayment(payment)}`
      const result = answer(`${summary}\n\n${structured.body}`, structured)
      return response.ok ? result : { ...result, isError: true }
    },
  )

  server.registerTool(
    'call_paid_tool',
    {
      title: 'Call a tool on a paid MCP server',
      description:
        'Calls a tool on another MCP server (streamable HTTP). When the tool asks for an x402 payment, pays it within the owner’s spending policy and calls again with the payment; returns the tool’s result and the receipt.',
      inputSchema: {
        server: z.url().describe('The MCP server’s streamable HTTP endpoint, e.g. https://…/mcp'),
        tool: z.string().min(1).describe('The tool’s name'),
        arguments: z.record(z.string(), z.unknown()).default({}).describe('The tool’s arguments'),
      },
    },
    async ({ server: serverUrl, tool, arguments: args }) => {
      const client = new Client({ name: 'tollgate-wallet', version: '0.1.0' })
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl)))
      } catch (error) {
        return refusal(`cannot reach the MCP server at ${serverUrl}: ${messageOf(error)}`)
      }
      let outcome: PaymentOutcome | undefined
      try {
        const paid = await callPaidTool(
          client,
          { name: tool, arguments: args },
          wallet.payer({
            onOutcome: (finished) => {
              outcome = finished
            },
          }),
        )
        const payment = paymentFacts(paid.outcome, wallet.schemes)
        return {
          ...paid.result,
          content: [
            ...(paid.result.content ?? []),
            { type: 'text', text: describePayment(payment) },
          ],
          ...(payment ? { _meta: { ...paid.result._meta, 'tollgate/payment': payment } } : {}),
        }
      } catch (error) {
        const payment = paymentFacts(outcome, wallet.schemes)
        return refusal(messageOf(error), payment ? { payment } : {})
      } finally {
        await client.close()
      }
    },
  )
}
