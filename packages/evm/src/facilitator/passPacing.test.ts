/**
 * When the finality watch looks, as the pacing decides tick by tick: at the full pace while the
 * chain moves, less and less often while its head stands still (down to 8 passes' time), at once
 * when a settlement has just been recorded, and never when there is nothing to watch.
 */
import { describe, expect, it } from 'vitest'
import { PassPacing } from './passPacing.ts'

const settings = { recoveryIntervalMs: 100, idlePassMs: 60_000, leaseMs: 15_000 }
const quiet = { busy: false, driven: 0 }

/** The times, over `untilMs` of 100 ms ticks, at which a watch pass ran; `still` per pass. */
function watchTimes(
  pacing: PassPacing,
  untilMs: number,
  options: { still: (atMs: number) => boolean; noted?: (atMs: number) => boolean },
) {
  const times: number[] = []
  for (let atMs = 100; atMs <= untilMs; atMs += 100) {
    const noted = options.noted?.(atMs) ?? false
    const kind = pacing.due(atMs, { ...quiet, watching: 1, noted })
    if (!kind) continue
    expect(kind).toBe('watch')
    times.push(atMs)
    pacing.passed(kind, quiet, options.still(atMs))
  }
  return times
}

const atRest = () => {
  const pacing = new PassPacing(settings, true, 0)
  pacing.startedAtRest()
  return pacing
}

describe('the finality watch pacing', () => {
  it('doubles its gap while the head stands still, up to 8 passes, and keeps the pace while it moves', () => {
    expect(watchTimes(atRest(), 4_000, { still: () => true })).toEqual([
      100, 300, 700, 1_500, 2_300, 3_100, 3_900,
    ])
    expect(watchTimes(atRest(), 1_000, { still: () => false })).toHaveLength(10)
  })

  it('comes back to the full pace when the head moves, and looks at once after a receipt', () => {
    const moved = watchTimes(atRest(), 3_000, { still: (atMs) => atMs !== 1_500 })
    expect(moved).toEqual([100, 300, 700, 1_500, 1_600, 1_800, 2_200, 3_000])
    // The receipt's pass starts over from the full pace, then doubles again on a still head.
    const noted = watchTimes(atRest(), 2_000, {
      still: () => true,
      noted: (atMs) => atMs === 1_000,
    })
    expect(noted).toEqual([100, 300, 700, 1_000, 1_200, 1_600])
  })

  it('makes no pass with nothing to watch and nothing to do, until the idle gap', () => {
    const pacing = atRest()
    for (let atMs = 100; atMs < 60_000; atMs += 100)
      expect(pacing.due(atMs, { ...quiet, watching: 0, noted: false })).toBeUndefined()
    expect(pacing.due(60_000, { ...quiet, watching: 0, noted: false })).toBe('full')
  })
})
