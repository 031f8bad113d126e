import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { ResponseStore } from '@tollgate/core'
import { type PaidTools, paidTools, serveStatelessMcp } from '@tollgate/mcp'
import type { Hono } from 'hono'
import { z } from 'zod'
import type { ExampleApiOptions } from './exampleApi.ts'

/**
 * The demo's paid MCP server at `/mcp` (streamable HTTP): the `forecast` tool costs the same as
 * `/weather`, through the same facilitator, and is catalogued the same way.
 */
export function mountExampleMcp(
  app: Hono,
  options: ExampleApiOptions,
  weatherFor: (city: string) => Record<string, unknown>,
  store: ResponseStore,
): void {
  let tools: PaidTools | undefined
  app.all('/mcp', async (c) => {
    // The payment's resource is this endpoint's URL, known from the first request.
    tools ??= paidTools({
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      network: options.network,
      payTo: options.payTo,
      serverUrl: new URL('/mcp', c.req.url).href,
      store,
    })
    const server = new McpServer({ name: 'tollgate-example', version: '0.1.0' })
    tools.registerTool(
      server,
      'forecast',
      {
        description: 'Current weather for a city',
        inputSchema: { city: z.string().describe('City name') },
      },
      {
        price: options.price ?? '$0.001',
        discovery: { example: { city: 'Lisbon' }, output: { example: weatherFor('Lisbon') } },
      },
      async ({ city }) => {
        const weather = weatherFor(city)
        return { content: [{ type: 'text', text: JSON.stringify(weather) }] }
      },
    )
    // Stateless: a server per request; the paid tools' state outlives it.
    return serveStatelessMcp(server, c.req.raw)
  })
}
