import { a2aService, type Erc8004Identity } from '@tollgate/a2a'
import { devnetChain } from '@tollgate/devnet'
import { publishContent, type Registries, registerAgent, TrustClient } from '@tollgate/trust'
import { type Address, createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

export interface ExampleAgentOptions {
  rpcUrl: string
  chainId: number
  multicall3: Address
  registries: Registries
  merchantKey: Hex
  /** The example API, which serves the agent and the content store. */
  apiUrl: string
}

/**
 * Registers the example merchant in ERC-8004 on the devnet, with a registration file on the
 * example API's content store that lists where it sells: its A2A agent's card, its MCP server and
 * its paid HTTP API. The agent's card names this identity back, and the facilitator's catalogue
 * lists the agent once it is paid, so each of the three leads to the others.
 */
export async function registerExampleAgent(options: ExampleAgentOptions): Promise<Erc8004Identity> {
  const chain = devnetChain(options.chainId, options.rpcUrl, options.multicall3)
  const account = privateKeyToAccount(options.merchantKey)
  const trust = new TrustClient({
    publicClient: createPublicClient({ chain, transport: http(), pollingInterval: 100 }),
    walletClient: createWalletClient({ account, chain, transport: http() }),
    registries: options.registries,
  })
  const registered = await registerAgent(
    trust,
    {
      name: 'Tollgate weather agent',
      description:
        'The dev stack’s example merchant: weather over HTTP, MCP and A2A, paid with x402.',
      services: [
        a2aService(`${options.apiUrl}/a2a/.well-known/agent-card.json`),
        { name: 'MCP', endpoint: `${options.apiUrl}/mcp`, version: '2025-11-25' },
      ],
      x402Endpoint: `${options.apiUrl}/weather`,
    },
    async (bytes) => (await publishContent(options.apiUrl, bytes)).uri,
  )
  return {
    agentId: registered.agentId.toString(),
    agentRegistry: trust.agentRegistry,
    agentURI: registered.agentURI,
  }
}
