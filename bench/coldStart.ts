/**
 * `npm run bench:cold-start`: only the CLI's cold starts (also part of `npm run bench`), as JSON.
 * The CLI runs its compiled bundle: `npm run build` first.
 */
import os from 'node:os'
import { benchColdStart } from './sections/coldStart.ts'

const runs = Number(process.env.BENCH_COLD_RUNS ?? 9)
const figures = await benchColdStart(runs)
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  node: process.version,
  note: 'shared 2-core box; every start a new process; medians of interleaved runs',
}
process.stdout.write(`${JSON.stringify({ machine, ...figures }, null, 2)}\n`)
