/**
 * `npm run bench:vouchers`: only the batch-settlement section of `npm run bench` (vouchers against
 * exact and the reference's exact), on its own devnet. Prints JSON.
 */
import os from 'node:os'
import { setUpBench } from './lib/setup.ts'
import { benchVouchers } from './sections/vouchers.ts'

const scale = Number(process.env.BENCH_SCALE ?? 1)
const bench = await setUpBench()
try {
  const vouchers = await benchVouchers(bench, { scale })
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    note: 'shared 2-core box; the API, both facilitators and anvil each in their own process; anvil automine',
  }
  process.stdout.write(`${JSON.stringify({ machine, scale, vouchers }, null, 2)}\n`)
} finally {
  await bench.stop()
}
