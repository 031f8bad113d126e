/**
 * The dashboard's change ticker with fake timers: it polls only while someone listens, tells each
 * listener of a mark other than the one it knows (once), and ends every listener on close.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ChangeTicker } from './changeTicker.ts'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function ticker(marks: string[]) {
  let reads = 0
  const made = new ChangeTicker({
    readMark: async () => {
      reads++
      return marks[Math.min(reads - 1, marks.length - 1)]!
    },
    pollMs: 100,
    onError: () => undefined,
  })
  return { made, reads: () => reads }
}

function listener() {
  const ticks: string[] = []
  let ended = false
  return {
    ticks,
    ended: () => ended,
    tick: (mark: string) => ticks.push(mark),
    end: () => {
      ended = true
    },
  }
}

describe('ChangeTicker', () => {
  it('polls only while someone listens', async () => {
    const { made, reads } = ticker(['1:0'])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(reads()).toBe(0)
    const unsubscribe = made.subscribe(listener(), '1:0')
    await vi.advanceTimersByTimeAsync(350)
    expect(reads()).toBe(3)
    unsubscribe()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(reads()).toBe(3)
  })

  it('tells each listener of a new mark once, from the mark it knows', async () => {
    const { made } = ticker(['1:0', '1:0', '2:0', '2:0', '2:1'])
    const early = listener()
    const late = listener()
    made.subscribe(early, '1:0')
    await vi.advanceTimersByTimeAsync(200)
    // It read its data before the change it has not been told of yet.
    made.subscribe(late, '1:0')
    await vi.advanceTimersByTimeAsync(300)
    expect(early.ticks).toEqual(['2:0', '2:1'])
    expect(late.ticks).toEqual(['2:0', '2:1'])
    made.close()
  })

  it('close ends every stream, and a later listener at once', () => {
    const { made } = ticker(['1:0'])
    const open = listener()
    made.subscribe(open, '1:0')
    made.close()
    expect(open.ended()).toBe(true)
    const late = listener()
    made.subscribe(late, '1:0')
    expect(late.ended()).toBe(true)
    expect(made.listeners).toBe(0)
  })
})
