// Profiling aid: settles a burst of payments against Tollgate's facilitator only.
import { runLoad } from './lib/load.ts'
import { processCpuMs } from './lib/service.ts'
import { post, setUpBench } from './lib/setup.ts'

const bench = await setUpBench()
try {
  const total = Number(process.env.TOTAL ?? 2000)
  const concurrency = Number(process.env.CONCURRENCY ?? 256)
  const bodies = await Promise.all(Array.from({ length: total }, () => bench.sign()))
  const cpuBefore = bench.facilitators.tollgate.cpuMs()
  const anvilBefore = processCpuMs(bench.anvil.pid)
  const loadBefore = process.cpuUsage()
  const figures = await runLoad(total, concurrency, (index) =>
    post(
      `${bench.facilitators.tollgate.url}/settle`,
      bodies[index]!,
      (json) => json.success === true,
    ).then(() => undefined),
  )
  const cpu = bench.facilitators.tollgate.cpuMs() - cpuBefore
  const anvil = processCpuMs(bench.anvil.pid) - anvilBefore
  const load = process.cpuUsage(loadBefore)
  const perPayment = (ms: number) => Number((ms / total).toFixed(3))
  process.stdout.write(
    `${JSON.stringify({
      ...figures,
      cpuMsPerPayment: {
        facilitator: perPayment(cpu),
        anvil: perPayment(anvil),
        loadGenerator: perPayment((load.user + load.system) / 1000),
      },
    })}\n`,
  )
} finally {
  await bench.stop()
}
