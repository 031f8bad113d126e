/**
 * The research agent on the dev stack, buying pages from the scraper with its own wallet: a
 * report bought over HTTP, A2A and MCP is charged once each, and each page it read was paid for
 * by the agent, one payment a page. Its wallet's budget bounds what it buys; a report it cannot
 * write is not charged, to the buyer or by the scraper.
 */
import { TaskState } from '@a2a-js/sdk'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { connectAgent, hireAgent } from '@tollgate/a2a'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS, DEVNET_ROLES, fundDevnet } from '@tollgate/devnet'
import { exactEvmClient, exactEvmServer, uptoEvmServer } from '@tollgate/evm'
import { callPaidTool } from '@tollgate/mcp'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import { createScraperApp } from '@tollgate-examples/scraper'
import { Hono } from 'hono'
import { type DevStack, listen, rpcClient, startDevStack } from 'tollgate'
import { type Address, erc20Abi } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResearchApp, type Report, type Source } from '../src/app.ts'

let stack: DevStack
const servers: Awaited<ReturnType<typeof listen>>[] = []
let site: string
let scraperUrl: string
const researcher = privateKeyToAccount(generatePrivateKey())
const stores: SpendStore[] = []

const page = (title: string, text: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${text}</p><p>${text.split('.').reverse().join('.')}</p></article></body></html>`

const pages: Record<string, [string, string]> = {
  '/tide': [
    'Tide',
    'The sea rises and falls twice a day because the moon pulls the near ocean and the far ocean differently. Two bulges of water travel around the Earth as it turns, so a coast passes under both every day.',
  ],
  '/moon': [
    'Moon',
    'The moon orbits the Earth every twenty-seven days. Its gravity is the main cause of the tides, and the sun adds a smaller pull that makes spring and neap tides.',
  ],
  '/wind': [
    'Wind',
    'Wind is air moving from high pressure to low pressure. It builds waves on the sea surface but does not cause the tides.',
  ],
  '/bread': [
    'Bread',
    'Bread is baked from flour, water and yeast. A long proof gives the crumb its open texture and the crust its colour.',
  ],
}

let sources: Source[]

beforeAll(async () => {
  stack = await startDevStack({ rpcPort: 0, facilitatorPort: 0, apiPort: 0, solanaPort: 0 })
  const { manifest } = stack
  const app = new Hono()
  for (const [path, [title, text]] of Object.entries(pages))
    app.get(path, (c) => c.html(page(title, text)))
  const siteServer = await listen(app, 0)
  servers.push(siteServer)
  site = siteServer.url
  sources = [
    { url: `${site}/tide`, title: 'Tide', about: 'why the sea rises twice a day' },
    { url: `${site}/moon`, title: 'Moon', about: 'the moon, its orbit and its pull on the tides' },
    { url: `${site}/wind`, title: 'Wind', about: 'wind and waves on the sea' },
    { url: `${site}/bread`, title: 'Bread', about: 'baking with flour and yeast' },
  ]
  const assets = { [manifest.network]: manifest.asset }
  const scraper = await listen(
    createScraperApp({
      network: manifest.network,
      payTo: manifest.accounts.merchant.address,
      facilitatorUrl: manifest.facilitatorUrl,
      schemes: [exactEvmServer({ assets }), uptoEvmServer({ assets })],
      limits: { allowHosts: [new URL(site).host] },
    }),
    0,
  )
  servers.push(scraper)
  scraperUrl = scraper.url
  // The research agent's own wallet holds a little test USDC: what it starts with.
  await fundDevnet({
    rpcUrl: manifest.rpcUrl,
    chainId: manifest.chainId,
    deployerPrivateKey: ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey,
    token: manifest.asset.address,
    usdc: [{ address: researcher.address, amount: 100_000n }],
  })
}, 120_000)
afterAll(async () => {
  for (const server of servers) await server.close()
  for (const store of stores) await store.close()
  await stack?.stop()
})

/** A research agent whose wallet may spend `budget` in all, paid to its own wallet. */
async function startResearch(budget: string, agentSources = sources): Promise<string> {
  const { manifest } = stack
  const assets = { [manifest.network]: manifest.asset }
  const store = await SpendStore.open({ dataDir: await tempDir() })
  stores.push(store)
  const server = await listen(
    createResearchApp({
      network: manifest.network,
      payTo: researcher.address,
      facilitatorUrl: manifest.facilitatorUrl,
      schemes: [exactEvmServer({ assets })],
      sources: agentSources,
      scraperUrl,
      wallet: {
        schemes: [exactEvmClient({ signer: researcher, assets })],
        spending: spendingGuard({
          store,
          policy: parseSpendingPolicy({ maxPayment: '$0.01', budgets: [{ limit: budget }] }),
        }),
      },
    }),
    0,
  )
  servers.push(server)
  return server.url
}

async function tempDir(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  return mkdtemp(join(tmpdir(), 'research-spend-'))
}

async function balanceOf(address: string): Promise<bigint> {
  return rpcClient(stack.manifest.rpcUrl).readContract({
    address: stack.manifest.asset.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [address as Address],
  })
}

const buyer = () => {
  const { manifest } = stack
  return {
    schemes: [
      exactEvmClient({
        signer: privateKeyToAccount(manifest.accounts.payer.privateKey),
        assets: { [manifest.network]: manifest.asset },
      }),
    ],
  }
}

const question = 'Why does the sea have two tides a day?'

/** The tool's structured result, which must be a report. */
function reportOf(value: unknown): Report {
  expect(value).toMatchObject({ question, sections: expect.any(Array) })
  return value as Report
}

function expectReport(report: Report, read: number) {
  expect(report.question).toBe(question)
  expect(report.sections.map((section) => section.heading)).toEqual(
    expect.arrayContaining(['Summary', 'Sources']),
  )
  expect(report.sources).toHaveLength(read)
  for (const source of report.sources) {
    expect(source.paid.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(source.paid.amount).toBe('2000')
  }
  // The tide page is the most relevant, read first, cited in the summary.
  expect(report.sources[0]?.url).toBe(`${site}/tide`)
  expect(report.sections[0]?.text).toMatch(/moon pulls.*\[1\]/)
  expect(report.markdown).toContain('## Sources')
  expect(report.markdown).not.toContain('Bread')
}

describe('the research agent', () => {
  it('sells a report over HTTP and pays the scraper for each page it read, from its own wallet', async () => {
    const url = await startResearch('$1')
    const [payerBefore, agentBefore, merchantBefore] = await Promise.all([
      balanceOf(stack.manifest.accounts.payer.address),
      balanceOf(researcher.address),
      balanceOf(stack.manifest.accounts.merchant.address),
    ])
    const response = await wrapFetch(fetch, buyer())(`${url}/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    })
    expect(response.status).toBe(200)
    expect(readReceipt(response)?.success).toBe(true)
    const report = (await response.json()) as Report
    expectReport(report, 3)
    expect(report.spent).toBe('6000')
    // The buyer paid the report ($0.02) to the agent; the agent paid three pages ($0.006) to the scraper.
    expect(payerBefore - (await balanceOf(stack.manifest.accounts.payer.address))).toBe(20_000n)
    expect((await balanceOf(researcher.address)) - agentBefore).toBe(20_000n - 6_000n)
    expect((await balanceOf(stack.manifest.accounts.merchant.address)) - merchantBefore).toBe(
      6_000n,
    )
  })

  it('is hired over A2A and called as a paid MCP tool, charged once each', async () => {
    const url = await startResearch('$1')
    const before = await balanceOf(stack.manifest.accounts.payer.address)
    const hired = await hireAgent(await connectAgent(`${url}/a2a/`), question, buyer())
    expect(hired.task?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(hired.receipt?.success).toBe(true)
    expect(hired.text).toContain('## Summary')
    const client = new Client({ name: 'buyer', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)))
    try {
      const paid = await callPaidTool(
        client,
        { name: 'research', arguments: { question } },
        buyer(),
      )
      expect(paid.outcome?.state).toBe('settled')
      expectReport(reportOf(paid.result.structuredContent), 3)
    } finally {
      await client.close()
    }
    expect(before - (await balanceOf(stack.manifest.accounts.payer.address))).toBe(40_000n)
  })

  it('buys only what its budget allows, and says which pages it did not read', async () => {
    const url = await startResearch('$0.004')
    const agentBefore = await balanceOf(researcher.address)
    const response = await wrapFetch(fetch, buyer())(`${url}/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    })
    expect(response.status).toBe(200)
    const report = (await response.json()) as Report
    expectReport(report, 2)
    expect(report.skipped).toHaveLength(1)
    expect(report.skipped[0]?.reason).toMatch(/POLICY_REFUSED.*budget/)
    expect(report.sections.at(-1)?.heading).toBe('Not read')
    expect((await balanceOf(researcher.address)) - agentBefore).toBe(20_000n - 4_000n)
  })

  it('charges nothing for a report it cannot write', async () => {
    const missing = [{ url: `${site}/gone`, title: 'Tides of the gone page', about: 'tides' }]
    const url = await startResearch('$1', [...missing, sources[3]!])
    const before = await Promise.all([
      balanceOf(stack.manifest.accounts.payer.address),
      balanceOf(researcher.address),
    ])
    const pay = wrapFetch(fetch, buyer())
    const ask = (body: unknown) =>
      pay(`${url}/research`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const unreadable = await ask({ question })
    expect(unreadable.status).toBe(424)
    expect(await unreadable.json()).toMatchObject({
      error: 'sources_unreadable',
      skipped: [{ url: `${site}/gone`, reason: 'scraper answered 424 upstream_failed' }],
    })
    const offTopic = await ask({ question: 'What is the price of gold in Lima?' })
    expect(offTopic.status).toBe(422)
    expect((await offTopic.json()).error).toBe('no_relevant_sources')
    const broken = await ask({ asked: question })
    expect(broken.status).toBe(400)
    expect(readReceipt(broken)).toBeUndefined()
    const after = await Promise.all([
      balanceOf(stack.manifest.accounts.payer.address),
      balanceOf(researcher.address),
    ])
    expect(after).toEqual(before)
  })
})
