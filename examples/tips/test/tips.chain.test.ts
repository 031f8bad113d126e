/**
 * The tips example on the dev stack, driven by the official MCP client: a tip by handle reaches
 * the registry's address, a tip to `@weather` reaches the dev merchant's ERC-8004 agent wallet,
 * an unknown handle is answered with the known ones, and a tip beyond the daily budget is refused
 * before anything is signed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { HttpFacilitatorClient } from '@tollgate/core'
import { devnetChain } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { TrustClient } from '@tollgate/trust'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import { type DevStack, rpcClient, startDevStack } from 'tollgate'
import { type Address, createPublicClient, erc20Abi, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTipServer } from '../src/tipServer.ts'

let stack: DevStack
let client: Client
let store: SpendStore
const signed: unknown[] = []
const alice = '0x976EA74026E726554dB657fA54763abd0C3a0aa9'

beforeAll(async () => {
  stack = await startDevStack({ rpcPort: 0, facilitatorPort: 0, apiPort: 0, solanaPort: 0 })
  const { manifest } = stack
  const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3 as Address)
  const account = privateKeyToAccount(manifest.accounts.payer.privateKey)
  const signer = {
    address: account.address,
    signTypedData: (data: Parameters<typeof account.signTypedData>[0]) => {
      signed.push(data)
      return account.signTypedData(data)
    },
  }
  store = await SpendStore.open()
  const server = createTipServer({
    creators: {
      alice: { address: alice, name: 'Alice' },
      weather: { agentId: manifest.erc8004!.merchantAgentId!, name: 'The weather agent' },
    },
    payer: {
      schemes: [
        exactEvmClient({ signer: signer as never, assets: { [manifest.network]: manifest.asset } }),
      ],
      spending: spendingGuard({
        store,
        policy: parseSpendingPolicy({ budgets: [{ limit: '$0.02', per: 'day' }] }),
      }),
    },
    facilitator: new HttpFacilitatorClient({ url: manifest.facilitatorUrl }),
    network: manifest.network,
    asset: manifest.asset,
    trust: new TrustClient({
      publicClient: createPublicClient({ chain, transport: http() }),
      registries: {
        identityRegistry: manifest.erc8004!.identityRegistry as Address,
        reputationRegistry: manifest.erc8004!.reputationRegistry as Address,
      },
    }),
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  client = new Client({ name: 'agent', version: '1.0.0' })
  await client.connect(clientSide)
})
afterAll(async () => {
  await client?.close()
  await store?.close()
  await stack?.stop()
})

const balanceOf = (owner: string) =>
  rpcClient(stack.manifest.rpcUrl).readContract({
    address: stack.manifest.asset.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner as Address],
  })

const tip = async (args: Record<string, unknown>) =>
  (await client.callTool({ name: 'tip', arguments: args })) as CallToolResult

const text = (result: CallToolResult) =>
  result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n')

describe('tips over MCP', () => {
  it('lists the creators', async () => {
    const result = (await client.callTool({ name: 'creators', arguments: {} })) as CallToolResult
    expect(text(result)).toContain('@alice: Alice')
    expect(result.structuredContent).toMatchObject({
      creators: [
        { handle: '@alice' },
        { handle: '@weather', via: expect.stringMatching(/^ERC-8004 agent \d+$/) },
      ],
    })
  })

  it('tips a handle from the registry', async () => {
    const before = await balanceOf(alice)
    const result = await tip({ handle: '@alice', amount: '0.01', note: 'for the tide tables' })
    expect(result.isError).toBeFalsy()
    expect(text(result)).toMatch(
      /^Tipped @alice \(0x976EA74026E726554dB657fA54763abd0C3a0aa9\) 0\.01 USDC: tx 0x[0-9a-f]{64}$/,
    )
    expect((await balanceOf(alice)) - before).toBe(10_000n)
  })

  it('tips an ERC-8004 agent at its agent wallet', async () => {
    const merchant = stack.manifest.accounts.merchant.address
    const before = await balanceOf(merchant)
    const result = await tip({ handle: 'weather', amount: '0.005' })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({
      address: merchant,
      agentId: stack.manifest.erc8004!.merchantAgentId,
    })
    expect((await balanceOf(merchant)) - before).toBe(5_000n)
  })

  it('names the known handles for an unknown one', async () => {
    const result = await tip({ handle: '@carol', amount: '0.01' })
    expect(result.isError).toBe(true)
    expect(text(result)).toBe('no creator @carol; known: @alice, @weather')
  })

  it('refuses a tip beyond the daily budget before signing', async () => {
    const before = signed.length
    const result = await tip({ handle: '@alice', amount: '0.01' })
    expect(result.isError).toBe(true)
    expect(text(result)).toMatch(/budget/)
    expect(signed.length).toBe(before)
  })
})
