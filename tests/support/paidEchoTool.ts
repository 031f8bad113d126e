import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { FacilitatorClient } from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { paidTools } from '@tollgate/mcp'
import { MemoryResponseStore } from '@tollgate/server'

export const echoNetwork = 'eip155:31337'

/**
 * A paid MCP tool `echo` ($0.001 on the local chain's id, the devnet token's address) on an
 * in-memory MCP server, with a client connected and payment records of its own, for tests that
 * attack its payment surface.
 */
export async function startPaidEcho(facilitator: FacilitatorClient) {
  let runs = 0
  const server = new McpServer({ name: 'paid-echo', version: '1.0.0' })
  const asset = {
    address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    name: 'USDC',
    version: '2',
    decimals: 6,
  } as const
  paidTools({
    facilitator,
    schemes: [exactEvmServer({ assets: { [echoNetwork]: asset } })],
    network: echoNetwork,
    payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    // Its own records: the tests' payments repeat their nonces from run to run and file to file,
    // so the default folder in the machine's temporary directory would mix them up.
    store: new MemoryResponseStore(),
  }).registerTool(server, 'echo', { description: 'Echoes' }, { price: '$0.001' }, async () => {
    runs++
    return { content: [{ type: 'text', text: 'ran' }] }
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: 'attacker', version: '1.0.0' })
  await client.connect(clientSide)
  return {
    client,
    /** How often the tool ran, and resets the count. */
    takeRuns() {
      const counted = runs
      runs = 0
      return counted
    },
    async close() {
      await client.close()
      await server.close()
    },
  }
}
