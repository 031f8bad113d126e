import { rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { medianRun, type RunFigures, round, runLoad } from '../lib/load.ts'
import { processCpuMs } from '../lib/service.ts'
import { type Bench, log, post, type Side } from '../lib/setup.ts'

export type SettleFigures = RunFigures & {
  concurrency: number
  gasPerPayment: number
  transactions: number
  /** CPU per settled payment of each process: the facilitator, the chain (anvil), this one. */
  cpuMsPerPayment: { facilitator: number; chain: number; loadGenerator: number }
}

/**
 * `/settle` of fresh payments (none verified before), every one settled on chain. Gas per payment
 * is the gas of the receipts divided by the payments they settled. CPU is read from /proc for the
 * facilitator and anvil, and from this process for the load it generates.
 */
export async function benchSettle(
  bench: Bench,
  side: Side,
  options: { rounds: number; total: number; concurrencies: number[] },
): Promise<SettleFigures[]> {
  const client = rpcClient(bench.anvil.rpcUrl)
  const figures: SettleFigures[] = []
  for (const concurrency of options.concurrencies) {
    const runs: SettleFigures[] = []
    for (let pass = 0; pass < options.rounds; pass++) {
      const bodies = await Promise.all(Array.from({ length: options.total }, () => bench.sign()))
      const hashes: Hex[] = []
      const service = bench.facilitators[side]
      const cpuBefore = {
        facilitator: service.cpuMs(),
        chain: processCpuMs(bench.anvil.pid),
        loadGenerator: process.cpuUsage(),
      }
      const run = await runLoad(options.total, concurrency, (index) =>
        post(`${service.url}/settle`, bodies[index]!, (json) => json.success === true).then(
          (json) => {
            hashes.push(json.transaction as Hex)
          },
        ),
      )
      const load = process.cpuUsage(cpuBefore.loadGenerator)
      const perPayment = (ms: number) => round(ms / options.total, 3)
      const cpuMsPerPayment = {
        facilitator: perPayment(service.cpuMs() - cpuBefore.facilitator),
        chain: perPayment(processCpuMs(bench.anvil.pid) - cpuBefore.chain),
        loadGenerator: perPayment((load.user + load.system) / 1000),
      }
      const unique = [...new Set(hashes)]
      const receipts = await Promise.all(
        unique.map((hash) => client.getTransactionReceipt({ hash })),
      )
      const gas = receipts.reduce((sum, receipt) => sum + Number(receipt.gasUsed), 0)
      runs.push({
        ...run,
        concurrency,
        gasPerPayment: Math.round(gas / hashes.length),
        transactions: unique.length,
        cpuMsPerPayment,
      })
    }
    const median = medianRun(runs)
    figures.push(median)
    log(
      `settle ${side} c${concurrency}: ${median.perSecond}/s, p50 ${median.p50Ms} ms, ${median.gasPerPayment} gas/payment, ${median.transactions} txs, CPU ms/payment ${JSON.stringify(median.cpuMsPerPayment)}`,
    )
  }
  return figures
}

/** The best throughput among the concurrencies tried. */
export function best<T extends { perSecond: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => b.perSecond - a.perSecond)[0]!
}
