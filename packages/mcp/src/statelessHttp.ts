import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'

/**
 * Answers one streamable-HTTP request with a server made for it, closed after the answer: no
 * session to keep, so any instance can serve any request. Paid tools keep their state (payments,
 * stored results) outside the server, in `paidTools`, so nothing is lost between requests.
 */
export async function serveStatelessMcp(
  server: McpServer,
  request: Request,
  options: WebStandardStreamableHTTPServerTransportOptions = {},
): Promise<Response> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    enableJsonResponse: true,
    ...options,
  })
  await server.connect(transport)
  try {
    return await transport.handleRequest(request)
  } finally {
    await server.close()
  }
}
