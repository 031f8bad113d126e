import { describe, expect, it } from 'vitest'
import { Batcher } from './batcher.ts'

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms))

describe('Batcher', () => {
  it('sends what arrives in one turn of the event loop as one batch', async () => {
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 10,
      maxWaitMs: 0,
      flush: async (items) => void batches.push(items),
    })
    for (let index = 0; index < 5; index++) batcher.add(index)
    await tick()
    expect(batches).toEqual([[0, 1, 2, 3, 4]])
  })

  it('closes a batch when it is full, and at the end of its window otherwise', async () => {
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 3,
      maxWaitMs: 30,
      flush: async (items) => void batches.push(items),
    })
    for (let index = 0; index < 4; index++) batcher.add(index)
    expect(batches).toEqual([[0, 1, 2]])
    await tick(10)
    expect(batches).toHaveLength(1)
    await tick(40)
    expect(batches).toEqual([[0, 1, 2], [3]])
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
    const batches: number[][] = []
    const batcher = new Batcher<number>({
      maxSize: 100,
      maxWaitMs: 40,
      maxConcurrent: 1,
      flush: async (items) => {
        batches.push(items)
        await tick(5)
      },
    })
    batcher.add(0)
    await tick(45)
    batcher.add(1)
    await tick(10)
    batcher.add(2)
    await tick(50)
    expect(batches).toEqual([[0], [1, 2]])
  })

  it('drain sends what waits and waits for it', async () => {
    const done: number[] = []
    const batcher = new Batcher<number>({
      maxSize: 100,
      maxWaitMs: 1_000,
      flush: async (items) => {
        await tick(5)
        done.push(...items)
      },
    })
    batcher.add(1)
    batcher.add(2)
    await batcher.drain()
    expect(done).toEqual([1, 2])
  })
})
