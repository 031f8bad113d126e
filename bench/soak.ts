/**
 * Soak: settle many payments (default 100,000; SOAK_PAYMENTS) through Tollgate's facilitator with
 * an embedded ledger on disk, then check that the ledger and the chain agree on every one.
 * Prints JSON: settle rate, the facilitator's memory over time, and the agreement check.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eip3009Abi } from '@tollgate/evm'
import { openLedger } from '@tollgate/ledger'
import { rpcClient } from 'tollgate'
import { erc20Abi, parseEventLogs } from 'viem'
import { runLoad } from './lib/load.ts'
import { processCpuMs } from './lib/service.ts'
import { log, post, setUpBench } from './lib/setup.ts'

const total = Number(process.env.SOAK_PAYMENTS ?? 100_000)
const chunk = Number(process.env.SOAK_CHUNK ?? 2_000)
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 256)
const ledgerDir = join(await mkdtemp(join(tmpdir(), 'tollgate-soak-')), 'ledger')

const bench = await setUpBench({ tollgateLedgerDir: ledgerDir, reference: false })
const client = rpcClient(bench.anvil.rpcUrl)
const rssMb = () => {
  const status = readFileSync(`/proc/${bench.facilitators.tollgate.pid}/status`, 'utf8')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}
const merchantBefore = await client.readContract({
  address: bench.env.asset.address,
  abi: erc20Abi,
  functionName: 'balanceOf',
  args: [bench.env.payTo],
})
const memory: Array<{ settled: number; rssMb: number }> = [{ settled: 0, rssMb: rssMb() }]
/** Each chunk's size and the time it took to settle, in order. */
const chunks: Array<{ size: number; ms: number; facilitatorCpuMs: number; chainCpuMs: number }> = []
let peakRssMb = 0
const hashes = new Map<string, string>()
let settleMs = 0
const started = performance.now()
try {
  for (let done = 0; done < total; done += chunk) {
    const size = Math.min(chunk, total - done)
    const bodies = await Promise.all(Array.from({ length: size }, () => bench.sign()))
    const cpuBefore = {
      facilitator: bench.facilitators.tollgate.cpuMs(),
      chain: processCpuMs(bench.anvil.pid),
    }
    const run = await runLoad(size, concurrency, (index) =>
      post(
        `${bench.facilitators.tollgate.url}/settle`,
        bodies[index]!,
        (json) => json.success === true,
      ).then((json) => {
        const nonce = (
          JSON.parse(bodies[index]!) as {
            paymentPayload: { payload: { authorization: { nonce: string } } }
          }
        ).paymentPayload.payload.authorization.nonce
        hashes.set(nonce.toLowerCase(), String(json.transaction))
      }),
    )
    settleMs += (run.requests / run.perSecond) * 1000
    chunks.push({
      size,
      ms: (run.requests / run.perSecond) * 1000,
      facilitatorCpuMs: bench.facilitators.tollgate.cpuMs() - cpuBefore.facilitator,
      chainCpuMs: processCpuMs(bench.anvil.pid) - cpuBefore.chain,
    })
    memory.push({ settled: done + size, rssMb: rssMb() })
    log(
      `soak: ${done + size}/${total} settled, ${run.perSecond}/s, facilitator ${memory.at(-1)!.rssMb} MB`,
    )
  }
  peakRssMb = bench.facilitators.tollgate.memoryMb().peakRssMb
} finally {
  await bench.facilitators.tollgate.stop()
}
const wallMs = performance.now() - started

// The chain: every AuthorizationUsed of the payer, and the merchant's balance.
const logs = []
const head = await client.getBlockNumber({ cacheTime: 0 })
const authorizationUsed = eip3009Abi.find(
  (item) => item.type === 'event' && item.name === 'AuthorizationUsed',
)!
// In slices: one answer for every log of the run would exceed an RPC response's size limit.
for (let fromBlock = 0n; fromBlock <= head; fromBlock += 50n) {
  const slice = await client.getLogs({
    address: bench.env.asset.address,
    event: authorizationUsed,
    args: { authorizer: bench.payer },
    fromBlock,
    toBlock: fromBlock + 49n > head ? head : fromBlock + 49n,
  })
  logs.push(...parseEventLogs({ abi: eip3009Abi, eventName: 'AuthorizationUsed', logs: slice }))
}
const onChain = new Map(
  logs.map((used) => [used.args.nonce.toLowerCase(), used.transactionHash.toLowerCase()]),
)
const merchantAfter = await client.readContract({
  address: bench.env.asset.address,
  abi: erc20Abi,
  functionName: 'balanceOf',
  args: [bench.env.payTo],
})
// The ledger: every payment confirmed, by the transaction the chain shows.
const ledger = await openLedger({ dataDir: ledgerDir })
const rows = await ledger.sql.query<{ state: string; n: number }>(
  'select state, count(*)::int as n from tollgate_payments group by state',
)
// Page by page: a million rows at once would not fit in memory.
let confirmedCount = 0
let mismatches = 0
for (let after = 0; ; ) {
  const page = await ledger.sql.query<{ id: number; nonce: string; tx_hash: string }>(
    `select id::int as id, payment->'paymentPayload'->'payload'->'authorization'->>'nonce' as nonce,
       tx_hash from tollgate_payments where state = 'confirmed' and id > $1 order by id limit 10000`,
    [after],
  )
  if (page.length === 0) break
  after = page.at(-1)!.id
  confirmedCount += page.length
  for (const row of page) {
    const nonce = row.nonce.toLowerCase()
    const hash = row.tx_hash.toLowerCase()
    if (onChain.get(nonce) !== hash || hashes.get(nonce)?.toLowerCase() !== hash) mismatches++
  }
}
await ledger.close()
await bench.stop()
/**
 * The first or the last tenth of the payments, by chunk: the settle rate, and the CPU per payment
 * of the facilitator and of the chain (what slows down as the run goes on).
 */
const tenth = (which: 'first' | 'last') => {
  const ordered = which === 'first' ? chunks : [...chunks].reverse()
  const sum = { size: 0, ms: 0, facilitatorCpuMs: 0, chainCpuMs: 0 }
  for (const part of ordered) {
    if (sum.size >= total / 10) break
    sum.size += part.size
    sum.ms += part.ms
    sum.facilitatorCpuMs += part.facilitatorCpuMs
    sum.chainCpuMs += part.chainCpuMs
  }
  return {
    perSecond: Math.round((sum.size / sum.ms) * 1000),
    cpuMsPerPayment: {
      facilitator: Number((sum.facilitatorCpuMs / sum.size).toFixed(3)),
      chain: Number((sum.chainCpuMs / sum.size).toFixed(3)),
    },
  }
}
const tenths = { first: tenth('first'), last: tenth('last') }
const rates = {
  firstTenthPerSecond: tenths.first.perSecond,
  lastTenthPerSecond: tenths.last.perSecond,
}
const agreement = {
  everyPaymentConfirmed: confirmedCount === total,
  ledgerEqualsChain: mismatches === 0 && onChain.size === total,
  merchantPaidExactly:
    merchantAfter - merchantBefore === BigInt(total) * BigInt(bench.requirements.amount),
  mismatches,
}
const output = {
  payments: total,
  settledPerSecond: Math.round((total / settleMs) * 1000),
  wallSeconds: Math.round(wallMs / 1000),
  concurrency,
  ...rates,
  tenths,
  facilitatorPeakRssMb: peakRssMb,
  facilitatorMemoryMb: memory,
  ledgerStates: Object.fromEntries(rows.map((row) => [row.state, Number(row.n)])),
  chain: {
    authorizationsUsed: onChain.size,
    merchantReceived: (merchantAfter - merchantBefore).toString(),
  },
  agreement,
  targets: {
    // The figures: 1.35 million payments in under 30 minutes, the last tenth's rate
    // within 20% of the first's, a peak at most the reference's measured 217 MB.
    under30Minutes: wallMs < 30 * 60_000,
    lastTenthWithin20PercentOfFirst: rates.lastTenthPerSecond >= rates.firstTenthPerSecond * 0.8,
    peakRssAtMost217Mb: peakRssMb <= 217,
    agreement: Object.values(agreement).every((value) => value === true || value === 0),
  },
}
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
