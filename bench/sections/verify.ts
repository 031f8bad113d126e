import { medianRun, type RunFigures, round, runLoad } from '../lib/load.ts'
import { type Bench, log, post, type Side, sides } from '../lib/setup.ts'

export type VerifyFigures = RunFigures & { concurrency: number; cpuMsPerRequest: number }

/**
 * `/verify` of valid payments at several concurrencies, each side's facilitator CPU per request
 * read from /proc. Each concurrency runs `rounds` times, alternating which side goes first.
 */
export async function benchVerify(
  bench: Bench,
  options: { rounds: number; scale: number; concurrencies: number[] },
) {
  const bodies = await Promise.all(Array.from({ length: 256 }, () => bench.sign()))
  const result: Record<Side, VerifyFigures[]> = { tollgate: [], reference: [] }
  for (const concurrency of options.concurrencies) {
    const total = Math.round(Math.max(300, concurrency * 100) * options.scale)
    const runs: Record<Side, VerifyFigures[]> = { tollgate: [], reference: [] }
    for (let pass = 0; pass < options.rounds; pass++) {
      for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
        const service = bench.facilitators[side]
        const verify = (index: number) =>
          post(
            `${service.url}/verify`,
            bodies[index % bodies.length]!,
            (json) => json.isValid === true,
          ).then(() => undefined)
        await runLoad(Math.min(100, total), concurrency, verify)
        const cpuBefore = service.cpuMs()
        const figures = await runLoad(total, concurrency, verify)
        runs[side].push({
          ...figures,
          concurrency,
          cpuMsPerRequest: round((service.cpuMs() - cpuBefore) / total),
        })
      }
    }
    for (const side of sides) result[side].push(medianRun(runs[side]))
    log(
      `verify c${concurrency}: tollgate ${medianRun(runs.tollgate).perSecond}/s, reference ${medianRun(runs.reference).perSecond}/s`,
    )
  }
  return result
}
