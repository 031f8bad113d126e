import { describe, expect, it } from 'vitest'
import { FakeClock } from '../testing/fakeClock.ts'
import { Batcher } from './batcher.ts'

const tick = () => new Promise((resolve) => setImmediate(resolve))
const unexpected = (error: unknown) => {
  throw error
}

describe('Batcher', () => {
  it('sends what arrives in one turn of the event loop as one batch', async () => {
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 10,
      maxWaitMs: 0,
      flush: async (items) => void batches.push(items),
      onFlushError: unexpected,
    })
    for (let index = 0; index < 5; index++) batcher.add(index)
    await tick()
    expect(batches).toEqual([[0, 1, 2, 3, 4]])
  })

  it('closes a batch when it is full, and at the end of its window otherwise', async () => {
    const clock = new FakeClock()
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 3,
      maxWaitMs: 30,
      flush: async (items) => void batches.push(items),
      onFlushError: unexpected,
      sleep: clock.sleep,
    })
    for (let index = 0; index < 4; index++) batcher.add(index)
    expect(batches).toEqual([[0, 1, 2]])
    await clock.advance(29)
    expect(batches).toHaveLength(1)
    await clock.advance(1)
    expect(batches).toEqual([[0, 1, 2], [3]])
  })

  it('a window closed early by a full batch leaves its timer without effect on the next window', async () => {
    const clock = new FakeClock()
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 2,
      maxWaitMs: 30,
      flush: async (items) => void batches.push(items),
      onFlushError: unexpected,
      sleep: clock.sleep,
    })
    batcher.add(0)
    await clock.advance(20)
    batcher.add(1) // full: the first window closes at 20 ms
    await tick()
    batcher.add(2) // a new window, due at 50 ms
    await clock.advance(15) // 35 ms: past the first window's timer, not the second's
    expect(batches).toEqual([[0, 1]])
    await clock.advance(15)
    expect(batches).toEqual([[0, 1], [2]])
  })

  it('holds batches back while the limit of running flushes is reached, then sends them together', async () => {
    const batches: number[][] = []
    let release: () => void = () => undefined
    const batcher = new Batcher<number>({
      maxSize: 100,
      maxWaitMs: 0,
      maxConcurrent: 1,
      flush: async (items) => {
        batches.push(items)
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve))
      },
      onFlushError: unexpected,
    })
    batcher.add(0)
    await tick()
    for (let index = 1; index <= 6; index++) {
      batcher.add(index)
      await tick()
    }
    expect(batches).toEqual([[0]])
    expect(batcher.depth).toBe(6)
    release()
    await tick()
    expect(batches).toEqual([[0], [1, 2, 3, 4, 5, 6]])
  })

  it('keeps a window open after a flush ends, instead of sending one item at a time', async () => {
    const clock = new FakeClock()
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 100,
      maxWaitMs: 40,
      maxConcurrent: 1,
      flush: async (items) => {
        batches.push(items)
        await clock.sleep(5)
      },
      onFlushError: unexpected,
      sleep: clock.sleep,
    })
    batcher.add(0)
    await clock.advance(45)
    batcher.add(1)
    await clock.advance(10)
    batcher.add(2)
    await clock.advance(50)
    expect(batches).toEqual([[0], [1, 2]])
  })

  it('reports a flush that fails, and carries on with the next batch', async () => {
    const failures: unknown[] = []
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 1,
      maxWaitMs: 0,
      flush: async (items) => {
        batches.push(items)
        if (items[0] === 0) throw new Error('RPC down')
      },
      onFlushError: (error) => failures.push(error),
    })
    batcher.add(0)
    batcher.add(1)
    await batcher.drain()
    expect(batches).toEqual([[0], [1]])
    expect(failures).toEqual([new Error('RPC down')])
  })

  it('drain sends what waits and waits for it', async () => {
    const clock = new FakeClock()
    const done: number[] = []
    const batcher = new Batcher<number>({
      maxSize: 100,
      maxWaitMs: 1_000,
      flush: async (items) => {
        await tick()
        done.push(...items)
      },
      onFlushError: unexpected,
      sleep: clock.sleep,
    })
    batcher.add(1)
    batcher.add(2)
    await batcher.drain()
    expect(done).toEqual([1, 2])
  })

  it('refuses a timed window without a clock to time it', () => {
    expect(
      () =>
        new Batcher<number>({
          maxSize: 2,
          maxWaitMs: 10,
          flush: async () => {},
          onFlushError: unexpected,
        }),
    ).toThrow(/needs a clock/)
  })
})
