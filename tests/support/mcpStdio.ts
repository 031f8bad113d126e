import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { cliPath } from './cli.ts'

/**
 * What an MCP client writes first to a stdio server, all at once as clients do: initialize, the
 * initialized notification, then `tools/list` (id 2), one JSON-RPC message per line.
 */
export const toolsListId = 2

export function toolsListHandshake(clientName: string): string {
  return [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: clientName, version: '1' },
      },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: toolsListId, method: 'tools/list' },
  ]
    .map((message) => `${JSON.stringify(message)}\n`)
    .join('')
}

/**
 * `tollgate mcp <flags>` started the way an MCP client's configuration starts it (stdio), with
 * `env` over this process's, and the official client connected to it.
 */
export async function connectWalletOverStdio(
  flags: string[],
  env: Record<string, string>,
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'mcp', ...flags],
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1', ...env },
    stderr: 'pipe',
  })
  const client = new Client({ name: 'test-agent', version: '1.0.0' })
  await client.connect(transport)
  return client
}
