/**
 * The economy the demo's agent walks into, all on this machine: the dev stack (chain, facilitator,
 * example API), a small library of pages, the scraper selling them, the research agent buying
 * from the scraper with its own wallet, the LLM gateway, and the tips server.
 */

import { HttpFacilitatorClient } from '@tollgate/core'
import { ANVIL_ACCOUNTS, DEVNET_ROLES, devnetChain, fundDevnet } from '@tollgate/devnet'
import { exactEvmClient, exactEvmServer, uptoEvmServer } from '@tollgate/evm'
import { publishContent, registerAgent, TrustClient } from '@tollgate/trust'
import { createGatewayApp } from '@tollgate-examples/llm-gateway'
import { createResearchApp, type Source } from '@tollgate-examples/research'
import { createScraperApp } from '@tollgate-examples/scraper'
import { type DevStack, type Listening, listen, startDevStack } from 'tollgate'
import { type Address, createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { libraryApp, librarySources } from './library.ts'
import { facilitatorProxy, type Trace } from './trace.ts'

export interface Economy {
  stack: DevStack
  site: Listening
  scraper: Listening
  research: Listening
  gateway: Listening
  /** The research agent's own wallet and ERC-8004 identity. */
  researcher: { account: PrivateKeyAccount; agentId: bigint }
  /** Told of each page the research agent bought, as it settles. */
  onPurchase: {
    listener?: ((purchase: { amount: string; transaction: string }) => void) | undefined
  }
  trust(signer?: PrivateKeyAccount): TrustClient
  stop(): Promise<void>
}

export async function startEconomy(
  trace: Trace,
  progress: (message: string) => void,
): Promise<Economy> {
  const stack = await startDevStack({
    rpcPort: 0,
    facilitatorPort: 0,
    apiPort: 0,
    solanaPort: 0,
    onProgress: progress,
  })
  const closing: Listening[] = []
  try {
    const { manifest } = stack
    const assets = { [manifest.network]: manifest.asset }
    const site = await listen(libraryApp(), 0)
    closing.push(site)
    // The scraper's calls to the facilitator go through a proxy that prints them when traced.
    const proxy = await listen(facilitatorProxy(manifest.facilitatorUrl, trace, 'scraper'), 0)
    closing.push(proxy)
    const scraper = await listen(
      createScraperApp({
        network: manifest.network,
        payTo: manifest.accounts.merchant.address,
        facilitatorUrl: proxy.url,
        schemes: [exactEvmServer({ assets }), uptoEvmServer({ assets })],
        limits: { allowHosts: [new URL(site.url).host] },
      }),
      0,
    )
    closing.push(scraper)
    const trust = (signer?: PrivateKeyAccount) => trustClient(stack, signer)
    const researcher = await fundedResearcher(stack, trust)
    const onPurchase: Economy['onPurchase'] = {}
    const sources: Source[] = librarySources(site.url)
    const research = await listen(
      createResearchApp({
        network: manifest.network,
        payTo: researcher.account.address,
        facilitatorUrl: manifest.facilitatorUrl,
        schemes: [exactEvmServer({ assets })],
        sources,
        scraperUrl: scraper.url,
        wallet: {
          schemes: [exactEvmClient({ signer: researcher.account, assets })],
          maxPaymentUsd: '$0.01',
          onOutcome: (outcome) => {
            if (outcome.state !== 'settled') return
            onPurchase.listener?.({
              amount: outcome.payment.accepted.amount,
              transaction: outcome.receipt?.transaction ?? '',
            })
          },
        },
        agentIdentity: () => ({
          agentId: researcher.agentId.toString(),
          agentRegistry: trust().agentRegistry,
        }),
      }),
      0,
    )
    closing.push(research)
    const gateway = await listen(
      createGatewayApp({
        network: manifest.network,
        payTo: manifest.accounts.merchant.address,
        facilitatorUrl: manifest.facilitatorUrl,
        schemes: [uptoEvmServer({ assets })],
        maxTokensPerRequest: 4096,
      }),
      0,
    )
    closing.push(gateway)
    return {
      stack,
      site,
      scraper,
      research,
      gateway,
      researcher,
      onPurchase,
      trust,
      stop: async () => {
        for (const server of closing.reverse()) await server.close().catch(() => undefined)
        await stack.stop()
      },
    }
  } catch (error) {
    for (const server of closing.reverse()) await server.close().catch(() => undefined)
    await stack.stop()
    throw error
  }
}

function trustClient(stack: DevStack, signer?: PrivateKeyAccount): TrustClient {
  const { manifest } = stack
  const registries = manifest.erc8004
  if (!registries) throw new Error('the dev stack names no ERC-8004 registries')
  const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3 as Address)
  return new TrustClient({
    publicClient: createPublicClient({ chain, transport: http(), pollingInterval: 50 }),
    ...(signer
      ? { walletClient: createWalletClient({ account: signer, chain, transport: http() }) }
      : {}),
    registries,
  })
}

/**
 * The research agent's wallet: a new key with $0.10 of test USDC to buy its first pages with
 * (it earns the rest), gas for its registration, and its ERC-8004 identity.
 */
async function fundedResearcher(
  stack: DevStack,
  trust: (signer?: PrivateKeyAccount) => TrustClient,
): Promise<Economy['researcher']> {
  const { manifest } = stack
  const account = privateKeyToAccount(generatePrivateKey())
  await fundDevnet({
    rpcUrl: manifest.rpcUrl,
    chainId: manifest.chainId,
    deployerPrivateKey: ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey,
    token: manifest.asset.address,
    usdc: [{ address: account.address, amount: 100_000n }],
    eth: [{ address: account.address, amount: parseEther('1') }],
  })
  const { agentId } = await registerAgent(
    trust(account),
    {
      name: 'Tollgate research agent',
      description: 'Research reports with sources, paid per report',
    },
    async (bytes) => (await publishContent(manifest.exampleApiUrl, bytes)).uri,
  )
  return { account, agentId }
}

export const facilitatorOf = (stack: DevStack) =>
  new HttpFacilitatorClient({ url: stack.manifest.facilitatorUrl })
