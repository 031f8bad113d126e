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
