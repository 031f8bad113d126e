/**
 * Discovery of a paid agent, starting from each of the three places it is listed: the dev stack's
 * merchant agent is registered in ERC-8004 with a registration file naming its card; its card
 * names the ERC-8004 identity back; once paid, the facilitator's catalogue lists it (the `bazaar`
 * declaration of its payment request), from which the card is one well-known path away.
 */
import { cardIdentity, connectAgent, declaresX402, hireAgent } from '@tollgate/a2a'
import { devnetChain } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { TrustClient } from '@tollgate/trust'
import type { DevStack } from 'tollgate'
import { createPublicClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payerAccount, startTestStack } from './support/stack.ts'

let stack: DevStack
let agentUrl: string
let cardUrl: string

beforeAll(async () => {
  stack = await startTestStack()
  agentUrl = `${stack.manifest.exampleApiUrl}/a2a/`
  cardUrl = `${agentUrl}.well-known/agent-card.json`
})
afterAll(() => stack?.stop())

function trust(): TrustClient {
  const { manifest } = stack
  const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3 as `0x${string}`)
  return new TrustClient({
    publicClient: createPublicClient({ chain, transport: http() }),
    registries: {
      identityRegistry: manifest.erc8004!.identityRegistry as `0x${string}`,
      reputationRegistry: manifest.erc8004!.reputationRegistry as `0x${string}`,
    },
  })
}

describe('a paid agent found in one place is found in all', () => {
  it('the card names its ERC-8004 identity, whose registration lists the card', async () => {
    const card = await (await fetch(cardUrl)).json()
    expect(declaresX402(card)).toBe(true)
    const identity = cardIdentity(card)
    expect(identity).toMatchObject({ agentId: stack.manifest.erc8004!.merchantAgentId })
    const client = trust()
    expect(identity?.agentRegistry).toBe(client.agentRegistry)
    const registration = await client.registration(BigInt(identity!.agentId))
    expect(registration.services).toContainEqual(
      expect.objectContaining({ name: 'A2A', endpoint: cardUrl }),
    )
    expect(registration.registrations).toContainEqual({
      agentId: Number(identity!.agentId),
      agentRegistry: client.agentRegistry,
    })
    expect(registration.x402Support).toBe(true)
  })

  it('once paid, the catalogue lists the agent, and its entry leads to the card', async () => {
    const { manifest } = stack
    const hired = await hireAgent(await connectAgent(agentUrl), 'What is the weather in Oslo?', {
      schemes: [
        exactEvmClient({
          signer: payerAccount(manifest),
          assets: { [manifest.network]: manifest.asset },
        }),
      ],
    })
    expect(hired.outcome?.state).toBe('settled')
    let items: {
      resource: string
      description?: string
      extensions?: { bazaar?: { info?: { input?: { body?: { method?: string } } } } }
    }[] = []
    for (let tries = 0; tries < 40 && !items.some((item) => item.resource === agentUrl); tries++) {
      items = (
        await (await fetch(`${manifest.facilitatorUrl}/discovery/resources?limit=100`)).json()
      ).items
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const listed = items.find((item) => item.resource === agentUrl)
    expect(listed).toMatchObject({ type: 'http', description: 'A weather report for one city' })
    expect(listed?.extensions?.bazaar?.info?.input?.body?.method).toBe('message/send')
    // From the catalogue entry to the card, by the path A2A gives it.
    const card = await (
      await fetch(new URL('.well-known/agent-card.json', listed!.resource))
    ).json()
    expect(cardIdentity(card)?.agentId).toBe(manifest.erc8004!.merchantAgentId)
  })
})
