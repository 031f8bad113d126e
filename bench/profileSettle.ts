// Profiling aid: settles a burst of payments against Tollgate's facilitator only.
import { runLoad } from './lib/load.ts'
import { post, setUpBench } from './lib/setup.ts'

const bench = await setUpBench()
try {
  const total = Number(process.env.TOTAL ?? 2000)
  const concurrency = Number(process.env.CONCURRENCY ?? 256)
  const bodies = await Promise.all(Array.from({ length: total }, () => bench.sign()))
  const cpuBefore = bench.facilitators.tollgate.cpuMs()
  const figures = await runLoad(total, concurrency, (index) =>
    post(
      `${bench.facilitators.tollgate.url}/settle`,
      bodies[index]!,
      (json) => json.success === true,
    ).then(() => undefined),
  )
  const cpu = bench.facilitators.tollgate.cpuMs() - cpuBefore
  process.stdout.write(`${JSON.stringify({ ...figures, cpuMsPerPayment: cpu / total })}\n`)
} finally {
  await bench.stop()
}
