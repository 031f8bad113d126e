/** Latency figures of one measured run. */
export interface RunFigures {
  requests: number
  perSecond: number
  p50Ms: number
  p99Ms: number
  meanMs: number
}

/**
 * Sends `total` operations with `concurrency` in flight and times each. Every operation must
 * succeed: a benchmark of failures would flatter whoever fails fastest.
 */
export async function runLoad(
  total: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<RunFigures> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < total) {
      const index = next++
      const begin = performance.now()
      await operation(index)
      latencies.push(performance.now() - begin)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsedMs = performance.now() - started
  return summarize(latencies, elapsedMs)
}

export function summarize(latencies: number[], elapsedMs: number): RunFigures {
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return {
    requests: sorted.length,
    perSecond: round((sorted.length / elapsedMs) * 1000),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    meanMs: round(sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length)),
  }
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** The run with the median throughput, so one noisy round on a shared machine does not decide. */
export function medianRun<T extends { perSecond: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)]!
}
