/**
 * Runs the research agent on the local stack: `npx tollgate dev`, the scraper
 * (`npm start -w @tollgate-examples/scraper`), then `npm start -w @tollgate-examples/research`.
 * It sells reports for the dev stack's test USDC and buys pages with RESEARCH_PRIVATE_KEY (the dev
 * payer's key when unset), at most RESEARCH_PAGE_MAX a page (default $0.01) and
 * RESEARCH_DAILY_BUDGET a day (default $1), recorded in RESEARCH_SPEND_STORE (default
 * ~/.tollgate/research-spending). Its pages are listed in sources.json (RESEARCH_SOURCES).
 */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { describeBudget, parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createResearchApp, type Source } from './app.ts'

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`)
  process.exit(1)
}

const manifestPath = process.env.TOLLGATE_MANIFEST ?? '.tollgate/dev.json'
const dev = await readManifest(manifestPath).catch((error: Error) =>
  fail(
    `cannot read ${manifestPath} (${error.message}); start \`npx tollgate dev\` first, or set TOLLGATE_MANIFEST`,
  ),
)
const key = process.env.RESEARCH_PRIVATE_KEY ?? dev.accounts.payer.privateKey
if (!/^0x[0-9a-fA-F]{64}$/.test(key))
  fail('RESEARCH_PRIVATE_KEY must be the wallet’s key: 0x and 64 hex digits')
const sourcesFile =
  process.env.RESEARCH_SOURCES ?? new URL('../sources.json', import.meta.url).pathname
const sources = await readFile(sourcesFile, 'utf8')
  .then((text) => JSON.parse(text) as Source[])
  .catch((error: Error) => fail(`cannot read the sources in ${sourcesFile}: ${error.message}`))
let policy: ReturnType<typeof parseSpendingPolicy>
try {
  policy = parseSpendingPolicy({
    maxPayment: process.env.RESEARCH_PAGE_MAX ?? '$0.01',
    budgets: [{ limit: process.env.RESEARCH_DAILY_BUDGET ?? '$1', per: 'day' }],
  })
} catch (error) {
  fail(`the research wallet's limits: ${(error as Error).message}`)
}
const store = await SpendStore.open({
  dataDir: process.env.RESEARCH_SPEND_STORE ?? join(homedir(), '.tollgate', 'research-spending'),
})
const assets = { [dev.network]: dev.asset }
const signer = privateKeyToAccount(key as Hex)
const app = createResearchApp({
  network: dev.network,
  payTo: dev.accounts.merchant.address,
  facilitatorUrl: dev.facilitatorUrl,
  schemes: [exactEvmServer({ assets })],
  sources,
  scraperUrl: process.env.SCRAPER_URL ?? 'http://127.0.0.1:4031',
  wallet: {
    schemes: [exactEvmClient({ signer, assets })],
    spending: spendingGuard({ store, policy, howToRaise: 'raise RESEARCH_DAILY_BUDGET' }),
  },
})
const port = Number(process.env.PORT ?? 4032)
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  const base = `http://127.0.0.1:${info.port}`
  process.stdout.write(
    `research agent on ${base}: POST /research, A2A at ${base}/a2a/, MCP tool \`research\` at ${base}/mcp ($0.02 a report)\n` +
      `  it buys pages from ${process.env.SCRAPER_URL ?? 'http://127.0.0.1:4031'} with ${signer.address}, within ${policy.budgets.map((budget) => describeBudget(budget)).join(' and ')}\n`,
  )
})
server.on('error', (error: NodeJS.ErrnoException) => {
  fail(
    `cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use; set PORT' : error.message}`,
  )
})
