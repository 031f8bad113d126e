/**
 * The story the demo tells: one agent with a $1 budget finds services in the facilitator's
 * catalogue, pays its first one step by step, hires the research agent over A2A (which pays the
 * scraper page by page), asks the LLM gateway (charged the tokens used), tips the report's
 * author over MCP, and is served first on credit once its reputation allows.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { connectAgent, hireAgent } from '@tollgate/a2a'
import { type PayerOptions, readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS, DEVNET_ROLES } from '@tollgate/devnet'
import { exactEvmClient, uptoEvmClient } from '@tollgate/evm'
import { agentIdentity, proofOfPayment, publishContent, registerAgent } from '@tollgate/trust'
import {
  parseSpendingPolicy,
  paymentPolicyOf,
  type SpendStore,
  spendingGuard,
} from '@tollgate/wallet'
import { createTipServer } from '@tollgate-examples/tips'
import { rpcClient } from 'tollgate'
import { type Address, erc20Abi } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type Economy, facilitatorOf } from './economy.ts'
import { bold, dim, heading, line, short, usd } from './print.ts'
import { type Trace, tracingFetch } from './trace.ts'

/** One payment the agent made, as the closing table lists it. */
export interface Paid {
  service: string
  what: string
  amount: bigint
  proof: string
}

export const question = 'How does an AI agent pay for an API with x402?'

export interface Story {
  paid: Paid[]
  /** What left the agent's wallet on chain, and what its spending store recorded. */
  spent: bigint
  recorded: bigint
  /** What the research agent paid the scraper for each page of the report. */
  bought: bigint[]
}

export async function tellStory(economy: Economy, trace: Trace, store: SpendStore): Promise<Story> {
  const { manifest } = economy.stack
  const assets = { [manifest.network]: manifest.asset }
  const signer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  const policy = parseSpendingPolicy({ maxPayment: '$0.10', budgets: [{ limit: '$1' }] })
  const paid: Paid[] = []
  /** The pages the research agent bought for the agent's report, from its own wallet. */
  const bought: bigint[] = []
  const wallet: PayerOptions = {
    ...paymentPolicyOf(policy),
    schemes: [exactEvmClient({ signer, assets }), uptoEvmClient({ signer, assets })],
    spending: spendingGuard({ store, policy }),
    onPayment: (payment) => {
      if (!trace.on) return
      line(
        `   ${bold('choose')} ${payment.accepted.scheme} on ${payment.accepted.network}, ${usd(payment.accepted.amount)}: within the policy (at most $0.10 a payment, a $1 budget)`,
      )
      line(`   ${bold('sign')}   an EIP-3009 authorization with the agent's key, nothing sent yet`)
    },
  }
  const balanceBefore = await balanceOf(economy, signer.address)
  line(`The agent is ${signer.address}: a $1.00 budget, at most $0.10 a payment.`)

  heading(1, 'Discover: what the facilitator has seen paid')
  const found = await discover(economy)
  for (const entry of found) line(`   ${entry}`)

  heading(2, 'The first payment, every step (the scraper, one page)')
  trace.on = true
  const pay = wrapFetch(tracingFetch(trace), wallet)
  const first = await pay(`${economy.scraper.url}/scrape`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${economy.site.url}/http-402` }),
  })
  trace.on = false
  const page = (await first.json()) as { title?: string; markdown?: string }
  const firstReceipt = readReceipt(first)
  if (first.status !== 200 || !firstReceipt?.success)
    throw new Error(`the scraper answered ${first.status}`)
  line(
    `   ${bold('release')} the page as Markdown, ${page.markdown?.length ?? 0} characters: "${page.title}"`,
  )
  paid.push({
    service: 'scraper',
    what: 'one page',
    amount: 2000n,
    proof: firstReceipt.transaction,
  })

  heading(3, 'Hire the research agent over A2A')
  const agent = await connectAgent(`${economy.research.url}/a2a/`)
  const card = await agent.getAgentCard()
  line(`   found ${card.name}: ${card.description}`)
  line(`   asks: "${question}"`)
  economy.onPurchase.listener = (purchase) => {
    bought.push(BigInt(purchase.amount))
    line(
      `   ${dim('research agent → scraper:')} ${usd(purchase.amount)} for a page, tx ${short(purchase.transaction)} ${dim('(its own wallet)')}`,
    )
  }
  const hired = await hireAgent(agent, question, wallet)
  economy.onPurchase.listener = undefined
  if (!hired.receipt?.success)
    throw new Error(
      `the research task ended without a settled payment: ${hired.text.slice(0, 200)}`,
    )
  const sections = reportSections(hired.text)
  line(`   the task completed, paid in tx ${short(hired.receipt.transaction)}; the report:`)
  for (const section of sections)
    line(`     ${bold(section.heading)} ${dim(section.first.slice(0, 100))}`)
  paid.push({
    service: 'research agent (A2A)',
    what: 'one report',
    amount: 20_000n,
    proof: hired.receipt.transaction,
  })

  heading(4, 'Ask the LLM gateway, charged the tokens used')
  const models = (await (await fetch(`${economy.gateway.url}/v1/models`)).json()) as {
    data: { id: string }[]
  }
  const model = models.data[0]?.id ?? 'local'
  let authorized = '0'
  const chat = await wrapFetch(fetch, {
    ...wallet,
    onPayment: (payment) => {
      authorized = payment.accepted.amount
    },
  })(`${economy.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      max_tokens: 120,
      messages: [
        {
          role: 'user',
          content: `In two sentences: ${question} ${sections[0]?.first ?? ''}`,
        },
      ],
    }),
  })
  const completion = (await chat.json()) as {
    choices?: { message?: { content?: string } }[]
    usage?: { prompt_tokens: number; completion_tokens: number }
  }
  const chatReceipt = readReceipt(chat)
  if (chat.status !== 200 || !chatReceipt?.success)
    throw new Error(`the gateway answered ${chat.status}`)
  const charged = BigInt(chatReceipt.amount ?? '0')
  line(
    `   model ${model} (a local extractive model: it answers with sentences of its own documents)`,
  )
  line(
    `   ${completion.usage?.prompt_tokens} prompt + ${completion.usage?.completion_tokens} completion tokens: authorized ${usd(authorized)}, charged ${usd(charged)} (upto), tx ${short(chatReceipt.transaction)}`,
  )
  line(`   "${(completion.choices?.[0]?.message?.content ?? '').slice(0, 160)}…"`)
  paid.push({
    service: 'LLM gateway',
    what: 'tokens used',
    amount: charged,
    proof: chatReceipt.transaction,
  })

  heading(5, "Tip the report's author over MCP")
  const tip = await tipOverMcp(economy, wallet)
  line(`   ${tip.text}`)
  paid.push({
    service: 'tip to @research (MCP)',
    what: 'a tip',
    amount: 50_000n,
    proof: tip.transaction,
  })

  heading(6, 'Served first on credit, where its reputation allows')
  const credited = await payOnCredit(economy, wallet, firstReceipt.transaction)
  for (const said of credited.lines) line(`   ${said}`)
  paid.push({
    service: 'example API /report',
    what: 'on credit, settled after',
    amount: credited.amount,
    proof: credited.proof,
  })

  const spent = balanceBefore - (await balanceOf(economy, signer.address))
  const recorded = await store.spent(policy.budgets[0]!)
  return { paid, spent, recorded, bought }
}

/** The report's sections, from its Markdown: each heading and its first line. */
function reportSections(markdown: string): { heading: string; first: string }[] {
  const blocks = markdown.split(/^## /m).slice(1)
  return blocks.map((block) => {
    const [heading = '', ...rest] = block.split('\n')
    return {
      heading: `## ${heading.trim()}`,
      first: rest.find((text) => text.trim())?.trim() ?? '',
    }
  })
}

async function balanceOf(economy: Economy, owner: string): Promise<bigint> {
  const { manifest } = economy.stack
  return rpcClient(manifest.rpcUrl).readContract({
    address: manifest.asset.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner as Address],
  })
}

/** The facilitator's catalogue (the x402 `bazaar`), as the agent reads it. */
async function discover(economy: Economy): Promise<string[]> {
  const url = `${economy.stack.manifest.facilitatorUrl}/discovery/resources?limit=20`
  const { items, resources } = (await (await fetch(url)).json()) as {
    items?: {
      resource: string
      accepts: { scheme: string; amount: string }[]
      description?: string
    }[]
    resources?: {
      resource: string
      accepts: { scheme: string; amount: string }[]
      description?: string
    }[]
  }
  const listed = items ?? resources ?? []
  return [
    `GET ${url}: ${listed.length} services`,
    ...listed.map((entry) => {
      const option = entry.accepts[0]
      return `${dim('·')} ${entry.resource.padEnd(48)} ${(option?.scheme === 'upto' ? 'upto, per use' : `${option?.scheme} ${usd(option?.amount ?? '0')}`).padEnd(16)} ${dim((entry.description ?? '').slice(0, 60))}`
    }),
  ]
}

async function tipOverMcp(
  economy: Economy,
  wallet: PayerOptions,
): Promise<{ text: string; transaction: string }> {
  const { manifest } = economy.stack
  const server = createTipServer({
    creators: {
      research: { agentId: economy.researcher.agentId.toString(), name: 'the research agent' },
    },
    payer: wallet,
    facilitator: facilitatorOf(economy.stack),
    network: manifest.network,
    asset: manifest.asset,
    trust: economy.trust(),
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: 'demo-agent', version: '1.0.0' })
  await client.connect(clientSide)
  try {
    const result = await client.callTool({
      name: 'tip',
      arguments: { handle: '@research', amount: '0.05', note: 'for the report' },
    })
    const content = result.structuredContent as { transaction?: string; error?: string } | undefined
    if (result.isError || !content?.transaction)
      throw new Error(`the tip failed: ${content?.error}`)
    const text = (result.content as { text: string }[])[0]?.text ?? ''
    return {
      text: `tools/call tip {"handle":"@research","amount":"0.05"} → ${text.replace(/tx (0x[0-9a-f]+)/, (_all, hash: string) => `tx ${short(hash)}`)}`,
      transaction: content.transaction,
    }
  } finally {
    await client.close()
    await server.close()
  }
}

/**
 * The agent registers an ERC-8004 identity; the merchant rates it on the first payment it
 * received from it; the example API's `GET /report` then serves it before its payment settles.
 */
async function payOnCredit(
  economy: Economy,
  wallet: PayerOptions,
  firstPayment: string,
): Promise<{ lines: string[]; amount: bigint; proof: string }> {
  const { manifest } = economy.stack
  const signer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  const merchant = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.merchant].privateKey)
  const publish = async (bytes: Uint8Array) =>
    (await publishContent(manifest.exampleApiUrl, bytes)).uri
  const { agentId } = await registerAgent(
    economy.trust(signer),
    { name: 'demo agent', description: 'The demo’s buying agent' },
    publish,
  )
  await economy.trust(merchant).giveFeedback({
    agentId,
    value: 95,
    tag1: 'x402',
    file: {
      proofOfPayment: proofOfPayment({
        payer: signer.address,
        payTo: merchant.address,
        chainId: manifest.chainId,
        transaction: firstPayment as `0x${string}`,
      }),
    },
    publish,
  })
  const reputation = await economy.trust().reputation(agentId, { reviewers: [merchant.address] })
  const lines = [
    `registered as ERC-8004 agent ${agentId}; the merchant rated it ${reputation.value} (on the first payment, tx ${short(firstPayment)})`,
  ]
  let amount = 0n
  const since = Date.now()
  const pay = wrapFetch(fetch, {
    ...wallet,
    identify: agentIdentity({ signer, agentRegistry: economy.trust().agentRegistry, agentId }),
    onPayment: (payment) => {
      amount = BigInt(payment.accepted.amount)
    },
  })
  const response = await pay(`${manifest.exampleApiUrl}/report`)
  const receipt = readReceipt(response)
  if (response.status !== 200) throw new Error(`GET /report answered ${response.status}`)
  const onCredit = receipt?.transaction === ''
  lines.push(
    onCredit
      ? `GET /report → 200 at once, before settlement (reputation ${reputation.value} ≥ 80): the receipt's transaction is "" for now`
      : `GET /report → 200, paid first (not on credit): tx ${short(receipt?.transaction ?? '')}`,
  )
  if (!onCredit) return { lines, amount, proof: receipt?.transaction ?? '' }
  const settled = await settlementOf(economy, signer.address, amount, since)
  lines.push(
    `settled in the background ${settled.afterMs} ms later, tx ${short(settled.transaction)}`,
  )
  return { lines, amount, proof: settled.transaction }
}

/** Waits for the facilitator's ledger to show the credited payment settled. */
async function settlementOf(
  economy: Economy,
  payer: string,
  amount: bigint,
  since: number,
): Promise<{ transaction: string; afterMs: number }> {
  const url = `${economy.stack.manifest.facilitatorUrl}/ledger/payments?limit=20`
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const { payments } = (await (await fetch(url)).json()) as {
      payments: {
        payer: string
        amount: string
        transaction?: string
        state: string
        createdAt: string
      }[]
    }
    const found = payments.find(
      (payment) =>
        payment.payer.toLowerCase() === payer.toLowerCase() &&
        payment.amount === amount.toString() &&
        Date.parse(payment.createdAt) >= since - 1000 &&
        payment.transaction &&
        ['settled', 'confirmed'].includes(payment.state),
    )
    if (found?.transaction)
      return { transaction: found.transaction, afterMs: Date.parse(found.createdAt) - since }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('the credited payment did not settle within 30 s')
}
