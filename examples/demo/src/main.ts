/**
 * `npm start`: the whole story on this machine in under a minute, then exit 0. With `--keep` the
 * stack stays up afterwards (Ctrl-C stops it) so the dashboard can be looked at.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SpendStore } from '@tollgate/wallet'
import { startEconomy } from './economy.ts'
import { bold, cyan, dim, green, line, short, usd } from './print.ts'
import { question, tellStory } from './story.ts'
import type { Trace } from './trace.ts'
import { warmUp } from './warmUp.ts'

const keep = process.argv.includes('--keep')
const started = Date.now()
const trace: Trace = { on: false }
line(
  bold(
    'Tollgate demo: an agent with a $1 budget in an economy of paid agents, all on this machine',
  ),
)
const economy = await startEconomy(trace, (message) => line(dim(`▸ ${message}`))).catch(
  (error: Error) => {
    process.stderr.write(`error: the local stack did not start: ${error.message}\n`)
    process.exit(1)
  },
)
const spendDir = await mkdtemp(join(tmpdir(), 'tollgate-demo-spending-'))
const store = await SpendStore.open({ dataDir: spendDir })
let failed = false
try {
  line(dim(`▸ a library of pages on ${economy.site.url}`))
  line(dim(`▸ the scraper on ${economy.scraper.url} ($0.002 a page)`))
  line(
    dim(
      `▸ the research agent on ${economy.research.url}: HTTP /research, A2A ${economy.research.url}/a2a/, MCP ${economy.research.url}/mcp ($0.02 a report); it buys pages with its own wallet ${short(economy.researcher.account.address)}, ERC-8004 agent ${economy.researcher.agentId}`,
    ),
  )
  line(
    dim(
      `▸ the LLM gateway on ${economy.gateway.url}/v1/chat/completions ($2 per million tokens, upto)`,
    ),
  )
  const sales = await warmUp(economy)
  line(
    dim(
      `▸ before the agent arrives, another buyer used ${sales} of the services once each, so the facilitator's catalogue lists them`,
    ),
  )
  line('')
  const story = await tellStory(economy, trace, store)

  line(`\n${bold('Spending')}`)
  const rows = story.paid.map((payment) => [
    payment.service,
    payment.what,
    usd(payment.amount),
    payment.proof,
  ])
  const widths = [26, 26, 11]
  for (const [service, what, amount, proof] of [
    ['service', 'for', 'paid', 'proof on chain'],
    ...rows,
  ])
    line(
      `   ${service!.padEnd(widths[0]!)}${what!.padEnd(widths[1]!)}${amount!.padStart(widths[2]!)}   ${proof}`,
    )
  const total = story.paid.reduce((sum, payment) => sum + payment.amount, 0n)
  line(`   ${'total'.padEnd(widths[0]! + widths[1]!)}${usd(total).padStart(widths[2]!)}`)
  line(
    `   budget left: ${bold(usd(1_000_000n - story.recorded))} of $1.00 ${dim(`(the spending store counts ${usd(story.recorded)}; the chain moved ${usd(story.spent)} out of the agent's wallet)`)}`,
  )
  if (story.spent !== total || story.recorded !== total) {
    failed = true
    process.stderr.write(
      `error: the payments listed (${usd(total)}), the chain (${usd(story.spent)}) and the spending store (${usd(story.recorded)}) disagree\n`,
    )
  }
  const bought = story.bought.reduce((sum, amount) => sum + amount, 0n)
  line(
    `   the research agent paid the scraper ${usd(bought)} for ${story.bought.length} pages from its own wallet; it was paid $0.02 for the report and tipped $0.05`,
  )
  line(
    `\n${green('✓')} ${story.paid.length} payments by the agent and ${story.bought.length} by the research agent, each settled on chain, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  line(`   the question was "${question}"`)
  line(
    `   the dashboard: ${cyan(`${economy.stack.manifest.facilitatorUrl}/dashboard/`)} ${keep ? dim('(the stack stays up: Ctrl-C stops it)') : dim('(run `npm start -- --keep` to keep the stack up and look at it)')}`,
  )
} catch (error) {
  failed = true
  process.stderr.write(`error: ${(error as Error).message}\n`)
}
if (keep && !failed) await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
await store.close()
await rm(spendDir, { recursive: true, force: true })
await economy.stop()
process.exit(failed ? 1 : 0)
