import { round } from '../lib/load.ts'
import { type Bench, log, type Side, sides } from '../lib/setup.ts'

export interface RestFigures {
  /** Resident memory at the end of the quiet spell, and the most held since start (VmHWM). */
  rssMb: number
  peakRssMb: number
  /** CPU the facilitator used per second of the quiet spell: its background work at rest. */
  cpuMsPerSecond: number
}

/**
 * Both facilitators at rest for `quietMs`, side by side (nothing is sent to either meanwhile):
 * their CPU per second and their memory, read from /proc.
 */
export async function benchRest(
  bench: Bench,
  label: string,
  quietMs: number,
): Promise<Record<Side, RestFigures>> {
  const before = Object.fromEntries(
    sides.map((side) => [side, bench.facilitators[side].cpuMs()]),
  ) as Record<Side, number>
  const started = performance.now()
  await new Promise((resolve) => setTimeout(resolve, quietMs))
  const seconds = (performance.now() - started) / 1000
  const result = {} as Record<Side, RestFigures>
  for (const side of sides) {
    const service = bench.facilitators[side]
    result[side] = {
      ...service.memoryMb(),
      cpuMsPerSecond: round((service.cpuMs() - before[side]) / seconds),
    }
  }
  log(
    `at rest ${label}: tollgate ${JSON.stringify(result.tollgate)}, reference ${JSON.stringify(result.reference)}`,
  )
  return result
}
