/**
 * `npm run bench:credit`: a trusted agent's paid request on credit against the exact path, the
 * reference's exact path and an unpaid request, on its own devnet. Prints JSON.
 */
import os from 'node:os'
import { setUpBench } from './lib/setup.ts'
import { benchCredit } from './sections/credit.ts'

const scale = Number(process.env.BENCH_SCALE ?? 1)
const bench = await setUpBench()
try {
  const credit = await benchCredit(bench, { scale })
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    note: 'shared 2-core box; the API, both facilitators and anvil each in their own process; anvil automine',
  }
  process.stdout.write(`${JSON.stringify({ machine, scale, credit }, null, 2)}\n`)
} finally {
  await bench.stop()
}
