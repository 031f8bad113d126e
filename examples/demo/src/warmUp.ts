import { readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS, DEVNET_ROLES, fundDevnet } from '@tollgate/devnet'
import { exactEvmClient, permit2ApprovalCall, rpcClient, uptoEvmClient } from '@tollgate/evm'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Economy } from './economy.ts'

/**
 * The market's history before the agent arrives: another buyer uses the scraper, the research
 * agent and the gateway once each. A facilitator catalogues what it has seen settled (the x402
 * `bazaar`), so these are what the agent will find.
 */
export async function warmUp(economy: Economy): Promise<number> {
  const { manifest } = economy.stack
  const buyer = privateKeyToAccount(ANVIL_ACCOUNTS[6]!.privateKey)
  if (buyer.address === ANVIL_ACCOUNTS[DEVNET_ROLES.payer].address)
    throw new Error('pick another buyer')
  await fundDevnet({
    rpcUrl: manifest.rpcUrl,
    chainId: manifest.chainId,
    deployerPrivateKey: ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey,
    token: manifest.asset.address,
    usdc: [{ address: buyer.address, amount: 1_000_000n }],
  })
  // `upto` is paid through Permit2: the buyer approves it once, as any wallet would.
  const approval = await createWalletClient({
    account: buyer,
    transport: http(manifest.rpcUrl),
  }).sendTransaction({
    ...permit2ApprovalCall(manifest.asset.address),
    chain: null,
  })
  await rpcClient(manifest.rpcUrl).waitForTransactionReceipt({ hash: approval })
  const assets = { [manifest.network]: manifest.asset }
  const pay = wrapFetch(fetch, {
    schemes: [exactEvmClient({ signer: buyer, assets }), uptoEvmClient({ signer: buyer, assets })],
  })
  const post = (url: string, body: unknown) =>
    pay(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const answers = await Promise.all([
    post(`${economy.scraper.url}/scrape`, { url: `${economy.site.url}/stablecoins` }),
    post(`${economy.research.url}/research`, { question: 'Why do agents pay in stablecoins?' }),
    post(`${economy.gateway.url}/v1/chat/completions`, {
      model: 'tollgate-local-extractive',
      max_tokens: 40,
      messages: [{ role: 'user', content: 'What is a facilitator?' }],
    }),
  ])
  for (const answer of answers) {
    if (answer.status !== 200 || !readReceipt(answer)?.success)
      throw new Error(
        `the market's first sale failed: ${answer.url} answered ${answer.status} ${await answer.text()}`,
      )
  }
  // The catalogue is written after the answers go out: wait until it lists all three.
  const deadline = Date.now() + 10_000
  for (;;) {
    const listed = (await (
      await fetch(`${manifest.facilitatorUrl}/discovery/resources?limit=20`)
    ).json()) as { items: unknown[] }
    if (listed.items.length >= answers.length) return answers.length
    if (Date.now() > deadline)
      throw new Error(`the catalogue lists ${listed.items.length} services, not ${answers.length}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
